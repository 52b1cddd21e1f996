"""Two years of surveillance after an ilio-caval stent, day by day with the clock frozen:
the schedule made at discharge, statuses derived from the dates, each alert raised once for
the right person, exits that cancel, and corrections that undo (pathway.md section 4)."""

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command

from core.errors import InvalidInput
from demo import walk as demo
from pathway.codes import State
from pathway.models import Episode
from tasks import services
from tasks.models import Alert, FollowUp, ScheduleRule, UnitSettings
from tests.factories import PatientFactory
from tests.tasks.support import (
    DISCHARGED_ON,
    PLAN_REVIEW_ON,
    PROCEDURE_ON,
    at,
    days,
    discharge,
    move,
    sweep_on,
    user_in,
)

pytestmark = pytest.mark.django_db
D = dt.date

# The default schedule for a procedure on 31 Jan 2024 and a discharge on 3 Feb 2024, worked
# out by hand: duplex and anticoagulation review from the procedure (2w, 6w, 3m, 6m, 12m, then
# yearly up to the 60-month horizon), INR checks from the discharge (weekly for four weeks,
# then every 28 days up to the planned six months: 3 Aug 2024).
PROCEDURE_ANCHORED = [
    D(2024, 2, 14),
    D(2024, 3, 13),
    D(2024, 4, 30),
    D(2024, 7, 31),
    D(2025, 1, 31),
    D(2026, 1, 31),
    D(2027, 1, 31),
    D(2028, 1, 31),
    D(2029, 1, 31),
]
INR_CHECKS = [
    D(2024, 2, 10),
    D(2024, 2, 17),
    D(2024, 2, 24),
    D(2024, 3, 2),
    D(2024, 3, 30),
    D(2024, 4, 27),
    D(2024, 5, 25),
    D(2024, 6, 22),
    D(2024, 7, 20),
]
WINDOW = {"duplex": 7, "anticoagulation_review": 7, "inr_check": 3}
# Days after the window closes before the coordinator is told: a missed INR check sooner.
ESCALATION = {"duplex": 14, "anticoagulation_review": 14, "inr_check": 3}
SIX_WEEK_DUPLEX = D(2024, 3, 13)


def schedule_of(rows) -> dict[str, list]:
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(dt.date.fromisoformat(row["due_on"]))
    return by_kind


def follow_ups(client, episode) -> list[dict]:
    response = client.get(f"/api/episodes/{episode.id}/follow-ups/")
    assert response.status_code == 200, response.content
    return response.json()


def the(episode, kind, due_on) -> FollowUp:
    return FollowUp.objects.get(episode=episode, kind=kind, due_on=due_on)


def alerts_raised_on(day) -> set:
    return {
        (a.follow_up_id, a.kind, a.recipient_id)
        for a in Alert.objects.filter(
            created_at__gte=at(day, 0), created_at__lt=at(day + days(1), 0)
        )
    }


# --- the schedule made at discharge -----------------------------------------------------------
def test_discharge_on_a_vka_schedules_every_default_follow_up_from_the_right_anchor(
    coordinator, as_nurse, clock
):
    episode = discharge(coordinator, clock)
    rows = follow_ups(as_nurse, episode)

    assert schedule_of(rows) == {
        "duplex": PROCEDURE_ANCHORED,
        # and the review 4 weeks before the plan's 6 months end (pathway.md section 7)
        "anticoagulation_review": sorted([*PROCEDURE_ANCHORED, PLAN_REVIEW_ON]),
        "inr_check": INR_CHECKS,
    }
    assert {(r["kind"], r["window_days"]) for r in rows} == set(WINDOW.items())
    assert {r["status"] for r in rows} == {"scheduled"}
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)
    six_weeks = next(r for r in rows if r["kind"] == "duplex" and r["due_on"] == "2024-03-13")
    assert (six_weeks["window_opens_on"], six_weeks["window_closes_on"]) == (
        "2024-03-06",
        "2024-03-20",
    )
    first_inr = next(r for r in rows if r["kind"] == "inr_check" and r["due_on"] == "2024-02-10")
    assert (first_inr["window_opens_on"], first_inr["window_closes_on"]) == (
        "2024-02-07",
        "2024-02-13",
    )
    discharge_move = episode.history.get(name="discharge")
    assert set(FollowUp.objects.values_list("created_by", flat=True)) == {discharge_move.id}


