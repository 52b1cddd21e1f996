"""The safety net before the procedure, over the API (pathway.md section 6): the same services
answer, so a refusal is a 409 naming the rule, a bad birth date a 400 naming the field."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from pathway.codes import State
from patients.models import Patient
from tests import factories as f
from tests.api import support as s

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clinic_day():
    noon = timezone.make_aware(dt.datetime.combine(dt.date(2025, 6, 16), dt.time(12)))
    with time_machine.travel(noon, tick=False):
        yield


def move(client, episode, name, **body):
    return client.post(
        s.episode_url(episode.id, "transitions/"), {"transition": name, **body}, format="json"
    )


def bleed_recorded(client, episode, *found):
    sel = episode.selection
    body = s.selection_body(
        assessed_on=s.iso(sel.assessed_on),
        symptom_onset=s.iso(sel.symptom_onset),
        contraindications=list(found),
        reason="Bleeding found after referral.",
    )
    return s.ok(client.put(s.episode_url(episode.id, "selection/"), body, format="json"))


def test_a_coagulopathy_recorded_after_referral_makes_the_booking_a_409_naming_the_rule(
    coordinator, as_coordinator
):
    episode = s.ready_for("schedule_procedure", coordinator)
    bleed_recorded(as_coordinator, episode, "uncorrectable_coagulopathy")

    response = move(as_coordinator, episode, "schedule_procedure")

    assert response.status_code == 409
    assert [u["rule"] for u in response.json()["unmet"]] == ["no_absolute_contraindication"]
    episode.refresh_from_db()
    assert episode.state == State.IMAGING


def test_an_active_bleed_makes_the_procedure_a_409(coordinator, as_coordinator):
    episode = s.ready_for("complete_procedure", coordinator)
    bleed_recorded(as_coordinator, episode, "active_bleeding")

    response = move(as_coordinator, episode, "complete_procedure")

    assert response.status_code == 409
    assert "no_absolute_contraindication" in {u["rule"] for u in response.json()["unmet"]}


def test_the_episode_view_warns_of_a_contraindication_and_shows_the_booking_blocked(
    coordinator, as_coordinator, as_nurse
):
    episode = s.ready_for("schedule_procedure", coordinator)
    bleed_recorded(as_coordinator, episode, "active_bleeding")

    body = s.ok(as_nurse.get(s.episode_url(episode.id)))

    warned = {w["rule"]: w["message"] for w in body["warnings"]}
    assert "active bleeding" in warned["no_absolute_contraindication"]
    booking = next(t for t in body["transitions"] if t["name"] == "schedule_procedure")
    assert booking["allowed"] is False
    assert [u["rule"] for u in booking["unmet"]] == ["no_absolute_contraindication"]


def test_a_booking_beyond_the_symptom_window_is_a_409_naming_thrombus_age(
    coordinator, as_coordinator
):
    episode = f.walk_to(coordinator, f.PatientFactory(), State.IMAGING, on=f.days_ago(20))
    f.record_imaging(coordinator, episode, "duplex")
    f.record_imaging(coordinator, episode, "ct_venography")
    f.record_anticoagulation(coordinator, episode)

    response = move(as_coordinator, episode, "schedule_procedure")

    assert response.status_code == 409
    assert [u["rule"] for u in response.json()["unmet"]] == ["thrombus_age"]
    assert (
        s.ok(move(as_coordinator, episode, "schedule_procedure", effective_on=s.ago(19)))["state"]
        == State.PROCEDURE
    )


def test_a_birth_date_before_1900_is_a_400_naming_birth_date(as_coordinator):
    response = as_coordinator.post(
        "/api/patients/", s.patient_body(birth_date="1880-04-02"), format="json"
    )

    assert "1900-01-01" in s.names(response, "birth_date")[0]
    assert not Patient.objects.exists()


def test_a_birth_date_cannot_be_changed_to_before_1900(as_coordinator, patient):
    response = as_coordinator.patch(
        f"/api/patients/{patient.id}/", {"birth_date": "1899-12-31"}, format="json"
    )

    s.names(response, "birth_date")
    patient.refresh_from_db()
    assert patient.birth_date == f.PatientFactory._meta.declarations["birth_date"]


def test_an_implausible_age_at_referral_is_a_warning_on_the_episode(as_coordinator, as_nurse):
    patient = f.PatientFactory(birth_date=dt.date(1920, 2, 1))
    created = s.ok(
        as_coordinator.post("/api/episodes/", {"patient": patient.id}, format="json"), status=201
    )

    body = s.ok(as_nurse.get(s.episode_url(created["id"])))

    warned = {w["rule"]: w["message"] for w in body["warnings"]}
    assert "Age at referral 105" in warned["plausible_age"]


def test_a_new_episode_for_a_patient_who_has_died_is_a_409_in_words(coordinator, as_coordinator):
    episode = f.open_episode(coordinator)
    f.services.episode_transition(
        episode_id=episode.id, name="record_death", actor=coordinator, effective_on=s.today()
    )

    response = as_coordinator.post("/api/episodes/", {"patient": episode.patient_id}, format="json")

    assert response.status_code == 409
    assert "death is recorded" in response.json()["detail"]
    assert episode.patient.episodes.count() == 1
