"""Leaving surveillance safely (pathway.md sections 2, 4 and 6): finishing it is a decision
never taken over an urgent finding nobody has seen nor a failing stent nobody has treated; a
re-intervention keeps the anticoagulation follow-ups going while the patient waits; every exit
closes what was open, and nobody is alerted about a patient whose death is recorded."""

import datetime as dt
from decimal import Decimal

import pytest

from demo import walk as demo
from pathway import machine
from pathway.codes import State
from pathway.models import Episode
from pathway.selectors.worklist import forward_blockers
from tasks import services
from tasks.models import Alert, FollowUp
from tests.factories import EpisodeFactory, PatientFactory
from tests.tasks.support import at, discharge, move, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date
STENT = "left_common_iliac"  # where demo.record_procedure puts its Wallstent
REASON = "Care returned to the referring hospital."


def the(episode, kind, due_on) -> FollowUp:
    return FollowUp.objects.get(episode=episode, kind=kind, due_on=due_on)


def record_inr(nurse, episode, day, inr):
    return services.followup_record_result(
        actor=nurse,
        follow_up_id=the(episode, "inr_check", day).id,
        performed_on=day,
        inr=Decimal(inr),
    )


def record_duplex(nurse, episode, day, due_on, **results):
    segments = [{"segment": segment, "result": result} for segment, result in results.items()]
    return services.followup_record_result(
        actor=nurse,
        follow_up_id=the(episode, "duplex", due_on).id,
        performed_on=day,
        segments=segments,
    )


def acknowledge_urgent(actor):
    for alert in Alert.objects.filter(kind="urgent_result", recipient=actor):
        services.alert_acknowledge(actor=actor, alert_id=alert.id)


def complete_move(client, episode, **body):
    url = f"/api/episodes/{episode.id}/transitions/"
    return client.post(url, {"transition": "complete", **body}, format="json")


def complete_in_view(client, episode) -> dict:
    view = client.get(f"/api/episodes/{episode.id}/").json()
    return next(t for t in view["transitions"] if t["name"] == "complete")


def inbox(client) -> list:
    response = client.get("/api/alerts/")
    assert response.status_code == 200, response.content
    return response.json()


# --- complete: surveillance_finished ----------------------------------------------------------
def test_complete_is_refused_while_an_urgent_result_nobody_has_acknowledged_stands(
    coordinator, nurse, as_coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 10)))
    record_inr(nurse, episode, D(2024, 2, 10), "4.6")

    refused = complete_move(as_coordinator, episode, reason=REASON)

    assert refused.status_code == 409, refused.content
    [unmet] = refused.json()["unmet"]
    assert unmet["rule"] == "surveillance_finished"
    assert "nobody has acknowledged" in unmet["message"]
    assert "INR check of 2024-02-10" in unmet["message"]
    shown = complete_in_view(as_coordinator, episode)
    assert shown["allowed"] is False
    assert "nobody has acknowledged" in shown["unmet"][0]["message"]
    assert episode.follow_ups.open().count() == 27  # nothing was cancelled

    acknowledge_urgent(coordinator)
    done = complete_move(as_coordinator, episode, reason=REASON)

    assert done.status_code == 200, done.content
    assert done.json()["state"] == State.COMPLETED


def test_the_episode_page_says_in_words_why_surveillance_cannot_finish_yet(
    coordinator, nurse, client, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 14)))
    record_duplex(nurse, episode, D(2024, 2, 14), D(2024, 2, 14), **{STENT: "occluded"})
    client.force_login(coordinator)

    html = client.get(f"/episodes/{episode.id}/").content.decode()

    assert "Finish surveillance" in html and "Safe to finish surveillance" in html
    assert "nobody has acknowledged" in html
    assert "left common iliac occluded, with no re-intervention since" in html
    assert "surveillance_finished" not in html


def test_complete_is_refused_while_the_latest_duplex_shows_an_occluded_stent(
    coordinator, nurse, as_coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 14)))
    record_duplex(nurse, episode, D(2024, 2, 14), D(2024, 2, 14), **{STENT: "occluded"})
    acknowledge_urgent(coordinator)  # seen, yet nothing done about the stent

    refused = complete_move(as_coordinator, episode, reason=REASON)

    assert refused.status_code == 409, refused.content
    [unmet] = refused.json()["unmet"]
    assert unmet["rule"] == "surveillance_finished"
    assert "left common iliac occluded" in unmet["message"]
    assert "no re-intervention" in unmet["message"]
    assert (
        "left common iliac occluded"
        in complete_in_view(as_coordinator, episode)["unmet"][0]["message"]
    )

    # A week later an unscheduled scan finds the stent open: the latest duplex counts.
    clock.move_to(at(D(2024, 2, 21)))
    services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=D(2024, 2, 21),
        segments=[{"segment": STENT, "result": "patent"}],
    )
    assert complete_move(as_coordinator, episode, reason=REASON).status_code == 200


