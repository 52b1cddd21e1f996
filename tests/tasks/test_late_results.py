"""Results entered late (pathway.md section 6): a duplex or INR done while the episode was in
surveillance may be entered after a later move (the duplex that led to a re-intervention,
entered the day after). It is a visit dated when it was done, with a reason; it counts for the
outcomes and alerts nobody, since the episode has moved on."""

import datetime as dt

import pytest

from outcomes.models import EpisodeOutcome
from pathway.models import Episode
from tasks.models import Alert, Visit
from tests.tasks.support import (
    INDEX_STENT,
    NEW_STENT,
    PROCEDURE_ON,
    at,
    discharge,
    move,
    redischarge_with_a_new_stent,
)

pytestmark = pytest.mark.django_db
D = dt.date
SCANNED, REDO, ENTERED = D(2024, 3, 13), D(2024, 3, 14), D(2024, 3, 15)
REASON = "The scan report reached us after the re-intervention."


@pytest.fixture
def redone(coordinator, clock):
    """Discharged on 3 Feb after a procedure on 31 Jan; back for a re-intervention on 14 Mar
    (booked, in `procedure`); today is 15 Mar."""
    episode = discharge(coordinator, clock)
    clock.move_to(at(REDO))
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Leg swelling again.",
        reintervention={"cause": "symptoms", "segments": [INDEX_STENT]},
    )
    clock.move_to(at(ENTERED, 11))
    return episode


def post_visit(client, episode, **body):
    return client.post(f"/api/episodes/{episode.id}/visits/", body, format="json")


def occluded_duplex(performed_on=SCANNED, segments=(INDEX_STENT,), **extra) -> dict:
    return {
        "kind": "duplex",
        "performed_on": performed_on.isoformat(),
        "segments": [{"segment": s, "result": "occluded"} for s in segments],
    } | extra


def test_the_duplex_done_the_day_before_a_reintervention_is_entered_the_day_after(as_nurse, redone):
    before = EpisodeOutcome.objects.get(episode=redone)
    assert (before.primary_days, before.primary_event) == ((REDO - PROCEDURE_ON).days, True)

    response = post_visit(as_nurse, redone, **occluded_duplex(reason=REASON))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["performed_on"], body["late_reason"], body["urgent"]) == (
        "2024-03-13",
        REASON,
        None,
    )
    visit = Visit.objects.get(id=body["id"])
    assert (visit.episode_id, visit.late_reason) == (redone.id, REASON)
    assert not Alert.objects.filter(kind="urgent_result").exists()
    outcome = EpisodeOutcome.objects.get(episode=redone)
    days = (SCANNED - PROCEDURE_ON).days  # primary patency ends at the occlusion, not the redo
    assert (outcome.primary_days, outcome.primary_event) == (days, True)
    assert (outcome.assisted_primary_days, outcome.assisted_primary_event) == (days, True)
    assert Episode.objects.get(id=redone.id).state == "procedure"


def test_a_result_entered_late_needs_a_reason(as_nurse, redone):
    response = post_visit(as_nurse, redone, **occluded_duplex())

    assert response.status_code == 400, response.content
    assert response.json()["reason"] == [
        "The episode left surveillance on 2024-03-14: say why this result is entered after it "
        "moved on."
    ]
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("day", "why"),
    [(D(2024, 2, 2), "before the discharge"), (ENTERED, "since the re-intervention")],
)
def test_a_day_outside_every_stay_in_surveillance_is_refused_naming_the_stay(
    as_nurse, redone, day, why
):
    response = post_visit(as_nurse, redone, **occluded_duplex(performed_on=day, reason=REASON))

    assert response.status_code == 400, response.content
    assert response.json()["performed_on"] == [
        f"The patient was not in surveillance on {day.isoformat()} (in surveillance from "
        "2024-02-03 to 2024-03-14)."
    ]
    assert not Visit.objects.exists()


def test_the_day_of_the_reintervention_is_still_in_the_stay(as_nurse, redone):
    response = post_visit(as_nurse, redone, **occluded_duplex(performed_on=REDO, reason=REASON))

    assert response.status_code == 201, response.content


def test_an_inr_entered_after_a_withdrawal_is_kept_against_its_target_and_alerts_nobody(
    coordinator, as_nurse, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 20)))
    move(coordinator, episode, "withdraw", reason="Moved abroad.")
    clock.move_to(at(D(2024, 2, 22), 11))

    response = post_visit(
        as_nurse, episode, kind="inr_check", performed_on="2024-02-19", inr="9.5", reason=REASON
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["result"]["target"], body["late_reason"], body["urgent"]) == (
        ["2.0", "3.0"],
        REASON,
        None,
    )
    assert not Alert.objects.filter(kind="urgent_result").exists()


def test_a_late_duplex_reports_the_stents_there_were_then_and_the_procedure_then(
    coordinator, as_nurse, clock
):
    """Back in surveillance after a new stent on 15 Mar: the 13 Mar scan is entered late with
    the index stent only, judged against the index procedure; a scan of today reports both."""
    episode = discharge(coordinator, clock)
    redischarge_with_a_new_stent(coordinator, clock, episode)
    clock.move_to(at(D(2024, 3, 20), 11))

    late = post_visit(as_nurse, episode, **occluded_duplex(reason=REASON))
    today = post_visit(as_nurse, episode, **occluded_duplex(performed_on=D(2024, 3, 20)))

    assert late.status_code == 201, late.content
    assert (late.json()["result"]["procedure_on"], late.json()["urgent"]) == ("2024-01-31", None)
    assert today.status_code == 400 and NEW_STENT in str(today.json()["segments"])
