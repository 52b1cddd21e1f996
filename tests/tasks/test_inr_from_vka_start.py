"""INR checks count from the day the VKA course starts (pathway.md sections 4 and 7): weekly for
4 weeks, then every 28 days, for the course's planned duration and while it runs; built at
discharge from the VKA course running then, and rebuilt in the writer's transaction when a
course starts, stops or changes; the daily top-up keeps each VKA course's checks coming."""

import datetime as dt
from decimal import Decimal

import pytest

from tasks.models import Alert, FollowUp, ScheduleRule
from tasks.services import followup_record_result
from tasks.services.topup import _episodes_running_low, followups_top_up
from tests.tasks.course_support import (
    after,
    bridged_and_discharged,
    change,
    in_post_op,
    start,
)
from tests.tasks.support import DISCHARGED_ON, at, discharge, move, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date


def inr_checks(episode, **filters) -> list[FollowUp]:
    rows = episode.follow_ups.open().filter(kind="inr_check", **filters)
    return list(rows.order_by("due_on", "id"))


def due_dates(episode, **filters) -> list[dt.date]:
    return [f.due_on for f in inr_checks(episode, **filters)]


def the_check(episode, due_on) -> FollowUp:
    return episode.follow_ups.get(kind="inr_check", due_on=due_on, cancelled_at__isnull=True)


def test_the_inr_rule_counts_from_the_vka_start():
    assert ScheduleRule.objects.get(kind="inr_check").anchor == "vka_start"


# --- the hand-computed case of the issue -------------------------------------------------------
def test_a_switch_from_a_doac_to_warfarin_on_day_185_gets_checks_on_days_192_199_206_213_then_every_28(  # noqa: E501
    coordinator, clock
):
    episode = discharge(coordinator, clock, anticoagulant="doac")  # discharged 3 Feb 2024
    apixaban = start(coordinator, episode, "apixaban", DISCHARGED_ON)
    assert not inr_checks(episode)
    switch_on = after(DISCHARGED_ON, 185)
    assert switch_on == D(2024, 8, 6)
    clock.move_to(at(switch_on))

    change(coordinator, apixaban, "Antiphospholipid syndrome found.", stopped_on=switch_on)
    warfarin = start(coordinator, episode, "warfarin", switch_on, reason="Antiphospholipid.")

    checks = inr_checks(episode)
    days = [(c.due_on - DISCHARGED_ON).days for c in checks]
    assert days[:8] == [192, 199, 206, 213, 241, 269, 297, 325]
    assert {b - a for a, b in zip(days[3:], days[4:], strict=False)} == {28}
    assert [(c.offset_months, c.offset_days) for c in checks[:5]] == [
        (0, 7),
        (0, 14),
        (0, 21),
        (0, 28),
        (0, 56),
    ]
    assert {(c.anchor, c.course_id, c.window_days, c.created_by.name) for c in checks} == {
        ("vka_start", warfarin.id, 3, "discharge")
    }
    first = checks[0]
    assert (first.due_on, first.window_opens_on, first.window_closes_on) == (
        D(2024, 8, 13),
        D(2024, 8, 10),
        D(2024, 8, 16),
    )
    assert checks[-1].due_on <= D(2029, 8, 6)  # lifelong: up to the unit's 60-month horizon


def test_a_warfarin_start_entered_late_makes_no_check_already_past(coordinator, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    clock.move_to(at(D(2024, 8, 16)))

    start(coordinator, episode, "warfarin", D(2024, 8, 6), reason="Started by the GP.")

    # 13 Aug was owed before anyone knew: not created overdue; from today on only.
    assert due_dates(episode)[:4] == [D(2024, 8, 20), D(2024, 8, 27), D(2024, 9, 3), D(2024, 10, 1)]


# --- at discharge --------------------------------------------------------------------------------
def test_discharge_counts_the_checks_from_the_warfarin_started_in_post_op(coordinator, clock):
    episode, warfarin = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
    )

    # From 1 Feb: 8 Feb falls before the discharge (the readings in post-op cover it).
    assert due_dates(episode)[:5] == [
        D(2024, 2, 15),
        D(2024, 2, 22),
        D(2024, 2, 29),
        D(2024, 3, 28),
        D(2024, 4, 25),
    ]
    assert {(c.anchor, c.course_id) for c in inr_checks(episode)} == {("vka_start", warfarin.id)}
    # The course is lifelong: the plan's 6 months no longer end the checks.
    assert due_dates(episode)[-1] > D(2028, 12, 31)