def test_stenosis_on_an_unscheduled_visit_blocks_complete_like_a_scheduled_scan(
    coordinator, nurse, as_coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 14)))
    record_duplex(nurse, episode, D(2024, 2, 14), D(2024, 2, 14), **{STENT: "patent"})
    clock.move_to(at(D(2024, 2, 20)))
    services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=D(2024, 2, 20),
        segments=[{"segment": STENT, "result": "stenosis"}],
    )
    acknowledge_urgent(coordinator)

    refused = complete_move(as_coordinator, episode, reason=REASON)

    assert refused.status_code == 409, refused.content
    assert "left common iliac stenosis" in refused.json()["unmet"][0]["message"]


def test_a_finding_on_a_segment_that_carries_no_stent_does_not_hold_surveillance_open(
    coordinator, nurse, as_coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 14)))
    record_duplex(
        nurse,
        episode,
        D(2024, 2, 14),
        D(2024, 2, 14),
        **{STENT: "patent", "left_popliteal": "occluded"},
    )
    acknowledge_urgent(coordinator)

    assert complete_move(as_coordinator, episode, reason=REASON).status_code == 200


def test_a_re_intervention_after_the_failing_duplex_lets_surveillance_finish_later(
    coordinator, nurse, as_coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 14)))
    duplex = record_duplex(nurse, episode, D(2024, 2, 14), D(2024, 2, 14), **{STENT: "occluded"})
    acknowledge_urgent(coordinator)
    clock.move_to(at(D(2024, 2, 15)))
    cause = {"cause": "occlusion", "segments": [STENT], "follow_up": duplex.id}
    move(coordinator, episode, "reintervene", reason="Duplex: occlusion.", reintervention=cause)
    clock.move_to(at(D(2024, 2, 16)))
    demo.prepare_and_move(coordinator, episode, "complete_procedure")
    clock.move_to(at(D(2024, 2, 18)))
    demo.prepare_and_move(coordinator, episode, "discharge")

    done = complete_move(as_coordinator, episode, reason=REASON)

    assert done.status_code == 200, done.content


def test_the_worklist_reads_the_same_reasons_not_to_finish_as_the_move(coordinator, nurse, clock):
    occluded = discharge(coordinator, clock)
    unseen = discharge(coordinator, clock)
    clear = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 10)))
    record_inr(nurse, unseen, D(2024, 2, 10), "4.6")
    record_duplex(nurse, occluded, D(2024, 2, 10), D(2024, 2, 14), **{STENT: "occluded"})
    record_duplex(nurse, clear, D(2024, 2, 10), D(2024, 2, 14), **{STENT: "patent"})
    complete = machine.by_name("complete")

    found = forward_blockers(list(Episode.objects.all()))

    for episode in Episode.objects.all():
        assert found[episode.id][1] == complete.unmet(episode)
    assert "occluded" in found[occluded.id][1][0].message
    assert "INR check of 2024-02-10" in found[unseen.id][1][0].message


# --- reintervene keeps the anticoagulation follow-ups -------------------------------------------
REINTERVENTION = {
    "reason": "Leg swelling again.",
    "reintervention": {"cause": "symptoms", "segments": [STENT]},
}


def test_a_patient_on_warfarin_waiting_for_a_re_intervention_keeps_the_inr_check_and_its_alerts(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)  # warfarin (VKA), INR checks from 10 Feb
    clock.move_to(at(D(2024, 2, 5)))
    episode = move(coordinator, episode, "reintervene", **REINTERVENTION)
    assert episode.state == State.PROCEDURE

    first_inr = the(episode, "inr_check", D(2024, 2, 10))
    assert first_inr.status == "scheduled"
    assert the(episode, "anticoagulation_review", D(2024, 2, 14)).status == "scheduled"
    assert not episode.follow_ups.open().filter(kind="duplex").exists()

    sweep_on(clock, D(2024, 2, 7))  # the INR window opens; the patient waits at home
    due = Alert.objects.filter(kind="due", recipient=nurse)
    assert set(due.values_list("follow_up__kind", flat=True)) == {
        "inr_check",
        "anticoagulation_review",
    }
    assert due.filter(follow_up=first_inr).exists()

    sweep_on(clock, D(2024, 2, 17))  # missed: 3 days after its window closed on 13 Feb
    assert Alert.objects.filter(
        follow_up=first_inr, kind="escalation", recipient=coordinator
    ).exists()


