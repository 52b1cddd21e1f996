"""Finding a patient (issue 18): by MRN or name, accents and case ignored, the same search in
the API (`GET /api/patients/?search=`) and on the patients page every role may open."""

import pytest

from patients import services
from tests.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [f"{p['given_name']} {p['family_name']}" for p in response.json()["results"]]


@pytest.mark.parametrize("typed", ["zoe", "ZOE", "Zoë", "angstrom", "ÅNGSTRÖM", "zo ang"])
def test_an_unaccented_name_finds_the_accented_patient(as_nurse, typed):
    PatientFactory(given_name="Zoë", family_name="Ångström")
    PatientFactory(given_name="Zola", family_name="Smith")

    response = as_nurse.get("/api/patients/", {"search": typed})

    assert response.status_code == 200
    assert names(response) == ["Zoë Ångström"]


def test_an_accented_search_finds_an_unaccented_name(as_nurse):
    PatientFactory(given_name="Noemi", family_name="Ostberg")

    assert names(as_nurse.get("/api/patients/", {"search": "Noémi Östberg"})) == ["Noemi Ostberg"]


def test_a_renamed_patient_is_found_by_the_new_name_only(coordinator, as_coordinator):
    patient = PatientFactory(given_name="Ann", family_name="Lee")
    services.patient_update(actor=coordinator, patient_id=patient.id, family_name="Müller")

    assert names(as_coordinator.get("/api/patients/", {"search": "muller"})) == ["Ann Müller"]
    assert as_coordinator.get("/api/patients/", {"search": "lee"}).json()["count"] == 0


def test_the_mrn_is_found_whatever_its_case(as_nurse):
    PatientFactory(mrn="AB12345", given_name="Zoë", family_name="Ångström")

    assert names(as_nurse.get("/api/patients/", {"search": "ab12345"})) == ["Zoë Ångström"]


def test_the_patients_page_links_each_match_to_their_episodes(client, nurse):
    patient = PatientFactory(given_name="Zoë", family_name="Ångström")
    episode = EpisodeFactory(patient=patient)
    PatientFactory(given_name="Zola", family_name="Smith")
    client.force_login(nurse)

    response = client.get("/patients/", {"q": "zoe angstrom"})

    html = response.content.decode()
    assert response.status_code == 200 and "Ångström, Zoë" in html and "Smith" not in html
    assert f'href="/episodes/{episode.id}/"' in html
    assert "no-store" in response["Cache-Control"]


def test_the_patients_page_says_when_nothing_matches_and_refuses_in_words(client, coordinator):
    client.force_login(coordinator)

    assert "No patient matches" in client.get("/patients/", {"q": "nobody"}).content.decode()
    too_long = client.get("/patients/", {"q": "x" * 300})
    assert too_long.status_code == 400 and "at most 100 characters" in too_long.content.decode()
    assert client.get("/patients/").status_code == 200  # the empty form


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/patients/", {"q": "zoe"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
