"""What was derived from a record follows it (pathway.md section 2): a corrected procedure date
moves the open follow-ups built from it, a discharge plan switched to or from a VKA adds or
cancels the INR checks, a new target INR range applies to the next readings only, and
completed follow-ups stay as they were."""

import datetime as dt
from decimal import Decimal

import pytest

from demo import walk as demo
from pathway import hooks
from pathway.codes import State
from tasks import services
from tasks.models import Alert, FollowUp, UnitSettings
from tasks.services.consequences import followups_after_record_change
from tests.factories import PatientFactory
from tests.tasks.support import DISCHARGED_ON, PLAN_REVIEW_ON, at, discharge, move, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date
BOOKED_ON = D(2024, 1, 10)  # so the procedure date may be corrected back to 10 January
TYPO = "Procedure date typed wrong."


@pytest.fixture
def episode(coordinator, clock):
    """Booked on 10 Jan, operated on 31 Jan, discharged on 3 Feb on a VKA for six months."""
    return discharge(coordinator, clock, booked_on=BOOKED_ON)


def correct_procedure_date(actor, episode, date, reason=TYPO):
    return demo.record_procedure(actor, episode, date=date, reason=reason)


def change_plan(actor, episode, reason, **plan):
    return demo.record_discharge_plan(actor, episode, reason=reason, **plan)


def open_dates(episode, kind) -> list[dt.date]:
    return list(episode.follow_ups.open().filter(kind=kind).values_list("due_on", flat=True))


def rows(episode, **filters) -> dict[int, tuple]:
    """id -> (kind, due date, window, whether open) of the episode's follow-ups."""
    return {
        f.id: (f.kind, f.due_on, f.window_opens_on, f.window_closes_on, f.cancelled_at is None)
        for f in episode.follow_ups.filter(**filters)
    }


def the(episode, kind, due_on) -> FollowUp:
    return episode.follow_ups.open().get(kind=kind, due_on=due_on)


# --- where each follow-up stands ----------------------------------------------------------------
def test_each_follow_up_knows_its_anchor_and_offset(episode):
    positions = {
        (f.kind, f.due_on): (f.anchor, f.offset_months, f.offset_days)
        for f in episode.follow_ups.all()
    }
    assert positions[("duplex", D(2024, 2, 14))] == ("procedure", 0, 14)
    assert positions[("duplex", D(2024, 3, 13))] == ("procedure", 0, 42)
    assert positions[("anticoagulation_review", D(2024, 4, 30))] == ("procedure", 3, 0)
    assert positions[("duplex", D(2026, 1, 31))] == ("procedure", 24, 0)
    # The plan's VKA is a course from the discharge: its checks count from its start.
    assert positions[("inr_check", D(2024, 2, 10))] == ("vka_start", 0, 7)
    assert positions[("inr_check", D(2024, 3, 30))] == ("vka_start", 0, 56)
    # Its 6 months end on 3 Aug: reviewed 4 weeks before.
    assert positions[("anticoagulation_review", PLAN_REVIEW_ON)] == ("course_end", 0, 28)


def test_the_tasks_app_listens_to_record_changes():
    assert followups_after_record_change in hooks.after_record_change


# --- a corrected procedure date -----------------------------------------------------------------
def test_a_later_procedure_date_moves_every_open_follow_up_built_from_it_keeping_its_id(
    coordinator, clock, episode
):
    before = rows(episode, anchor="procedure")
    inr_before = rows(episode, kind="inr_check")
    clock.move_to(at(D(2024, 2, 5)))

    correct_procedure_date(coordinator, episode, D(2024, 2, 2))

    after = rows(episode, anchor="procedure")
    assert set(after) == set(before)  # same rows, none added, none cancelled
    two_days_later = [
        D(2024, 2, 16),
        D(2024, 3, 15),
        D(2024, 5, 2),
        D(2024, 8, 2),
        D(2025, 2, 2),
        D(2026, 2, 2),
        D(2027, 2, 2),
        D(2028, 2, 2),
        D(2029, 2, 2),
    ]
    assert open_dates(episode, "duplex") == two_days_later
    # The review before the course's end counts from the course, not the procedure.
    reviews = sorted([*two_days_later, PLAN_REVIEW_ON])
    assert open_dates(episode, "anticoagulation_review") == reviews
    six_weeks = the(episode, "duplex", D(2024, 3, 15))
    assert (six_weeks.window_opens_on, six_weeks.window_closes_on) == (
        D(2024, 3, 8),
        D(2024, 3, 22),
    )
    assert six_weeks.next_alert_on == D(2024, 3, 8)
    assert rows(episode, kind="inr_check") == inr_before  # INR checks count from discharge


