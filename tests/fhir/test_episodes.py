"""EpisodeOfCare: each state as FHIR's status, the standing moves as statusHistory, and the
search by patient and status."""

import pytest

from pathway.codes import State
from tests import factories as f
from tests.fhir.support import body, entries, get, valid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "state, status",
    [
        (State.SELECTION, "planned"),
        (State.IMAGING, "planned"),
        (State.PROCEDURE, "active"),
        (State.SURVEILLANCE, "active"),
    ],
)
def test_an_episode_reads_with_its_state_as_fhir_status(coordinator, as_nurse, state, status):
    episode = f.episode_in(state, coordinator)
    resource = valid(body(get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}")))
    assert resource["status"] == status
    assert resource["patient"] == {"reference": f"Patient/{episode.patient_id}"}
    assert resource["extension"][0]["valueCoding"]["code"] == state


def test_the_moves_are_the_status_history(coordinator, as_nurse):
    episode = f.episode_in(State.IMAGING, coordinator)
    resource = valid(body(get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}")))
    history = resource["statusHistory"]
    assert [h["extension"][0]["valueCoding"]["code"] for h in history] == [
        "selection",
        "mdt_discussion",
        "imaging",
    ]
    assert [h["status"] for h in history] == ["planned"] * 3
    assert "end" in history[0]["period"] and "end" not in history[-1]["period"]


@pytest.mark.parametrize(
    "move, body_, status",
    [
        ("withdraw", {"reason": "Declined."}, "cancelled"),
        ("exclude", {"reason": "Anticoagulation alone."}, "cancelled"),
        ("record_death", {}, "finished"),
    ],
)
def test_an_episode_that_ended_is_cancelled_or_finished(coordinator, as_nurse, move, body_, status):
    from pathway import services

    episode = f.open_episode(coordinator)
    services.episode_transition(
        actor=coordinator, episode_id=episode.id, name=move, effective_on=f.today(), **body_
    )
    resource = valid(body(get(as_nurse, f"/fhir/EpisodeOfCare/{episode.id}")))
    assert resource["status"] == status
    assert resource["period"]["end"] == f.today().isoformat()
    if move == "record_death":
        patient = valid(body(get(as_nurse, f"/fhir/Patient/{episode.patient_id}")))
        assert patient["deceasedDateTime"] == f.today().isoformat()


def test_episodes_are_found_by_patient_and_status(coordinator, as_nurse):
    patient = f.PatientFactory()
    first = f.open_episode(coordinator, patient)
    from pathway import services

    services.episode_transition(
        actor=coordinator, episode_id=first.id, name="withdraw", reason="Moved away."
    )
    second = f.open_episode(coordinator, patient)
    f.open_episode(coordinator)
    bundle = valid(body(get(as_nurse, "/fhir/EpisodeOfCare", patient=f"Patient/{patient.id}")))
    assert [e["id"] for e in entries(bundle)] == [str(first.id), str(second.id)]
    bundle = valid(
        body(get(as_nurse, "/fhir/EpisodeOfCare", patient=str(patient.id), status="planned"))
    )
    assert [e["id"] for e in entries(bundle)] == [str(second.id)] and bundle["total"] == 1
    bundle = valid(body(get(as_nurse, "/fhir/EpisodeOfCare", status="cancelled,finished")))
    assert [e["id"] for e in entries(bundle)] == [str(first.id)]
    bad = get(as_nurse, "/fhir/EpisodeOfCare", status="paused")
    assert bad.status_code == 400 and "status" in body(bad)["issue"][0]["diagnostics"]