def test_a_patient_discharged_on_a_doac_has_no_inr_checks(coordinator, as_nurse, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")

    assert schedule_of(follow_ups(as_nurse, episode)) == {
        "duplex": PROCEDURE_ANCHORED,
        "anticoagulation_review": sorted([*PROCEDURE_ANCHORED, PLAN_REVIEW_ON]),
    }


def test_lifelong_vka_means_inr_checks_every_four_weeks_up_to_the_units_horizon(coordinator, clock):
    episode = discharge(coordinator, clock, planned_duration_months=None)

    checks = list(episode.follow_ups.filter(kind="inr_check").values_list("due_on", flat=True))
    assert checks[:9] == INR_CHECKS
    gaps = {(b - a).days for a, b in zip(checks[3:], checks[4:], strict=False)}
    assert gaps == {28}
    assert checks[-1] <= D(2029, 2, 3) < checks[-1] + days(28)  # 60 months after discharge


def test_a_unit_can_change_its_schedule_without_code(coordinator, clock):
    UnitSettings.objects.filter(pk=1).update(horizon_months=24)
    ScheduleRule.objects.filter(kind="duplex").update(first_offsets=["1m", "6m"], window_days=10)
    ScheduleRule.objects.filter(kind="anticoagulation_review").update(active=False)

    episode = discharge(coordinator, clock, anticoagulant="lmwh")

    duplex = episode.follow_ups.filter(kind="duplex")
    assert [f.due_on for f in duplex] == [D(2024, 2, 29), D(2024, 7, 31), D(2025, 7, 31)]
    assert {f.window_days for f in duplex} == {10}
    # Only the finite course's own review (section 7), which a unit cannot switch off.
    assert list(episode.follow_ups.exclude(kind="duplex").values_list("anchor", "due_on")) == [
        ("course_end", PLAN_REVIEW_ON)
    ]


# --- statuses, derived whenever they are read -------------------------------------------------
@pytest.mark.parametrize(
    ("day", "status"),
    [
        (D(2024, 3, 5), "scheduled"),
        (D(2024, 3, 6), "due"),  # the window opens a week before the due date
        (SIX_WEEK_DUPLEX, "due"),
        (D(2024, 3, 20), "due"),  # and closes a week after it
        (D(2024, 3, 21), "overdue"),
        (D(2025, 3, 21), "overdue"),
    ],
)
def test_the_six_week_duplex_is_scheduled_then_due_then_overdue_with_no_sweep_needed(
    coordinator, as_nurse, clock, day, status
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(day))

    rows = follow_ups(as_nurse, episode)

    six_weeks = next(r for r in rows if r["kind"] == "duplex" and r["due_on"] == "2024-03-13")
    assert six_weeks["status"] == status
    assert not Alert.objects.exists()


def test_an_inr_check_is_due_only_three_days_either_side(coordinator, as_nurse, clock):
    episode = discharge(coordinator, clock)
    seen = []
    for day in (D(2024, 2, 6), D(2024, 2, 7), D(2024, 2, 13), D(2024, 2, 14)):
        clock.move_to(at(day))
        first = next(r for r in follow_ups(as_nurse, episode) if r["due_on"] == "2024-02-10")
        seen.append(first["status"])
    assert seen == ["scheduled", "due", "due", "overdue"]


# --- two years of daily sweeps ----------------------------------------------------------------
def test_two_years_of_daily_sweeps_alert_each_follow_up_once_per_stage_and_to_the_right_role(
    coordinator, nurse, admin_user, as_nurse, clock
):
    second_nurse = user_in("nurse", "nurse-2")
    nurses = [nurse.id, second_nurse.id]
    episode = discharge(coordinator, clock)
    end = D(2026, 3, 1)  # past the 24-month visit's escalation, before the 36-month window

    expected = set()
    for fu in episode.follow_ups.all():
        opens = fu.due_on - days(WINDOW[fu.kind])
        closes = fu.due_on + days(WINDOW[fu.kind])
        owed = [(opens, "due", nurses), (closes + days(1), "overdue", nurses)]
        # Still open 14 days (an INR check 3) after the window closed: the coordinator too.
        owed.append((closes + days(1 + ESCALATION[fu.kind]), "escalation", [coordinator.id]))
        for day, kind, recipients in owed:
            if day <= end:
                expected |= {(day, fu.id, kind, r) for r in recipients}

    raised = set()
    day = DISCHARGED_ON
    while day <= end:
        result = sweep_on(clock, day)
        if result.alerts:
            raised |= {(day, *alert) for alert in alerts_raised_on(day)}
            assert result.alerts == len(alerts_raised_on(day))
            clock.move_to(at(day, 17))
            assert services.followups_sweep().alerts == 0  # again the same day: nothing new
        day += days(1)

    assert raised == expected
    # 22 follow-ups (the plan's course review among them), and the plan's 6 months reached
    # their end on 3 Aug 2024 with no decision: the coordinator is told once.
    assert len(expected) == 22 * 2 * 2 + 22
    assert Alert.objects.exclude(kind="course_ending").count() == len(expected)
    assert Alert.objects.filter(kind="course_ending", recipient=coordinator).count() == 1
    assert not Alert.objects.filter(recipient=admin_user).exists()
    assert set(Alert.objects.filter(recipient=coordinator).values_list("kind", flat=True)) == {
        "escalation",
        "course_ending",
    }
    counts = Counter(Alert.objects.filter(recipient=nurse).values_list("kind", flat=True))
    assert counts == {"due": 22, "overdue": 22}
    # The 36-month visits are still ahead: scheduled, and nobody has been told.
    later = episode.follow_ups.filter(due_on__gt=end)
    assert later.count() == 6
    assert not Alert.objects.filter(follow_up__in=later).exists()
    statuses = Counter(r["status"] for r in follow_ups(as_nurse, episode))
    assert statuses == {"overdue": 22, "scheduled": 6}


def test_nurse_is_alerted_once_when_the_six_week_duplex_falls_due(coordinator, nurse, clock):
    episode = discharge(coordinator, clock)
    six_weeks = the(episode, "duplex", SIX_WEEK_DUPLEX)

    sweep_on(clock, D(2024, 3, 5))
    assert not Alert.objects.filter(follow_up=six_weeks).exists()

    sweep_on(clock, D(2024, 3, 6))
    sweep_on(clock, D(2024, 3, 6))
    sweep_on(clock, D(2024, 3, 13))
    alerts = Alert.objects.filter(follow_up=six_weeks)
    assert [(a.kind, a.recipient_id, a.episode_id) for a in alerts] == [
        ("due", nurse.id, episode.id)
    ]


def test_the_overdue_alert_comes_the_day_after_the_window_closes(coordinator, nurse, clock):
    episode = discharge(coordinator, clock)
    six_weeks = the(episode, "duplex", SIX_WEEK_DUPLEX)
    sweep_on(clock, D(2024, 3, 6))

    sweep_on(clock, D(2024, 3, 20))
    assert not Alert.objects.filter(follow_up=six_weeks, kind="overdue").exists()
    sweep_on(clock, D(2024, 3, 21))
    assert Alert.objects.filter(follow_up=six_weeks, kind="overdue", recipient=nurse).count() == 1


def test_the_coordinator_is_alerted_when_a_visit_is_still_open_fourteen_days_after_its_window(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    six_weeks = the(episode, "duplex", SIX_WEEK_DUPLEX)  # window closes 20 March
    sweep_on(clock, D(2024, 3, 6))
    sweep_on(clock, D(2024, 3, 21))

    sweep_on(clock, D(2024, 4, 3))
    assert not Alert.objects.filter(follow_up=six_weeks, kind="escalation").exists()
    sweep_on(clock, D(2024, 4, 4))
    escalations = Alert.objects.filter(follow_up=six_weeks, kind="escalation")
    assert [a.recipient_id for a in escalations] == [coordinator.id]
    assert not Alert.objects.filter(recipient=coordinator).exclude(kind="escalation").exists()


def test_a_sweep_that_missed_the_whole_window_sends_overdue_but_not_a_late_due(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    six_weeks = the(episode, "duplex", SIX_WEEK_DUPLEX)

    # The workers were down from before the window opened until 14 days after it closed.
    sweep_on(clock, D(2024, 4, 3))

    assert set(Alert.objects.filter(follow_up=six_weeks).values_list("kind", flat=True)) == {
        "overdue"
    }
    sweep_on(clock, D(2024, 4, 4))
    assert set(Alert.objects.filter(follow_up=six_weeks).values_list("kind", flat=True)) == {
        "overdue",
        "escalation",
    }


def test_recording_the_result_stops_further_alerts_for_that_visit(coordinator, nurse, clock):
    episode = discharge(coordinator, clock)
    first_inr = the(episode, "inr_check", D(2024, 2, 10))
    sweep_on(clock, D(2024, 2, 7))
    clock.move_to(at(D(2024, 2, 9)))
    services.followup_record_result(
        actor=nurse, follow_up_id=first_inr.id, performed_on=D(2024, 2, 9), inr=Decimal("2.5")
    )

    for day in (D(2024, 2, 14), D(2024, 2, 28), D(2024, 3, 30)):
        sweep_on(clock, day)

    assert list(Alert.objects.filter(follow_up=first_inr).values_list("kind", flat=True)) == ["due"]


def test_the_sweep_command_raises_what_is_owed_once_however_often_it_runs(
    coordinator, nurse, clock
):
    discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 7)))  # 2-week duplex, 2-week review and first INR open today

    out = io.StringIO()
    call_command("sweep_followups", stdout=out)
    assert "raised 3 alert(s)" in out.getvalue()
    assert Counter(Alert.objects.values_list("follow_up__kind", "kind")) == {
        ("duplex", "due"): 1,
        ("anticoagulation_review", "due"): 1,
        ("inr_check", "due"): 1,
    }

    again = io.StringIO()
    call_command("sweep_followups", stdout=again)
    assert "raised 0 alert(s)" in again.getvalue()
    assert services.followups_sweep().alerts == 0
    assert Alert.objects.count() == 3


