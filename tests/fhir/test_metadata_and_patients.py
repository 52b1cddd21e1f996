"""The CapabilityStatement, and Patient read and search: what the hospital's systems look up
first, with the unit's MRN system."""

import pytest
from django.conf import settings

from fhir import codes
from tests import factories as f
from tests.fhir.support import body, entries, get, valid

pytestmark = pytest.mark.django_db
MRN = settings.FHIR_MRN_SYSTEM


def test_the_capability_statement_lists_what_is_supported_and_our_code_systems(as_nurse):
    response = get(as_nurse, "/fhir/metadata")
    assert response.status_code == 200
    statement = valid(body(response))
    assert statement["fhirVersion"] == "4.0.1"
    rest = statement["rest"][0]
    types = {r["type"]: r for r in rest["resource"]}
    assert set(types) >= {
        "Patient",
        "EpisodeOfCare",
        "Procedure",
        "Observation",
        "Condition",
        "MedicationStatement",
        "CarePlan",
        "Task",
        "Provenance",
        "ServiceRequest",
    }
    assert {p["name"] for p in types["Patient"]["searchParam"]} == {
        "identifier",
        "name",
        "family",
        "birthdate",
    }
    assert {i["code"] for i in types["Patient"]["interaction"]} == {"read", "search-type", "create"}
    assert {i["code"] for i in types["Observation"]["interaction"]} == {"read", "search-type"}
    assert {p["name"] for p in types["Observation"]["searchParam"]} == {"patient", "code"}
    assert types["EpisodeOfCare"]["operation"][0]["name"] == "everything"
    listed = {e["valueUri"] for e in statement["extension"][0]["extension"]}
    assert codes.local("segment") in listed and all(
        u.startswith(settings.FHIR_SYSTEM_BASE) for u in listed
    )


def test_a_patient_reads_with_the_mrn_under_the_units_system(as_nurse):
    patient = f.PatientFactory(mrn="RX-1001", given_name="Ada", family_name="Byron")
    response = get(as_nurse, f"/fhir/Patient/{patient.id}")
    assert response.status_code == 200
    resource = valid(body(response))
    assert resource["identifier"][0]["system"] == MRN
    assert resource["identifier"][0]["value"] == "RX-1001"
    assert resource["name"][0] == {"use": "official", "family": "Byron", "given": ["Ada"]}
    assert resource["birthDate"] == "1970-05-17" and resource["gender"] == "female"
    assert response["Cache-Control"] == "no-store"


def test_a_patient_is_found_by_mrn_name_family_and_birth_date(as_nurse):
    ada = f.PatientFactory(mrn="RX-1", given_name="Ada", family_name="Byron")
    f.PatientFactory(mrn="RX-2", given_name="Zoë", family_name="Ångström", birth_date="1980-02-03")
    for params, want in [
        ({"identifier": f"{MRN}|RX-1"}, ["RX-1"]),
        ({"identifier": "RX-2"}, ["RX-2"]),
        ({"identifier": "http://elsewhere.example/mrn|RX-1"}, []),
        ({"name": "zoe"}, ["RX-2"]),
        ({"name": "byr"}, ["RX-1"]),
        ({"family": "angs"}, ["RX-2"]),
        ({"family": "Ada"}, []),
        ({"birthdate": "1980-02-03"}, ["RX-2"]),
        ({"birthdate": "1970"}, ["RX-1"]),
        ({"birthdate": "gt1975-01-01"}, ["RX-2"]),
    ]:
        bundle = valid(body(get(as_nurse, "/fhir/Patient", **params)))
        assert bundle["type"] == "searchset"
        found = [p["identifier"][0]["value"] for p in entries(bundle, "Patient")]
        assert found == want, params
        assert bundle["total"] == len(want)
    assert ada


def test_a_search_pages_with_count_and_a_next_link(as_nurse):
    for n in range(5):
        f.PatientFactory(mrn=f"PG-{n}", family_name="Pager")
    seen, url, pages = [], "/fhir/Patient?family=Pager&_count=2", 0
    while url:
        bundle = valid(body(as_nurse.get(url, HTTP_ACCEPT="application/fhir+json")))
        assert bundle["total"] == 5
        seen += [p["identifier"][0]["value"] for p in entries(bundle)]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        pages += 1
    assert pages == 3 and sorted(seen) == [f"PG-{n}" for n in range(5)]


@pytest.mark.parametrize(
    "params, element",
    [
        ({"birthdat": "1970"}, "birthdat"),
        ({"name:exact": "Ada"}, "name:exact"),
        ({"_count": "x"}, "_count"),
        ({"birthdate": "17/05/1970"}, "birthdate"),
    ],
)
def test_an_unknown_or_bad_search_parameter_is_a_400_outcome_naming_it(as_nurse, params, element):
    response = get(as_nurse, "/fhir/Patient", **params)
    assert response.status_code == 400
    outcome = valid(body(response))
    assert outcome["resourceType"] == "OperationOutcome"
    assert element in outcome["issue"][0]["diagnostics"]


def test_errors_are_operation_outcomes(as_nurse, client):
    assert valid(body(get(as_nurse, "/fhir/Patient/999999")))["issue"][0]["code"] == "not-found"
    assert get(as_nurse, "/fhir/Patient/999999").status_code == 404
    assert get(as_nurse, "/fhir/Spaceship").status_code == 404
    assert get(as_nurse, f"/fhir/EpisodeOfCare/{10**30}/$everything").status_code == 404
    assert get(as_nurse, f"/fhir/EpisodeOfCare/{10**30}").status_code == 404
    assert get(as_nurse, f"/fhir/Condition/{10**30}-dvt").status_code == 404
    assert get(as_nurse, "/fhir/Observation", patient=f"Patient/{10**30}").status_code == 400
    anonymous = get(client, "/fhir/Patient")
    assert anonymous.status_code == 401
    assert valid(body(anonymous))["issue"][0]["code"] == "login"
    xml = as_nurse.get("/fhir/metadata", HTTP_ACCEPT="application/fhir+xml")
    assert xml.status_code == 406
    assert valid(body(xml))["resourceType"] == "OperationOutcome"


def test_a_user_without_a_role_reads_nothing(db):
    from tests.conftest import client_for

    nobody = client_for(f.UserFactory(username="nobody"))
    response = get(nobody, "/fhir/Patient")
    assert response.status_code == 403
    assert valid(body(response))["issue"][0]["code"] == "forbidden"


def test_a_search_for_a_patient_we_do_not_know_is_empty(as_nurse):
    bundle = valid(body(get(as_nurse, "/fhir/Observation", patient="Patient/999999")))
    assert bundle["total"] == 0 and "entry" not in bundle


def test_a_stranger_is_asked_to_sign_in_whatever_the_type(client):
    assert get(client, "/fhir/Spaceship").status_code == 401


def test_a_read_of_a_patients_record_is_in_the_access_log(as_nurse, nurse, coordinator):
    from patients.models import PatientAccess

    episode = f.open_episode(coordinator)
    get(as_nurse, f"/fhir/Patient/{episode.patient_id}")
    get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}/$everything")
    get(as_nurse, "/fhir/Patient", family="x")  # a search reads no one's record
    assert list(PatientAccess.objects.filter(user=nurse).values_list("patient_id", "what")) == [
        (episode.patient_id, "fhir:Patient"),
        (episode.patient_id, "fhir:$everything"),
    ]
