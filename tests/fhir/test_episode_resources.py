"""Every resource of an episode as the hospital's systems read it: the procedures and their
stents, the DVT and complications, observations, anticoagulation courses, the surveillance plan
and its tasks, and the provenance of every move and revision; each valid FHIR R4 (R4B models),
readable by its id and found by a search by patient, $everything in a fixed number of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathway.models import AnticoagulationCourse, Episode, Transition
from tasks.models import Alert, FollowUp
from tests import factories as f
from tests.conftest import _user
from tests.fhir.conftest import full_episode, more_records
from tests.fhir.support import body, entries, get, valid
from tests.module_rows import rows_for_the_module
from tests.tasks.support import PROCEDURE_ON, at

pytestmark = pytest.mark.django_db
SNOMED, LOINC = "http://snomed.info/sct", "http://loinc.org"


@pytest.fixture(scope="module")
def _full_episode_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The episode with a record of every kind, built once for the module in the frozen days
    a test's own clock would build it in: its id, and the moment the building ended."""

    def make() -> tuple[int, dt.datetime]:
        with time_machine.travel(at(PROCEDURE_ON), tick=False) as clock:
            episode = full_episode(_user("coordinator"), _user("nurse"), clock)
            return episode.id, timezone.now()

    yield from rows_for_the_module(django_db_blocker, make)


@pytest.fixture
def episode(_full_episode_of_the_module, coordinator, nurse, clock):
    """The module's full episode, read fresh; the test's clock stands where its building
    ended, as if the test had built it (each test's writes are undone)."""
    episode_id, built_at = _full_episode_of_the_module
    clock.move_to(built_at)
    return Episode.objects.get(id=episode_id)


@pytest.fixture
def everything(episode, as_nurse):
    response = get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}/$everything")
    assert response.status_code == 200
    return valid(body(response))


def by_id(bundle) -> dict:
    return {(r["resourceType"], r["id"]): r for r in entries(bundle)}


def codes_of(concept) -> set:
    return {(c["system"], c["code"]) for c in concept["coding"]}


def test_everything_holds_every_kind_of_resource_of_the_episode(everything, episode):
    kinds = {r["resourceType"] for r in entries(everything)}
    assert kinds == {
        "Patient",
        "EpisodeOfCare",
        "ServiceRequest",
        "Condition",
        "Procedure",
        "Device",
        "Observation",
        "MedicationStatement",
        "CarePlan",
        "Task",
        "Provenance",
    }
    assert everything["total"] == len(everything["entry"])
    assert entries(everything)[0]["id"] == str(episode.patient_id)
    assert all(
        e["fullUrl"].endswith(f"/fhir/{e['resource']['resourceType']}/{e['resource']['id']}")
        for e in everything["entry"]
    )


def test_a_reintervention_is_part_of_the_index_procedure_and_stents_are_devices(everything):
    index, redo = entries(everything, "Procedure")
    assert "partOf" not in index
    assert redo["partOf"] == [{"reference": f"Procedure/{index['id']}"}]
    assert redo["reasonCode"][0]["coding"][0]["code"] == "symptoms"
    assert index["performedDateTime"] == "2024-01-31"
    extensions = {e["url"].rsplit("/", 1)[1]: e for e in index["extension"]}
    assert (
        extensions["technique"]["valueCodeableConcept"]["coding"][0]["code"] == "pharmacomechanical"
    )
    assert extensions["ivus"]["valueBoolean"] is True
    agent, dose = extensions["thrombolysis"]["extension"]
    assert ("http://www.whocc.no/atc", "B01AD02") in codes_of(agent["valueCodeableConcept"])
    assert dose["valueQuantity"]["value"] == 10 and dose["valueQuantity"]["code"] == "mg"
    (stent,) = redo["focalDevice"]
    site = stent["extension"][0]["valueCodeableConcept"]
    assert {(SNOMED, "63507001"), (SNOMED, "7771000")} <= codes_of(site)
    device = by_id(everything)[("Device", stent["manipulated"]["reference"].split("/")[1])]
    assert device["deviceName"][0]["name"] == "Viabahn"
    assert device["lotNumber"] == "A17-0042"
    assert device["udiCarrier"][0]["carrierHRF"].startswith("(01)00884521123456")
    assert [p["valueQuantity"][0]["value"] for p in device["property"]] == [14, 60]
    venography = by_id(everything)[("Observation", f"{index['id']}-venography")]
    assert venography["partOf"] == [{"reference": f"Procedure/{index['id']}"}]