def test_an_earlier_procedure_date_cancels_what_now_falls_before_discharge_and_back_again_restores_it(  # noqa: E501
    coordinator, clock, episode
):
    original = rows(episode)
    two_weeks = {f.id for f in episode.follow_ups.filter(due_on=D(2024, 2, 14))}
    clock.move_to(at(D(2024, 2, 5)))

    correct_procedure_date(coordinator, episode, D(2024, 1, 15))

    # The 2-week visits (29 Jan) now fall before the discharge on 3 Feb.
    cancelled = FollowUp.objects.filter(id__in=two_weeks)
    assert [(f.cancel_reason, f.cancelled_by) for f in cancelled] == [(TYPO, None)] * 2
    assert all(f.cancelled_at and f.next_alert_on is None for f in cancelled)
    assert open_dates(episode, "duplex") == [
        D(2024, 2, 26),
        D(2024, 4, 15),
        D(2024, 7, 15),
        D(2025, 1, 15),
        D(2026, 1, 15),
        D(2027, 1, 15),
        D(2028, 1, 15),
        D(2029, 1, 15),
    ]

    correct_procedure_date(coordinator, episode, D(2024, 1, 31), reason="It was the 31st.")

    reopened = {f.id: f for f in episode.follow_ups.open().filter(due_on=D(2024, 2, 14))}
    assert len(reopened) == 2 and not set(reopened) & two_weeks  # new rows; the old stay cancelled
    assert {f.created_by.name for f in reopened.values()} == {"discharge"}
    assert {(f.anchor, f.offset_months, f.offset_days) for f in reopened.values()} == {
        ("procedure", 0, 14)
    }
    moved_back = {i: r for i, r in rows(episode).items() if i in original and i not in two_weeks}
    assert moved_back == {i: r for i, r in original.items() if i not in two_weeks}
    assert sorted(v[:4] for v in rows(episode, cancelled_at__isnull=True).values()) == sorted(
        v[:4] for v in original.values()
    )


def test_completed_follow_ups_stay_as_they_were_when_the_procedure_date_moves(
    coordinator, nurse, clock, episode
):
    two_week_duplex = the(episode, "duplex", D(2024, 2, 14))
    clock.move_to(at(D(2024, 2, 14)))
    services.followup_record_result(
        actor=nurse,
        follow_up_id=two_week_duplex.id,
        performed_on=D(2024, 2, 14),
        segments=[{"segment": "left_common_iliac", "result": "patent"}],
    )
    done = FollowUp.objects.get(id=two_week_duplex.id)

    correct_procedure_date(coordinator, episode, D(2024, 2, 2))

    still = FollowUp.objects.get(id=two_week_duplex.id)
    assert (still.due_on, still.window_opens_on, still.completed_at, still.cancelled_at) == (
        done.due_on,
        done.window_opens_on,
        done.completed_at,
        None,
    )
    assert open_dates(episode, "duplex")[0] == D(2024, 3, 15)  # no second 2-week duplex
    assert open_dates(episode, "anticoagulation_review")[0] == D(2024, 2, 16)  # open: moved


def test_a_moved_follow_up_is_alerted_by_its_new_window(coordinator, nurse, clock):
    episode = discharge(coordinator, clock, booked_on=BOOKED_ON, anticoagulant="doac")
    two_week = the(episode, "duplex", D(2024, 2, 14))  # window 7-21 Feb
    sweep_on(clock, D(2024, 2, 7))
    assert Alert.objects.filter(follow_up=two_week, kind="due").count() == 1

    correct_procedure_date(coordinator, episode, D(2024, 2, 2))  # window now 9-23 Feb

    # Its 'due' was sent: the next alert it owes is 'overdue', the day after the new window.
    assert FollowUp.objects.get(id=two_week.id).next_alert_on == D(2024, 2, 24)
    assert sweep_on(clock, D(2024, 2, 23)).alerts == 0
    sweep_on(clock, D(2024, 2, 24))
    kinds = Alert.objects.filter(follow_up=two_week).values_list("kind", flat=True)
    assert sorted(kinds) == ["due", "overdue"]


def test_other_changes_to_the_procedure_note_leave_the_schedule_alone(coordinator, clock, episode):
    before = rows(episode)
    clock.move_to(at(D(2024, 2, 5)))

    note = demo.record_procedure(
        coordinator, episode, date=D(2024, 1, 31), device="Trellis", reason="Device misnamed."
    )

    assert note.device == "Trellis"

    assert rows(episode) == before