def test_a_six_month_warfarin_course_gets_no_check_beyond_its_planned_end(coordinator, clock):
    episode, _ = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
        planned_duration_months=6,
    )

    # Planned end 1 Aug 2024: the last 28-day check is 18 Jul (15 Aug would be beyond it).
    assert due_dates(episode)[-2:] == [D(2024, 6, 20), D(2024, 7, 18)]
    clock.move_to(at(D(2028, 6, 1)))
    followups_top_up()
    assert due_dates(episode)[-1] == D(2024, 7, 18)


def test_a_course_written_before_discharge_schedules_nothing_until_discharge(coordinator, clock):
    episode = in_post_op(coordinator, clock)
    start(coordinator, episode, "warfarin", D(2024, 1, 31))
    assert not episode.follow_ups.exists()


# --- rebuilt when a course starts, stops or changes ------------------------------------------
def test_stopping_warfarin_cancels_the_checks_after_the_stop_saying_why_and_resolves_their_alerts(
    coordinator, nurse, clock
):
    episode, warfarin = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
    )
    clock.move_to(at(D(2024, 2, 15)))
    done = followup_record_result(
        actor=nurse,
        follow_up_id=the_check(episode, D(2024, 2, 15)).id,
        performed_on=D(2024, 2, 15),
        inr=Decimal("2.4"),
    )
    sweep_on(clock, D(2024, 2, 26))  # 22 Feb overdue, 29 Feb due
    later = the_check(episode, D(2024, 2, 29))
    assert Alert.objects.filter(follow_up=later, kind="due").exists()
    after_the_stop = {f.id for f in inr_checks(episode, due_on__gt=D(2024, 2, 25))}
    clock.move_to(at(D(2024, 2, 27)))

    change(coordinator, warfarin, "Switched to apixaban.", stopped_on=D(2024, 2, 25))
    start(coordinator, episode, "apixaban", D(2024, 2, 26))

    words = "Warfarin stopped on 2024-02-25. Switched to apixaban."
    cancelled = FollowUp.objects.filter(id__in=after_the_stop)
    assert len(after_the_stop) > 50
    assert {(f.cancel_reason, f.cancelled_by_id) for f in cancelled} == {(words, None)}
    assert all(f.cancelled_at and f.next_alert_on is None for f in cancelled)
    [alert] = Alert.objects.filter(follow_up=later)
    assert (alert.resolved_reason, alert.resolved_at is not None) == (words, True)
    # Owed while on warfarin: the 22 Feb check stays; the completed one is as it was.
    assert due_dates(episode) == [D(2024, 2, 22)]
    kept = FollowUp.objects.get(id=done.id)
    assert (kept.status, kept.result["inr"], kept.cancelled_at) == ("completed", "2.4", None)


def test_changing_the_course_away_from_a_vka_cancels_all_its_open_checks(coordinator, clock):
    episode, warfarin = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
        plan={"anticoagulant": "doac"},
    )
    assert inr_checks(episode)  # the courses decide, not the plan
    clock.move_to(at(D(2024, 2, 12)))

    change(coordinator, warfarin, "Recorded as warfarin by mistake.", agent="apixaban")

    assert not inr_checks(episode)
    checks = episode.follow_ups.filter(kind="inr_check")
    assert set(checks.values_list("cancel_reason", flat=True)) == {
        "Warfarin changed to apixaban. Recorded as warfarin by mistake."
    }