def test_the_next_discharge_replaces_what_was_kept_and_each_correction_undoes_its_own_move(
    coordinator, admin_user, nurse, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 5)))
    episode = move(coordinator, episode, "reintervene", **REINTERVENTION)
    kept = set(episode.follow_ups.open().values_list("id", flat=True))
    sweep_on(clock, D(2024, 2, 7))
    kept_alerts = set(Alert.objects.filter(follow_up__in=kept).values_list("id", flat=True))
    assert len(kept_alerts) == 2  # the first INR check and the 2-week review are due

    clock.move_to(at(D(2024, 2, 8)))
    demo.prepare_and_move(coordinator, episode, "complete_procedure")
    clock.move_to(at(D(2024, 2, 9)))
    episode = demo.prepare_and_move(coordinator, episode, "discharge")
    second = episode.history.filter(name="discharge").order_by("-id").first()

    assert set(FollowUp.objects.filter(cancelled_by=second).values_list("id", flat=True)) == kept
    assert set(episode.follow_ups.open().values_list("created_by", flat=True)) == {second.id}
    first_inr = episode.follow_ups.open().filter(kind="inr_check").order_by("due_on").first()
    assert first_inr.due_on == D(2024, 2, 16)  # 7 days after the new discharge
    resolved = Alert.objects.filter(id__in=kept_alerts)
    assert {a.resolved_by_id for a in resolved} == {second.id}

    episode = move(admin_user, episode, "correct", reason="Discharged on the wrong day.")

    assert set(episode.follow_ups.open().values_list("id", flat=True)) == kept
    assert not Alert.objects.filter(id__in=kept_alerts, resolved_at__isnull=False).exists()


def test_correcting_a_re_intervention_reopens_only_the_duplex_scans_it_cancelled(
    coordinator, admin_user, clock
):
    episode = discharge(coordinator, clock)
    before = set(episode.follow_ups.open().values_list("id", flat=True))
    clock.move_to(at(D(2024, 2, 5)))
    episode = move(coordinator, episode, "reintervene", **REINTERVENTION)
    redo = episode.history.get(name="reintervene")
    assert set(FollowUp.objects.filter(cancelled_by=redo).values_list("kind", flat=True)) == {
        "duplex"
    }

    episode = move(admin_user, episode, "correct", reason="Re-intervention entered in error.")

    assert episode.state == State.SURVEILLANCE
    assert set(episode.follow_ups.open().values_list("id", flat=True)) == before


# --- exits close everything -------------------------------------------------------------------
EXITS = {
    "record_death": {"effective_on": D(2024, 2, 11)},
    "withdraw": {"reason": "Moved abroad; follow-up continues there."},
    "complete": {"reason": REASON},
}


