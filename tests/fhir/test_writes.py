"""Writes from the hospital's systems: a Patient created or matched by MRN, a referral
(ServiceRequest) opening an episode through the pathway's own service; invalid FHIR is a 400
naming the element, a patient with an open episode a 409."""

import pytest
from django.conf import settings

from pathway.models import Episode
from patients.models import Patient
from tests import factories as f
from tests.fhir.support import body, get, post, valid

pytestmark = pytest.mark.django_db
MRN = settings.FHIR_MRN_SYSTEM


def a_patient(**overrides) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": MRN, "value": "EHR-77"}],
        "name": [{"use": "official", "family": "Lovelace", "given": ["Ada"]}],
        "birthDate": "1968-03-02",
        "gender": "female",
        **overrides,
    }


def a_referral(patient_id: int, **overrides) -> dict:
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": f.days_ago(3).isoformat(),
        **overrides,
    }


def test_a_posted_patient_reads_back_with_identifier_names_birth_date_and_sex(as_coordinator):
    response = post(as_coordinator, "/fhir/Patient", a_patient())
    assert response.status_code == 201
    created = valid(body(response))
    assert response["Location"].endswith(f"/fhir/Patient/{created['id']}")
    back = valid(body(get(as_coordinator, f"/fhir/Patient/{created['id']}")))
    assert back["identifier"][0]["system"] == MRN and back["identifier"][0]["value"] == "EHR-77"
    assert back["name"][0]["family"] == "Lovelace" and back["name"][0]["given"] == ["Ada"]
    assert back["birthDate"] == "1968-03-02" and back["gender"] == "female"


def test_a_patient_posted_again_is_matched_by_mrn_not_duplicated(as_coordinator):
    first = valid(body(post(as_coordinator, "/fhir/Patient", a_patient())))
    again = post(
        as_coordinator, "/fhir/Patient", a_patient(name=[{"family": "Other", "given": ["Name"]}])
    )
    assert again.status_code == 200
    assert valid(body(again))["id"] == first["id"]
    assert Patient.objects.filter(mrn="EHR-77").count() == 1


@pytest.mark.parametrize(
    "change, element",
    [
        ({"birthDate": "1968-13-02"}, "Patient.birthDate"),
        (
            {"identifier": [{"system": "http://elsewhere.example/mrn", "value": "X1"}]},
            "Patient.identifier",
        ),
        ({"gender": "f"}, "Patient.gender"),
        ({"name": [{"given": ["Ada"]}]}, "Patient.name"),
        ({"birthDate": "2999-01-01"}, "Patient.birthDate"),
        ({"birthDate": "1968"}, "Patient.birthDate"),
        ({"resourceType": "Observation"}, "resourceType"),
    ],
)
def test_an_invalid_patient_is_a_400_naming_the_element(as_coordinator, change, element):
    response = post(as_coordinator, "/fhir/Patient", a_patient(**change))
    assert response.status_code == 400, response.content
    outcome = valid(body(response))
    assert any(
        element in " ".join(i.get("expression", [])) + i["diagnostics"] for i in outcome["issue"]
    ), outcome
    assert not Patient.objects.exists()


def test_a_referral_opens_an_episode_the_api_shows(as_coordinator):
    patient = f.PatientFactory()
    response = post(as_coordinator, "/fhir/ServiceRequest", a_referral(patient.id))
    assert response.status_code == 201, response.content
    referral = valid(body(response))
    episode = Episode.objects.get(patient=patient)
    assert referral["id"] == str(episode.id) and referral["status"] == "active"
    assert referral["authoredOn"] == f.days_ago(3).isoformat()
    shown = as_coordinator.get(f"/api/episodes/{episode.id}/").json()
    assert shown["state"] == "selection"
    history = as_coordinator.get(f"/api/episodes/{episode.id}/history/").json()
    assert [(h["transition"], h["actor"], h["effective_on"]) for h in history] == [
        ("open", "coordinator-1", f.days_ago(3).isoformat())
    ]  # the API's own history row


def test_a_referral_may_name_the_patient_by_mrn(as_coordinator):
    patient = f.PatientFactory(mrn="EHR-88")
    referral = a_referral(0, subject={"identifier": {"system": MRN, "value": "EHR-88"}})
    assert post(as_coordinator, "/fhir/ServiceRequest", referral).status_code == 201
    assert Episode.objects.filter(patient=patient).count() == 1


def test_a_referral_for_a_patient_with_an_open_episode_is_a_409(as_coordinator, coordinator):
    episode = f.open_episode(coordinator)
    response = post(as_coordinator, "/fhir/ServiceRequest", a_referral(episode.patient_id))
    assert response.status_code == 409
    outcome = valid(body(response))
    assert outcome["issue"][0]["code"] == "conflict"
    assert Episode.objects.filter(patient_id=episode.patient_id).count() == 1


@pytest.mark.parametrize(
    "change, element",
    [
        ({"subject": {"reference": "Patient/999999"}}, "ServiceRequest.subject"),
        ({"authoredOn": "2999-01-01"}, "ServiceRequest.authoredOn"),
        ({"authoredOn": "2024-05"}, "ServiceRequest.authoredOn"),
        ({"intent": None}, "ServiceRequest.intent"),
        ({"status": "completed"}, "ServiceRequest.status"),
    ],
)
def test_an_invalid_referral_is_a_400_naming_the_element(as_coordinator, change, element):
    patient = f.PatientFactory()
    referral = {k: v for k, v in {**a_referral(patient.id), **change}.items() if v is not None}
    response = post(as_coordinator, "/fhir/ServiceRequest", referral)
    assert response.status_code == 400, response.content
    outcome = valid(body(response))
    assert any(
        element in " ".join(i.get("expression", [])) + i["diagnostics"] for i in outcome["issue"]
    ), outcome
    assert not Episode.objects.exists()


def test_a_nurse_may_not_refer_nor_register(as_nurse):
    patient = f.PatientFactory()
    assert post(as_nurse, "/fhir/ServiceRequest", a_referral(patient.id)).status_code == 403
    assert post(as_nurse, "/fhir/Patient", a_patient()).status_code == 403


def test_a_post_repeated_with_its_idempotency_key_opens_one_episode(as_coordinator):
    patient = f.PatientFactory()
    first = post(
        as_coordinator, "/fhir/ServiceRequest", a_referral(patient.id), HTTP_IDEMPOTENCY_KEY="ref-1"
    )
    again = post(
        as_coordinator, "/fhir/ServiceRequest", a_referral(patient.id), HTTP_IDEMPOTENCY_KEY="ref-1"
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert Episode.objects.filter(patient=patient).count() == 1


def test_xml_is_refused(as_coordinator):
    response = as_coordinator.post(
        "/fhir/Patient", "<Patient/>", content_type="application/fhir+xml"
    )
    assert response.status_code == 415
    assert valid(body(response))["resourceType"] == "OperationOutcome"


def test_a_referral_dated_with_a_time_opens_on_that_day(as_coordinator):
    patient = f.PatientFactory()
    day = f.days_ago(2)
    referral = a_referral(patient.id, authoredOn=f"{day.isoformat()}T10:30:00+00:00")
    assert post(as_coordinator, "/fhir/ServiceRequest", referral).status_code == 201
    assert Episode.objects.get(patient=patient).opened_on() == day