def test_an_assigned_nurse_and_coordinator_get_their_patients_alerts_instead_of_the_whole_role(
    coordinator, nurse, clock
):
    other_nurse = user_in("nurse", "nurse-2")
    other_coordinator = user_in("coordinator", "coordinator-2")
    user_in("nurse", "nurse-left", is_active=False)
    assigned = discharge(coordinator, clock)
    unassigned = discharge(coordinator, clock)
    Episode.objects.filter(id=assigned.id).update(
        assigned_nurse=other_nurse, assigned_coordinator=other_coordinator
    )
    first_duplex = {e.id: the(e, "duplex", D(2024, 2, 14)) for e in (assigned, unassigned)}

    for day in (D(2024, 2, 7), D(2024, 2, 22), D(2024, 3, 7)):  # due, overdue, escalation
        sweep_on(clock, day)

    def told(episode, kind):
        alerts = Alert.objects.filter(follow_up=first_duplex[episode.id], kind=kind)
        return sorted(a.recipient.username for a in alerts)

    for kind in ("due", "overdue"):
        assert told(assigned, kind) == ["nurse-2"]
        assert told(unassigned, kind) == ["nurse-1", "nurse-2"]
    assert told(assigned, "escalation") == ["coordinator-2"]
    assert told(unassigned, "escalation") == ["coordinator-1", "coordinator-2"]
    assert not Alert.objects.filter(episode=assigned, recipient__in=[nurse, coordinator]).exists()