def test_a_corrected_warfarin_start_moves_the_open_checks_keeping_their_ids(coordinator, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    clock.move_to(at(D(2024, 8, 6)))
    warfarin = start(coordinator, episode, "warfarin", D(2024, 8, 6))
    before = {f.id: f.due_on for f in inr_checks(episode)}
    clock.move_to(at(D(2024, 8, 8)))

    change(coordinator, warfarin, "Started the day before.", started_on=D(2024, 8, 5))

    now = {f.id: f.due_on for f in inr_checks(episode)}
    assert set(now) == set(before)
    assert {i: before[i] - now[i] for i in now} == dict.fromkeys(now, dt.timedelta(days=1))
    first = the_check(episode, D(2024, 8, 12))
    assert (first.window_opens_on, first.window_closes_on, first.next_alert_on) == (
        D(2024, 8, 9),
        D(2024, 8, 15),
        D(2024, 8, 9),
    )


def test_a_new_dose_changes_no_date(coordinator, clock):
    episode, warfarin = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
    )
    before = set(episode.follow_ups.values_list("id", "due_on", "cancelled_at"))
    clock.move_to(at(D(2024, 2, 20)))

    change(coordinator, warfarin, "INR 1.8.", dose="7.5", dose_unit="mg")

    assert set(episode.follow_ups.values_list("id", "due_on", "cancelled_at")) == before


def test_correcting_the_discharge_cancels_the_course_checks_and_the_next_discharge_rebuilds_them(
    coordinator, admin_user, clock
):
    episode, warfarin = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
    )
    first = {f.id for f in inr_checks(episode)}
    move(admin_user, episode, "correct", reason="Still on the ward.")
    assert not inr_checks(episode)
    clock.move_to(at(D(2024, 2, 10)))
    change(coordinator, warfarin, "Dose lowered.", dose="3")  # in post-op: nothing scheduled
    assert not inr_checks(episode)

    move(coordinator, episode, "discharge")

    again = inr_checks(episode)
    assert again[0].due_on == D(2024, 2, 15) and not {f.id for f in again} & first
    assert {f.course_id for f in again} == {warfarin.id}


# --- the daily top-up, per course ----------------------------------------------------------------
def running_low(today) -> list[int]:
    rules = list(ScheduleRule.objects.filter(active=True))
    low = _episodes_running_low(rules=rules, today=today, lead=12)
    return list(low.values_list("id", flat=True))


def test_the_top_up_keeps_each_running_vka_courses_checks_coming_and_none_for_a_stopped_one(
    coordinator, clock
):
    episode, warfarin = bridged_and_discharged(
        coordinator,
        clock,
        warfarin_on=D(2024, 2, 1),
        heparin_until=D(2024, 2, 6),
        discharged_on=D(2024, 2, 9),
    )
    clock.move_to(at(D(2024, 8, 6)))
    change(coordinator, warfarin, "Switched to apixaban.", stopped_on=D(2024, 8, 6))
    apixaban = start(coordinator, episode, "apixaban", D(2024, 8, 6))
    clock.move_to(at(D(2025, 3, 4)))
    change(coordinator, apixaban, "Recurrent DVT on apixaban.", stopped_on=D(2025, 3, 4))
    second = start(coordinator, episode, "acenocoumarol", D(2025, 3, 4))
    assert due_dates(episode, course=second)[-1] <= D(2030, 3, 4)  # the horizon from its start
    clock.move_to(at(D(2029, 6, 1)))  # its latest check is less than a year ahead

    followups_top_up()

    checks = due_dates(episode, course=second)
    assert checks[:4] == [D(2025, 3, 11), D(2025, 3, 18), D(2025, 3, 25), D(2025, 4, 1)]
    every_28 = [D(2025, 4, 1) + dt.timedelta(days=28 * k) for k in range(len(checks) - 3)]
    assert checks == checks[:3] + every_28  # counted from its start: no drift
    assert checks[-1] <= D(2034, 6, 1) < checks[-1] + dt.timedelta(days=28)
    assert max(due_dates(episode, course=warfarin)) <= D(2024, 8, 6)  # stopped: none after
    assert episode.id not in running_low(D(2029, 6, 2))
    assert followups_top_up() == 0