def test_the_dvt_and_complications_are_conditions(everything):
    dvt, bleed = entries(everything, "Condition")
    assert (SNOMED, "128053003") in codes_of(dvt["code"])
    sites = set().union(*(codes_of(s) for s in dvt["bodySite"]))
    assert {(SNOMED, "64131007"), (SNOMED, "46027005"), (SNOMED, "63507001")} <= sites
    assert dvt["meta"]["versionId"] == "2"  # the selection was corrected once
    assert dvt["onsetDateTime"] == "2024-01-26"
    assert bleed["code"]["coding"][0]["code"] == "access_site_bleeding"
    assert (SNOMED, "6736007") in codes_of(bleed["severity"])
    isth = next(e for e in bleed["extension"] if e["url"].endswith("isth-bleeding-class"))
    assert isth["valueCodeableConcept"]["coding"][0]["code"] == "major"
    assert any(c["coding"][0]["code"] == "early" for c in bleed["category"])


def test_observations_carry_inr_duplex_villalta_vcss_ceap_and_measurements(everything):
    observations = entries(everything, "Observation")
    (inr,) = [o for o in observations if (LOINC, "6301-6") in codes_of(o["code"])]
    assert inr["valueQuantity"]["value"] == 3.4
    assert inr["referenceRange"][0]["low"]["value"] == 2.0
    assert inr["referenceRange"][0]["high"]["value"] == 3.0
    assert inr["interpretation"][0]["coding"][0]["code"] == "H"
    local = {o["code"]["coding"][0]["code"]: o for o in observations}
    duplexes = [o for o in observations if o["code"]["coding"][0]["code"] == "duplex-segment"]
    found = {
        (o["bodySite"]["coding"][0]["code"], o["valueCodeableConcept"]["coding"][0]["code"])
        for o in duplexes
    }
    assert found == {("left_common_iliac", "patent"), ("left_external_iliac", "stenosis")}
    assert len(duplexes) == 3  # the 2-week follow-up's one stent, the visit's two
    assert (SNOMED, "46027005") in codes_of(duplexes[0]["bodySite"])
    villalta = local["villalta"]
    assert villalta["valueInteger"] == 11
    items = {c["code"]["coding"][0]["code"] for c in villalta["component"]}
    assert len(items) == 12 and "ulcer" in items
    assert "pts-category" not in items  # two weeks after the procedure: no PTS yet
    assert local["vcss"]["valueInteger"] == 10 and len(local["vcss"]["component"]) == 10
    assert local["ceap"]["valueCodeableConcept"]["coding"][0]["code"] == "C3"
    weight = next(o for o in observations if (LOINC, "29463-7") in codes_of(o["code"]))
    assert weight["valueQuantity"] == {
        "value": 71.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }


def test_each_anticoagulation_course_is_a_medication_statement(everything, episode):
    statements = entries(everything, "MedicationStatement")
    assert len(statements) == AnticoagulationCourse.objects.filter(episode=episode).count()
    assert all(s["context"] == {"reference": f"EpisodeOfCare/{episode.id}"} for s in statements)
    vka = next(
        s for s in statements if s["medicationCodeableConcept"]["coding"][0]["code"] == "vka"
    )
    assert vka["status"] == "active"