# --- leaving surveillance ---------------------------------------------------------------------
EXIT_ON = D(2024, 2, 12)
EXITS = {
    "withdraw": {"reason": "Moved abroad; follow-up continues there."},
    "record_death": {"effective_on": EXIT_ON},
    "complete": {"reason": "Follow-up continues at the referring hospital."},
}


@pytest.mark.parametrize("exit_name", EXITS)
def test_leaving_surveillance_cancels_the_open_follow_ups_and_nobody_is_alerted_for_them(
    coordinator, nurse, as_nurse, clock, exit_name
):
    episode = discharge(coordinator, clock)
    first_inr = the(episode, "inr_check", D(2024, 2, 10))
    sweep_on(clock, D(2024, 2, 7))
    clock.move_to(at(D(2024, 2, 10)))
    services.followup_record_result(
        actor=nurse, follow_up_id=first_inr.id, performed_on=D(2024, 2, 10), inr=Decimal("2.4")
    )
    alerts_before = Alert.objects.count()

    clock.move_to(at(EXIT_ON))
    episode = move(coordinator, episode, exit_name, **EXITS[exit_name])

    exit_move = episode.history.get(name=exit_name)
    statuses = Counter(r["status"] for r in follow_ups(as_nurse, episode))
    assert statuses == {"cancelled": 27, "completed": 1}  # the course review among them
    assert set(
        FollowUp.objects.filter(cancelled_at__isnull=False).values_list("cancelled_by", flat=True)
    ) == {exit_move.id}
    assert FollowUp.objects.get(id=first_inr.id).result["inr"] == "2.4"

    day, raised = EXIT_ON, 0
    while day <= D(2024, 5, 31):
        raised += sweep_on(clock, day).alerts
        day += days(1)
    assert raised == 0
    assert Alert.objects.count() == alerts_before