@pytest.mark.parametrize("exit_name", EXITS)
def test_an_exit_resolves_every_open_alert_and_cancels_every_open_follow_up(
    coordinator, nurse, admin_user, as_coordinator, as_nurse, as_admin, clock, exit_name
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))  # the nurse: duplex, review and INR check due
    clock.move_to(at(D(2024, 2, 10)))
    record_inr(nurse, episode, D(2024, 2, 10), "4.6")  # urgent, for the coordinator
    assert sweep_on(clock, D(2024, 2, 11), hour=10).escalations == 2  # unseen for 24 hours
    acknowledge_urgent(coordinator)  # the result is seen; the escalations are not
    still_open = set(
        Alert.objects.filter(resolved_at__isnull=True, acknowledged_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    assert still_open == {"due", "escalation"}
    assert inbox(as_nurse) and inbox(as_coordinator) and inbox(as_admin)

    clock.move_to(at(D(2024, 2, 11), 12))
    episode = move(coordinator, episode, exit_name, **EXITS[exit_name])

    exit_move = episode.history.get(name=exit_name)
    assert not Alert.objects.filter(resolved_at__isnull=True).exists()
    closed = Alert.objects.filter(resolved_by=exit_move)
    assert set(closed.values_list("kind", flat=True)) == {"due", "urgent_result", "escalation"}
    assert all(f"'{exit_name}'" in a.resolved_reason for a in closed)
    assert not Alert.objects.filter(escalate_after__isnull=False).exists()
    assert inbox(as_nurse) == inbox(as_coordinator) == inbox(as_admin) == []
    assert episode.follow_ups.open().count() == 0
    assert set(
        FollowUp.objects.filter(cancelled_at__isnull=False).values_list("cancelled_by", flat=True)
    ) == {exit_move.id}


def test_escalations_no_longer_come_thirty_hours_after_a_recorded_death(
    coordinator, nurse, admin_user, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 10), 9))
    record_inr(nurse, episode, D(2024, 2, 10), "4.6")  # escalates at 09:00 tomorrow if unseen
    clock.move_to(at(D(2024, 2, 10), 15))
    move(coordinator, episode, "record_death", effective_on=D(2024, 2, 10))
    alerts = Alert.objects.count()

    clock.move_to(at(D(2024, 2, 11), 21))  # 30 hours after the result
    assert services.followups_sweep().escalations == 0
    day = D(2024, 2, 12)
    while day <= D(2024, 4, 1):
        sweep_on(clock, day)
        day += dt.timedelta(days=1)

    assert not Alert.objects.filter(kind="escalation").exists()
    assert Alert.objects.count() == alerts
    urgent = Alert.objects.get(kind="urgent_result")
    assert urgent.resolved_by == episode.history.get(name="record_death")


def test_the_sweeps_alert_nobody_about_a_patient_whose_death_is_recorded(
    coordinator, nurse, admin_user, clock
):
    """Rows left owed on a closed episode (written before exits closed them) and a wait of
    another episode of a patient who has died raise nothing, and no escalation follows."""
    patient = PatientFactory()
    episode = discharge(coordinator, clock, patient=patient)
    clock.move_to(at(D(2024, 2, 10), 9))
    record_inr(nurse, episode, D(2024, 2, 10), "4.6")
    move(coordinator, episode, "record_death", effective_on=D(2024, 2, 10))
    FollowUp.objects.filter(episode=episode).update(
        cancelled_at=None, cancelled_by=None, next_alert_on=D(2024, 2, 7)
    )
    Alert.objects.filter(kind="urgent_result").update(
        resolved_at=None, resolved_by=None, escalate_after=at(D(2024, 2, 11))
    )
    alerts = Alert.objects.count()

    result = sweep_on(clock, D(2024, 3, 1))

    assert (result.alerts, result.escalations, result.stalled) == (0, 0, 0)
    assert Alert.objects.count() == alerts
    assert not Alert.objects.filter(escalate_after__isnull=False).exists()


def test_correcting_a_death_reopens_what_it_closed_and_an_unseen_result_escalates_again(
    coordinator, nurse, admin_user, clock
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    clock.move_to(at(D(2024, 2, 10), 9))
    record_inr(nurse, episode, D(2024, 2, 10), "4.6")
    open_follow_ups = set(episode.follow_ups.open().values_list("id", flat=True))
    open_alerts = set(Alert.objects.filter(resolved_at__isnull=True).values_list("id", flat=True))
    clock.move_to(at(D(2024, 2, 10), 12))
    move(coordinator, episode, "record_death", effective_on=D(2024, 2, 10))

    clock.move_to(at(D(2024, 2, 10), 13))
    episode = move(admin_user, episode, "correct", reason="Death recorded on the wrong patient.")

    assert episode.state == State.SURVEILLANCE
    assert set(episode.follow_ups.open().values_list("id", flat=True)) == open_follow_ups
    assert (
        set(Alert.objects.filter(resolved_at__isnull=True).values_list("id", flat=True))
        == open_alerts
    )
    clock.move_to(at(D(2024, 2, 11), 10))
    assert services.followups_sweep().escalations == 2  # the coordinator and the admin


def test_no_stalled_alert_for_another_episode_of_a_patient_whose_death_is_recorded(
    coordinator, clock
):
    """An episode waiting in imaging, of a patient whose death is recorded in another episode
    (as a database written before a new episode was refused for them may hold)."""
    patient = PatientFactory()
    clock.move_to(at(D(2024, 1, 1)))
    demo.walk_to(coordinator, patient, State.IMAGING, on=D(2024, 1, 1))
    EpisodeFactory(patient=patient, state=State.DECEASED)

    assert sweep_on(clock, D(2024, 3, 1)).stalled == 0
    assert not Alert.objects.exists()