def test_a_procedure_date_typed_wrong_and_then_corrected_gets_the_schedule_of_the_right_date(
    coordinator, clock
):
    """The defect: a year typed wrong put every visit before the discharge, so none was made,
    and correcting the date made none either."""
    UnitSettings.current()
    UnitSettings.objects.filter(pk=1).update(horizon_months=12)
    fresh = discharge(coordinator, clock, anticoagulant="doac")  # the right date from the start

    clock.move_to(at(D(2024, 1, 31)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.PROCEDURE, on=D(2023, 1, 20))
    demo.record_procedure(coordinator, episode, date=D(2023, 1, 31))  # should be 2024
    move(coordinator, episode, "complete_procedure")
    clock.move_to(at(DISCHARGED_ON))
    demo.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_discharge_plan(coordinator, episode, anticoagulant="doac")
    move(coordinator, episode, "discharge")
    # Every visit of the first year fell before the discharge: none was made (only the yearly
    # one that the rolling horizon reaches, and the DOAC's review before its planned end).
    assert (
        not episode.follow_ups.exclude(anchor="course_end")
        .filter(due_on__lt=D(2025, 1, 1))
        .exists()
    )

    clock.move_to(at(D(2024, 2, 5)))
    correct_procedure_date(coordinator, episode, D(2024, 1, 31), reason="Year typed wrong.")

    def schedule(e):
        return sorted(
            e.follow_ups.open().values_list(
                "kind",
                "anchor",
                "offset_months",
                "offset_days",
                "due_on",
                "window_opens_on",
                "window_closes_on",
                "next_alert_on",
            )
        )

    # 2w, 6w, 3m, 6m, 12m duplex and review; the DOAC's review 4 weeks before its 6 months end.
    assert len(schedule(fresh)) == 11
    assert schedule(episode) == schedule(fresh)
    discharge_move = episode.history.get(name="discharge")
    assert {f.created_by_id for f in episode.follow_ups.all()} == {discharge_move.id}


def test_a_procedure_date_corrected_before_discharge_is_simply_used_at_discharge(
    coordinator, clock
):
    clock.move_to(at(D(2024, 1, 31)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.PROCEDURE, on=BOOKED_ON)
    episode = demo.prepare_and_move(coordinator, episode, "complete_procedure")
    correct_procedure_date(coordinator, episode, D(2024, 1, 30))
    assert not episode.follow_ups.exists()
    clock.move_to(at(DISCHARGED_ON))

    episode = demo.prepare_and_move(coordinator, episode, "discharge")

    assert open_dates(episode, "duplex")[:2] == [D(2024, 2, 13), D(2024, 3, 12)]


# --- a changed discharge plan ----------------------------------------------------------------
def test_switching_from_a_doac_to_a_vka_adds_the_inr_checks_due_from_that_day(coordinator, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    others = rows(episode, anchor="procedure")
    assert not episode.follow_ups.filter(kind="inr_check").exists()
    clock.move_to(at(D(2024, 2, 20)))

    change_plan(coordinator, episode, "Switched to warfarin.", anticoagulant="vka")

    # The plan's VKA is a course from today: weekly for 4 weeks, then every 28 days, for the
    # plan's 6 months (to 20 Aug), as section 7 counts them (no longer from the discharge).
    assert open_dates(episode, "inr_check") == [
        D(2024, 2, 27),
        D(2024, 3, 5),
        D(2024, 3, 12),
        D(2024, 3, 19),
        D(2024, 4, 16),
        D(2024, 5, 14),
        D(2024, 6, 11),
        D(2024, 7, 9),
        D(2024, 8, 6),
    ]
    checks = episode.follow_ups.filter(kind="inr_check")
    assert {(f.anchor, f.window_days, f.created_by.name) for f in checks} == {
        ("vka_start", 3, "discharge")
    }
    assert checks.get(due_on=D(2024, 2, 27)).offset_days == 7
    # The DOAC stopped before its end: its review goes; the VKA's comes 4 weeks before 20 Aug.
    assert open_dates(episode, "anticoagulation_review")[3:5] == [D(2024, 7, 23), D(2024, 7, 31)]
    assert rows(episode, anchor="procedure") == others


def test_switching_from_a_vka_to_a_doac_cancels_the_open_inr_checks_and_back_restores_them(
    coordinator, nurse, clock, episode
):
    first = the(episode, "inr_check", D(2024, 2, 10))
    clock.move_to(at(D(2024, 2, 10)))
    services.followup_record_result(
        actor=nurse, follow_up_id=first.id, performed_on=D(2024, 2, 10), inr=Decimal("2.5")
    )
    others = rows(episode, anchor="procedure")
    open_checks = set(
        episode.follow_ups.open().filter(kind="inr_check").values_list("id", flat=True)
    )
    clock.move_to(at(D(2024, 2, 12)))

    change_plan(coordinator, episode, "Switched to apixaban.", anticoagulant="doac")

    cancelled = FollowUp.objects.filter(id__in=open_checks)
    assert len(open_checks) == 8
    assert {(f.cancel_reason, f.cancelled_by_id) for f in cancelled} == {
        ("VKA (product not named) stopped on 2024-02-12. Switched to apixaban.", None)
    }
    assert all(f.cancelled_at for f in cancelled)
    kept = FollowUp.objects.get(id=first.id)
    assert (kept.status, kept.result["inr"]) == ("completed", "2.5")
    assert rows(episode, anchor="procedure") == others
    for day in (D(2024, 2, 14), D(2024, 2, 21), D(2024, 2, 28), D(2024, 3, 27)):
        sweep_on(clock, day)  # when the cancelled checks' windows would have opened
    assert Alert.objects.filter(follow_up__kind="duplex").exists()
    assert not Alert.objects.filter(follow_up__kind="inr_check").exists()

    clock.move_to(at(D(2024, 4, 2)))
    change_plan(coordinator, episode, "Back on warfarin.", anticoagulant="vka")

    # A new VKA course from 2 Apr: weekly, then every 28 days, for its 6 months (to 2 Oct).
    assert open_dates(episode, "inr_check") == [
        D(2024, 4, 9),
        D(2024, 4, 16),
        D(2024, 4, 23),
        D(2024, 4, 30),
        D(2024, 5, 28),
        D(2024, 6, 25),
        D(2024, 7, 23),
        D(2024, 8, 20),
        D(2024, 9, 17),
    ]
    assert not set(episode.follow_ups.open().values_list("id", flat=True)) & open_checks


def test_a_changed_planned_duration_cancels_or_adds_inr_checks(coordinator, clock, episode):
    clock.move_to(at(D(2024, 2, 20)))

    change_plan(coordinator, episode, "Three months is enough.", planned_duration_months=3)

    # Up to 3 May: the checks of 25 May, 22 June and 20 July are no longer wanted.
    assert open_dates(episode, "inr_check") == [
        D(2024, 2, 10),
        D(2024, 2, 17),
        D(2024, 2, 24),
        D(2024, 3, 2),
        D(2024, 3, 30),
        D(2024, 4, 27),
    ]
    cancelled = episode.follow_ups.filter(kind="inr_check", cancelled_at__isnull=False)
    assert sorted(f.due_on for f in cancelled) == [D(2024, 5, 25), D(2024, 6, 22), D(2024, 7, 20)]
    assert {f.cancel_reason for f in cancelled} == {
        "VKA (product not named): now planned for 3 months. Three months is enough."
    }

    clock.move_to(at(D(2024, 3, 1)))
    change_plan(coordinator, episode, "A year after all.", planned_duration_months=12)

    # Every 28 days up to 3 Feb 2025: the last is 1 Feb 2025.
    checks = open_dates(episode, "inr_check")
    assert checks[:9] == [
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
    assert checks[-1] == D(2025, 2, 1)
    assert {(b - a).days for a, b in zip(checks[3:], checks[4:], strict=False)} == {28}


def test_a_new_target_inr_range_applies_to_the_next_readings_and_the_earlier_keep_theirs(
    coordinator, nurse, as_coordinator, clock, episode
):
    first = the(episode, "inr_check", D(2024, 2, 10))
    second = the(episode, "inr_check", D(2024, 2, 17))
    clock.move_to(at(D(2024, 2, 10)))
    services.followup_record_result(
        actor=nurse, follow_up_id=first.id, performed_on=D(2024, 2, 10), inr=Decimal("2.4")
    )
    schedule = rows(episode)
    clock.move_to(at(D(2024, 2, 12)))

    change_plan(
        coordinator,
        episode,
        "Recurrent DVT on warfarin: higher target.",
        target_inr_low=Decimal("2.5"),
        target_inr_high=Decimal("3.5"),
    )

    assert rows(episode) == schedule  # no date depends on the range
    clock.move_to(at(D(2024, 2, 17)))
    services.followup_record_result(
        actor=nurse, follow_up_id=second.id, performed_on=D(2024, 2, 17), inr=Decimal("2.4")
    )
    assert FollowUp.objects.get(id=first.id).result["target"] == ["2.0", "3.0"]
    assert FollowUp.objects.get(id=second.id).result["target"] == ["2.5", "3.5"]
    urgent = Alert.objects.filter(kind="urgent_result")
    assert set(urgent.values_list("follow_up", flat=True)) == {second.id}


def test_a_plan_changed_before_discharge_changes_no_schedule_until_discharge(coordinator, clock):
    clock.move_to(at(D(2024, 1, 31)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.POST_OP)
    demo.record_discharge_plan(coordinator, episode, anticoagulant="doac")
    demo.record_discharge_plan(coordinator, episode, anticoagulant="vka")
    assert not episode.follow_ups.exists()
    clock.move_to(at(DISCHARGED_ON))

    episode = demo.prepare_and_move(coordinator, episode, "discharge")

    assert len(open_dates(episode, "inr_check")) == 9