def test_complete_is_refused_without_a_reason_even_on_the_day_of_discharge(
    coordinator, as_coordinator, clock
):
    """Lifelong surveillance is the default: ending it is a decision, so it always says why."""
    episode = discharge(coordinator, clock)
    url = f"/api/episodes/{episode.id}/transitions/"

    refused = as_coordinator.post(url, {"transition": "complete"}, format="json")

    assert refused.status_code == 400, refused.content
    assert "reason" in refused.json()
    episode.refresh_from_db()
    assert episode.state == State.SURVEILLANCE
    assert not FollowUp.objects.filter(cancelled_at__isnull=False).exists()


def test_a_reason_covers_the_visits_owed_when_surveillance_is_finished(
    coordinator, as_coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 7)))
    url = f"/api/episodes/{episode.id}/transitions/"
    view = as_coordinator.get(f"/api/episodes/{episode.id}/").json()
    complete = next(t for t in view["transitions"] if t["name"] == "complete")
    assert complete["reason_required"] is True
    assert "3 follow-up(s)" in complete["unmet"][0]["message"]

    done = as_coordinator.post(
        url, {"transition": "complete", "reason": "Care transferred."}, format="json"
    )

    assert done.status_code == 200, done.content
    assert episode.follow_ups.open().count() == 0


def test_complete_needs_a_reason_once_every_owed_visit_is_recorded_too(coordinator, nurse, clock):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 10)))
    for fu in episode.follow_ups.owed(today=D(2024, 2, 10)):
        data = {
            "duplex": {"segments": [{"segment": "left_common_iliac", "result": "patent"}]},
            "anticoagulation_review": {"adherent": True},
            "inr_check": {"inr": Decimal("2.5")},
        }[fu.kind]
        services.followup_record_result(
            actor=nurse, follow_up_id=fu.id, performed_on=D(2024, 2, 10), **data
        )
    with pytest.raises(InvalidInput) as refused:
        move(coordinator, episode, "complete")
    assert "reason" in refused.value.errors

    episode = move(coordinator, episode, "complete", reason="Care returned to the GP.")

    assert episode.state == State.COMPLETED
    assert episode.follow_ups.filter(completed_at__isnull=False).count() == 3
    assert episode.follow_ups.open().count() == 0


# --- corrections ------------------------------------------------------------------------------
def test_correcting_a_discharge_cancels_its_schedule_and_the_next_discharge_makes_a_new_one(
    coordinator, nurse, admin_user, clock
):
    episode = discharge(coordinator, clock)
    first = set(episode.follow_ups.values_list("id", flat=True))

    episode = move(admin_user, episode, "correct", reason="Discharged on the wrong record.")
    correction = episode.history.get(name="correct")

    assert episode.state == State.POST_OP
    assert (
        set(FollowUp.objects.filter(cancelled_by=correction).values_list("id", flat=True)) == first
    )
    assert sweep_on(clock, D(2024, 2, 5)).alerts == 0

    episode = move(coordinator, episode, "discharge")  # really discharged on 5 Feb

    second = episode.follow_ups.exclude(id__in=first)
    assert list(second.filter(kind="inr_check").values_list("due_on", flat=True))[:2] == [
        D(2024, 2, 12),
        D(2024, 2, 19),
    ]
    assert list(second.filter(kind="duplex").values_list("due_on", flat=True)) == PROCEDURE_ANCHORED
    sweep_on(clock, D(2024, 2, 7))
    alerted = set(Alert.objects.values_list("follow_up", flat=True))
    assert alerted == set(second.filter(due_on=D(2024, 2, 14)).values_list("id", flat=True))
    assert len(alerted) == 2