def test_the_surveillance_plan_has_a_task_per_follow_up_and_alerts_are_tasks(everything, episode):
    (plan,) = entries(everything, "CarePlan")
    follow_ups = FollowUp.objects.filter(episode=episode)
    assert len(plan["activity"]) == follow_ups.count()
    tasks = by_id(everything)
    for follow_up in follow_ups:
        task = tasks[("Task", f"{episode.id}-fu{follow_up.id}")]
        want = {
            "completed": "completed",
            "cancelled": "cancelled",
            "scheduled": "requested",
            "due": "ready",
            "overdue": "ready",
        }[follow_up.status]
        assert task["status"] == want
        assert task["businessStatus"]["coding"][0]["code"] == follow_up.status
    inr_task = next(
        t
        for t in entries(everything, "Task")
        if t["status"] == "completed" and t["code"]["coding"][0]["code"] == "inr_check"
    )
    assert inr_task["output"][0]["valueReference"]["reference"].endswith("-inr")
    alerts = Alert.objects.filter(episode=episode)
    assert alerts.exists()
    alert_tasks = [t for t in entries(everything, "Task") if "-alert" in t["id"]]
    assert len(alert_tasks) == alerts.count()


def test_each_move_and_each_revision_has_its_provenance(everything, episode):
    provenance = entries(everything, "Provenance")
    moves = [p for p in provenance if "-move" in p["id"]]
    assert len(moves) == Transition.objects.filter(episode=episode).count()
    reintervene = next(p for p in moves if p["activity"]["coding"][0]["code"] == "reintervene")
    assert reintervene["reason"] == [{"text": "Leg swelling again."}]
    corrected = [p for p in provenance if "-rev-selection-" in p["id"]]
    assert len(corrected) == 2
    assert corrected[1]["target"] == [{"reference": f"Condition/{episode.id}-dvt"}]
    assert corrected[1]["activity"]["coding"][0]["code"] == "UPDATE"
    assert corrected[1]["reason"] == [{"text": "Extent re-read on the CT."}]
    assert corrected[1]["entity"][0]["what"]["reference"] == f"Provenance/{corrected[0]['id']}"


def test_every_resource_reads_by_its_id_as_in_everything(everything, as_nurse):
    for resource in entries(everything):
        response = get(as_nurse, f"/fhir/{resource['resourceType']}/{resource['id']}")
        assert response.status_code == 200, resource["id"]
        assert valid(body(response)) == resource


def test_a_search_by_patient_finds_each_type(everything, episode, as_nurse):
    patient = f"Patient/{episode.patient_id}"
    for kind in (
        "Condition",
        "Procedure",
        "Device",
        "Observation",
        "MedicationStatement",
        "CarePlan",
        "Task",
        "Provenance",
        "ServiceRequest",
    ):
        bundle = valid(body(get(as_nurse, f"/fhir/{kind}", patient=patient, _count="200")))
        assert [r["id"] for r in entries(bundle)] == [r["id"] for r in entries(everything, kind)]
    inr = valid(
        body(get(as_nurse, "/fhir/Observation", patient=patient, code="http://loinc.org|6301-6"))
    )
    assert inr["total"] == 1 and entries(inr)[0]["valueQuantity"]["value"] == 3.4
    assert (
        valid(body(get(as_nurse, "/fhir/Observation", patient=patient, code="ceap")))["total"] == 1
    )
    missing = get(as_nurse, "/fhir/Observation")
    assert missing.status_code == 400 and "patient" in body(missing)["issue"][0]["diagnostics"]


def test_a_resource_of_another_episode_is_not_found(everything, as_nurse, coordinator):
    other = f.open_episode(coordinator)
    assert get(as_nurse, f"/fhir/Condition/{other.id}-dvt").status_code == 404
    assert get(as_nurse, "/fhir/Condition/not-an-id").status_code == 404


EVERYTHING_QUERIES = 20  # sign-in, the access log, the patient, fhir/selectors/load.py's 13


def test_everything_takes_a_fixed_number_of_queries_however_many_records(
    episode, coordinator, nurse, clock, as_nurse, django_assert_max_num_queries
):
    new = f.open_episode(coordinator)
    with django_assert_max_num_queries(EVERYTHING_QUERIES):
        assert get(as_nurse, f"/fhir/EpisodeOfCare/{new.id}/$everything").status_code == 200
    with CaptureQueriesContext(connection) as few:
        few_total = body(get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}/$everything"))["total"]
    assert len(few.captured_queries) <= EVERYTHING_QUERIES
    more_records(coordinator, nurse, clock, episode, n=4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        many = body(get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}/$everything"))
    assert many["total"] >= few_total + 4 * 4