def test_correcting_a_withdrawal_reopens_the_visits_it_cancelled(
    coordinator, nurse, admin_user, as_nurse, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 5)))
    episode = move(coordinator, episode, "withdraw", reason="Declined further visits.")
    assert episode.follow_ups.open().count() == 0
    assert sweep_on(clock, D(2024, 2, 20)).alerts == 0

    clock.move_to(at(D(2024, 2, 25)))
    episode = move(admin_user, episode, "correct", reason="Withdrawn on the wrong patient.")

    assert episode.state == State.SURVEILLANCE
    rows = follow_ups(as_nurse, episode)
    assert Counter(r["status"] for r in rows) == {"overdue": 4, "due": 1, "scheduled": 23}
    assert FollowUp.objects.filter(cancelled_at__isnull=False).count() == 0

    sweep_on(clock, D(2024, 2, 25))
    raised = Counter(
        (a.follow_up.kind, a.follow_up.due_on, a.kind, a.recipient_id) for a in Alert.objects.all()
    )  # missed 'due' alerts are not sent late; 'overdue' says more
    assert raised == {
        ("duplex", D(2024, 2, 14), "overdue", nurse.id): 1,
        ("anticoagulation_review", D(2024, 2, 14), "overdue", nurse.id): 1,
        ("inr_check", D(2024, 2, 10), "overdue", nurse.id): 1,
        ("inr_check", D(2024, 2, 17), "overdue", nurse.id): 1,
        ("inr_check", D(2024, 2, 24), "due", nurse.id): 1,
        # Missed INR checks whose window closed more than 3 days ago reach the coordinator.
        ("inr_check", D(2024, 2, 10), "escalation", coordinator.id): 1,
        ("inr_check", D(2024, 2, 17), "escalation", coordinator.id): 1,
    }


def test_a_correction_reopens_a_visit_at_the_stage_it_had_reached(
    coordinator, nurse, admin_user, clock
):
    episode = discharge(coordinator, clock)
    two_week = the(episode, "duplex", D(2024, 2, 14))
    sweep_on(clock, D(2024, 2, 7))
    clock.move_to(at(D(2024, 2, 8)))
    episode = move(coordinator, episode, "withdraw", reason="Declined further visits.")
    episode = move(admin_user, episode, "correct", reason="Not withdrawn after all.")

    sweep_on(clock, D(2024, 2, 8))
    assert Alert.objects.filter(follow_up=two_week).count() == 1  # its 'due' was already sent
    sweep_on(clock, D(2024, 2, 22))
    kinds = Alert.objects.filter(follow_up=two_week).order_by("created_at")
    assert list(kinds.values_list("kind", flat=True)) == ["due", "overdue"]


# --- re-intervention --------------------------------------------------------------------------
def test_reintervention_cancels_the_duplex_scans_and_the_next_discharge_replaces_the_rest(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    six_weeks = the(episode, "duplex", SIX_WEEK_DUPLEX)
    clock.move_to(at(SIX_WEEK_DUPLEX))
    services.followup_record_result(
        actor=nurse,
        follow_up_id=six_weeks.id,
        performed_on=SIX_WEEK_DUPLEX,
        segments=[{"segment": "left_common_iliac", "result": "occluded"}],
    )
    urgent = Alert.objects.get(follow_up=six_weeks, kind="urgent_result")
    services.alert_acknowledge(actor=urgent.recipient, alert_id=urgent.id)  # seen, acted on
    first_schedule = set(episode.follow_ups.values_list("id", flat=True))

    clock.move_to(at(D(2024, 3, 14)))
    episode = move(
        coordinator,
        episode,
        "reintervene",
        reason="Duplex: in-stent occlusion.",
        reintervention={
            "cause": "occlusion",
            "segments": ["left_common_iliac"],
            "follow_up": six_weeks.id,
        },
    )
    reintervention = episode.history.get(name="reintervene")
    assert episode.state == State.PROCEDURE
    cancelled = FollowUp.objects.filter(cancelled_by=reintervention)
    first_duplex = set(episode.follow_ups.filter(kind="duplex").values_list("id", flat=True))
    assert set(cancelled.values_list("id", flat=True)) == first_duplex - {six_weeks.id}
    kept = set(episode.follow_ups.open().values_list("id", flat=True))
    assert kept == first_schedule - first_duplex  # anticoagulation goes on while waiting

    clock.move_to(at(D(2024, 3, 15)))
    episode = demo.prepare_and_move(coordinator, episode, "complete_procedure")
    assert episode.current_procedure_note().date == D(2024, 3, 15)
    clock.move_to(at(D(2024, 3, 18)))
    episode = demo.prepare_and_move(coordinator, episode, "discharge")

    second_discharge = episode.history.filter(name="discharge").order_by("-id").first()
    second = episode.follow_ups.filter(created_by=second_discharge)
    assert list(second.filter(kind="duplex").values_list("due_on", flat=True))[:5] == [
        D(2024, 3, 29),
        D(2024, 4, 26),
        D(2024, 6, 15),
        D(2024, 9, 15),
        D(2025, 3, 15),
    ]
    assert list(second.filter(kind="inr_check").values_list("due_on", flat=True))[:2] == [
        D(2024, 3, 25),
        D(2024, 4, 1),
    ]
    assert second.count() == episode.follow_ups.open().count()
    replaced = FollowUp.objects.filter(cancelled_by=second_discharge)
    assert set(replaced.values_list("id", flat=True)) == kept
    assert set(replaced.values_list("cancel_reason", flat=True)) == {
        "Replaced by the schedule of the new discharge."
    }
    assert FollowUp.objects.get(id=six_weeks.id).status == "completed"

    # The first duplex, review and INR windows of the new schedule open on 22 March; nothing
    # of the cancelled schedule is owed any more.
    sweep_on(clock, D(2024, 3, 22))
    raised = alerts_raised_on(D(2024, 3, 22))
    assert {(fu, kind) for fu, kind, _ in raised} == {
        (fu.id, "due") for fu in second.filter(window_opens_on=D(2024, 3, 22))
    }
    assert len(raised) == 3
    assert set(
        Alert.objects.filter(follow_up_id__in=first_schedule).values_list("follow_up", "kind")
    ) == {(six_weeks.id, "urgent_result")}


def test_the_schedule_ignores_visits_that_fall_before_a_late_discharge(coordinator, clock):
    episode = discharge(coordinator, clock, discharged_on=PROCEDURE_ON + days(20))

    duplex = list(episode.follow_ups.filter(kind="duplex").values_list("due_on", flat=True))
    assert duplex[0] == SIX_WEEK_DUPLEX  # the 2-week scan is covered by the pre-discharge one
    assert not episode.follow_ups.filter(due_on__lt=PROCEDURE_ON + days(20)).exists()


def test_a_second_episode_gets_a_schedule_of_its_own(coordinator, clock):
    patient = PatientFactory()
    first = discharge(coordinator, clock, patient=patient)
    clock.move_to(at(D(2024, 2, 4)))
    move(coordinator, first, "withdraw", reason="Declined.")

    second = discharge(
        coordinator, clock, patient=patient, procedure_on=D(2024, 2, 5), discharged_on=D(2024, 2, 6)
    )

    assert second.follow_ups.open().count() == 28  # its course's review among them
    assert first.follow_ups.open().count() == 0
    assert second.follow_ups.filter(kind="duplex").first().due_on == D(2024, 2, 19)


def test_alerts_of_an_assigned_nurse_who_has_left_go_to_the_nurses_on_duty(
    coordinator, nurse, clock
):
    departed = user_in("nurse", "nurse-left")
    episode = discharge(coordinator, clock)
    Episode.objects.filter(id=episode.id).update(assigned_nurse=departed)
    departed.is_active = False
    departed.save()

    sweep_on(clock, D(2024, 2, 7))

    due = Alert.objects.filter(follow_up=the(episode, "duplex", D(2024, 2, 14)), kind="due")
    assert [a.recipient.username for a in due] == ["nurse-1"]


def test_alerts_of_a_patient_who_left_surveillance_drop_out_of_the_nurses_inbox(
    coordinator, as_nurse, clock
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    assert len(as_nurse.get("/api/alerts/").json()) == 3

    move(coordinator, episode, "withdraw", reason="Moved to another region.")

    assert as_nurse.get("/api/alerts/").json() == []


def test_a_unit_that_shortens_the_escalation_delay_is_heard_sooner_for_visits_already_overdue(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    two_week = the(episode, "duplex", D(2024, 2, 14))  # window closes 21 Feb
    sweep_on(clock, D(2024, 2, 22))  # overdue; escalation would be owed on 7 Mar
    unit = UnitSettings.current()
    unit.escalation_days = 7
    services.unit_settings_save(unit=unit)

    sweep_on(clock, D(2024, 2, 29))

    assert Alert.objects.filter(follow_up=two_week, kind="escalation").exists()
