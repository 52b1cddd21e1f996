"""Surveillance never runs out silently (pathway.md section 4): discharge schedules the repeating
follow-ups up to the unit's horizon (60 months), and the daily top-up keeps them coming for as
long as the episode is in surveillance: the next duplex and the next anticoagulation review
always exist, INR checks continue while the VKA is planned, and dates never drift."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.dates import add_months
from demo import walk as demo
from tasks import jobs
from tasks.models import Alert, FollowUp, ScheduleRule, UnitSettings
from tasks.schedule import occurrences
from tasks.services import followup_record_result, followups_sweep
from tasks.services.topup import _episodes_running_low, followups_top_up
from tests.factories import PatientFactory
from tests.tasks.support import INDEX_STENT, PLAN_REVIEW_ON, at, days, discharge, move

pytestmark = pytest.mark.django_db
D = dt.date
FIRST = ["2w", "6w", "3m", "6m", "12m"]
BOOKED_ON = D(2024, 1, 10)


def on(clock, day: dt.date) -> dt.date:
    clock.move_to(at(day))
    return day


def open_after(episode, kind, today) -> list[dt.date]:
    """Due dates of the open follow-ups of `kind` due after today."""
    rows = episode.follow_ups.open().filter(kind=kind, due_on__gt=today)
    return list(rows.order_by("due_on").values_list("due_on", flat=True))


def scheduled(episode, kind) -> list[dt.date]:
    """Due dates of every open or completed follow-up of `kind`, in order."""
    rows = episode.follow_ups.filter(kind=kind, cancelled_at__isnull=True)
    return list(rows.order_by("due_on").values_list("due_on", flat=True))


def snapshot(episode) -> set[tuple]:
    return set(
        episode.follow_ups.values_list(
            "id",
            "kind",
            "anchor",
            "offset_months",
            "offset_days",
            "due_on",
            "window_opens_on",
            "window_closes_on",
            "next_alert_on",
            "cancelled_at",
            "completed_at",
        )
    )


def running_low(today) -> list[int]:
    """The episodes the top-up's one query finds running low today."""
    rules = list(ScheduleRule.objects.filter(active=True))
    return list(_episodes_running_low(rules=rules, today=today, lead=12).values_list("id"))


def record(nurse, follow_up, day):
    if follow_up.kind == "duplex":
        data = {"segments": [{"segment": INDEX_STENT, "result": "patent"}]}
    elif follow_up.kind == "inr_check":
        data = {"inr": "2.5"}
    else:
        data = {"adherent": True}
    return followup_record_result(actor=nurse, follow_up_id=follow_up.id, performed_on=day, **data)


# --- thirty years ----------------------------------------------------------------------------
def test_thirty_years_after_discharge_the_next_duplex_and_review_are_always_scheduled_and_alerted(
    coordinator, nurse, clock
):
    """Operated 31 Jan 1996, discharged 3 Feb 1996 on a DOAC, followed up to 2026: each year the
    daily jobs run (top-up, sweep) and the nurse records the annual duplex and review, except
    every third year, when they stay open and become overdue."""
    procedure_on = D(1996, 1, 31)
    episode = discharge(
        coordinator,
        clock,
        procedure_on=procedure_on,
        discharged_on=D(1996, 2, 3),
        anticoagulant="doac",
        planned_duration_months=None,
    )
    created_at_discharge = episode.follow_ups.count()
    assert scheduled(episode, "duplex")[-1] == D(2001, 1, 31)  # the 60-month horizon
    topped_up = 0

    for year in range(1, 31):
        anniversary = add_months(procedure_on, 12 * year)
        visits = {
            kind: episode.follow_ups.get(kind=kind, due_on=anniversary)
            for kind in ("duplex", "anticoagulation_review")
        }
        recorded = year % 3 != 0
        checkpoints = [anniversary - days(7), anniversary + days(8), anniversary + days(120)]
        for day in checkpoints:
            on(clock, day)
            topped_up += jobs.top_up_followups()
            followups_sweep()
            if day == anniversary - days(7):
                for visit in visits.values():  # its window opens today: due, to the nurse
                    assert Alert.objects.filter(follow_up=visit, kind="due").exists(), year
                if recorded:
                    for visit in visits.values():
                        record(nurse, visit, day)
            elif not recorded and day == anniversary + days(8):
                for visit in visits.values():  # its window closed yesterday: overdue
                    assert Alert.objects.filter(follow_up=visit, kind="overdue").exists(), year
            for kind in ("duplex", "anticoagulation_review"):
                ahead = open_after(episode, kind, day)
                assert ahead, (kind, day)  # never runs out
                assert ahead[0] <= add_months(day, 12) + days(7), (kind, day)
                assert ahead[-1] >= add_months(day, 12), (kind, day)  # a year's lead, at least

    # Every position exactly once, computed from the procedure date: no gap, no drift, no
    # duplicate; nothing beyond the last day's horizon.
    duplex = scheduled(episode, "duplex")
    assert duplex == occurrences(procedure_on, FIRST, "12m", until=duplex[-1])[: len(duplex)]
    assert duplex[0] == D(1996, 2, 14) and duplex[-1] <= add_months(checkpoints[-1], 60)
    assert len(duplex) == len(set(duplex))
    assert scheduled(episode, "anticoagulation_review") == duplex
    assert topped_up == episode.follow_ups.count() - created_at_discharge > 0
    # Made by the discharge, alerted from the window's opening, each with its place.
    discharge_move = episode.history.get(name="discharge")
    assert set(episode.follow_ups.values_list("created_by", flat=True)) == {discharge_move.id}
    late = episode.follow_ups.get(kind="duplex", due_on=D(2026, 1, 31))
    assert (late.anchor, late.offset_months, late.offset_days) == ("procedure", 360, 0)
    assert (late.window_opens_on, late.window_closes_on) == (D(2026, 1, 24), D(2026, 2, 7))
    # The unrecorded years stay overdue and were escalated; the recorded ones are completed.
    for year in range(1, 31):
        row = episode.follow_ups.get(kind="duplex", due_on=add_months(procedure_on, 12 * year))
        if year % 3:
            assert row.status_on(D(2026, 6, 1)) == "completed", year
        else:
            assert row.status_on(D(2026, 6, 1)) == "overdue", year
            assert Alert.objects.filter(follow_up=row, kind="escalation").exists(), year


# --- what the top-up makes, and what it leaves alone ----------------------------------------
def test_the_top_up_creates_the_next_visits_once_however_often_it_runs(coordinator, clock):
    episode = discharge(coordinator, clock)  # procedure 31 Jan 2024, discharged 3 Feb 2024
    on(clock, D(2028, 1, 30))  # the latest duplex (31 Jan 2029) is still a year ahead
    assert followups_top_up() == 0
    on(clock, D(2028, 2, 1))  # now it is less than a year ahead

    created = followups_top_up()

    assert created == 8  # duplex and review: 31 Jan 2030, 2031, 2032, 2033 (today + 60 months)
    assert scheduled(episode, "duplex")[-5:] == [D(y, 1, 31) for y in range(2029, 2034)]
    before = snapshot(episode)
    assert followups_top_up() == 0
    assert jobs.top_up_followups() == 0
    on(clock, D(2028, 2, 2))
    assert followups_top_up() == 0
    assert snapshot(episode) == before


def test_topped_up_follow_ups_are_made_by_the_discharge_in_their_place_and_alerted_on_time(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    on(clock, D(2028, 6, 1))
    followups_top_up()

    row = episode.follow_ups.get(kind="duplex", due_on=D(2031, 1, 31))
    assert (row.anchor, row.offset_months, row.offset_days) == ("procedure", 84, 0)
    assert (row.window_opens_on, row.window_closes_on) == (D(2031, 1, 24), D(2031, 2, 7))
    assert row.next_alert_on == D(2031, 1, 24) and row.alert_stage == 0
    assert row.created_by == episode.history.get(name="discharge")
    assert row.status_on(D(2031, 1, 23)) == "scheduled"
    on(clock, D(2031, 1, 23))
    followups_sweep()
    assert not Alert.objects.filter(follow_up=row).exists()
    on(clock, D(2031, 1, 24))
    followups_sweep()
    assert Alert.objects.filter(follow_up=row, kind="due", recipient=nurse).exists()


def test_the_top_up_costs_the_same_few_queries_for_one_episode_or_many(coordinator, clock):
    def queries_of_a_top_up(patients: int) -> tuple[int, int]:
        for _ in range(patients):
            discharge(coordinator, clock, patient=PatientFactory())
        on(clock, D(2028, 6, 1))
        with CaptureQueriesContext(connection) as queries:
            created = followups_top_up()
        on(clock, D(2024, 1, 31))
        return created, len(queries)

    one, many = queries_of_a_top_up(1), queries_of_a_top_up(5)

    assert (one[0], many[0]) == (8, 5 * 8)
    assert one[1] == many[1] <= 15  # the facts are six queries: moves, notes, plans, courses, ...
    on(clock, D(2028, 6, 1))
    with CaptureQueriesContext(connection) as queries:
        assert followups_top_up() == 0
    # The unit's settings and rules, then the one query finding nobody running low (with JIT
    # compilation off in its transaction on PostgreSQL).
    assert len(queries) <= 6


def test_a_schedule_that_ran_out_long_ago_gets_the_next_visits_not_a_backlog_of_overdue_ones(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    on(clock, D(2035, 1, 28))  # nothing ran for years; the 2035 visits' window opened 24 Jan

    followups_top_up()

    # 2030 to 2034 were never made (they would be overdue today); 2035 is in its window.
    up_to_today_plus_60_months = [D(y, 1, 31) for y in range(2035, 2040)]
    assert scheduled(episode, "duplex")[-6:] == [D(2029, 1, 31), *up_to_today_plus_60_months]
    new = episode.follow_ups.filter(due_on__gt=D(2029, 1, 31))
    assert {f.status_on(D(2035, 1, 28)) for f in new.filter(due_on=D(2035, 1, 31))} == {"due"}
    assert "overdue" not in {f.status_on(D(2035, 1, 28)) for f in new}
    followups_sweep()
    assert Alert.objects.filter(follow_up__in=new, kind="due").count() == 2


def test_a_vka_for_six_months_gets_no_inr_checks_beyond_it(coordinator, clock):
    episode = discharge(coordinator, clock, anticoagulant="vka", planned_duration_months=6)
    inr = scheduled(episode, "inr_check")
    assert inr[-1] == D(2024, 7, 20)  # the last within six months of 3 Feb (3 Aug)
    on(clock, D(2028, 6, 1))

    followups_top_up()

    assert scheduled(episode, "inr_check") == inr
    assert open_after(episode, "duplex", D(2028, 6, 1))[-1] == D(2033, 1, 31)
    on(clock, D(2028, 6, 2))
    assert not running_low(D(2028, 6, 2))  # its finished INR checks make it no candidate


def test_a_vka_planned_for_ten_years_gets_inr_checks_for_ten_years_and_none_beyond(
    coordinator, clock
):
    episode = discharge(coordinator, clock, anticoagulant="vka", planned_duration_months=120)
    assert scheduled(episode, "inr_check")[-1] <= D(2029, 2, 3)  # the horizon, at discharge
    for year in range(2024, 2040):
        on(clock, D(year, 6, 1))
        followups_top_up()
        if year < 2033:
            assert open_after(episode, "inr_check", D(year, 6, 1)), year
        else:  # every INR check up to the end is made: it is no longer found running low
            assert not running_low(D(year, 6, 2)), year

    inr = scheduled(episode, "inr_check")
    ends = D(2034, 2, 3)
    assert inr[-1] <= ends < inr[-1] + days(28)
    every_28 = [D(2024, 3, 2) + days(28 * k) for k in range(len(inr) - 3)]
    assert inr == [D(2024, 2, 10), D(2024, 2, 17), D(2024, 2, 24)] + every_28  # no drift


def test_a_lifelong_vka_keeps_inr_checks_coming_every_28_days(coordinator, nurse, clock):
    episode = discharge(coordinator, clock, anticoagulant="vka", planned_duration_months=None)
    day = D(2024, 2, 3)
    while day < D(2036, 2, 3):
        day = on(clock, day + days(91))
        jobs.top_up_followups()
        ahead = open_after(episode, "inr_check", day)
        assert ahead and ahead[0] <= day + days(28), day
        assert ahead[-1] >= add_months(day, 12), day

    inr = scheduled(episode, "inr_check")
    every_28 = [D(2024, 3, 2) + days(28 * k) for k in range(len(inr) - 3)]
    assert inr == [D(2024, 2, 10), D(2024, 2, 17), D(2024, 2, 24)] + every_28
    assert inr[-1] > add_months(day, 12)


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("withdraw", {"reason": "Moved abroad."}),
        ("record_death", {"effective_on": D(2025, 3, 1)}),
    ],
)
def test_an_episode_that_left_surveillance_is_not_topped_up(coordinator, clock, name, extra):
    episode = discharge(coordinator, clock)
    on(clock, D(2025, 3, 1))
    move(coordinator, episode, name, **extra)
    before = snapshot(episode)
    on(clock, D(2028, 6, 1))

    assert followups_top_up() == 0
    assert snapshot(episode) == before
    assert not episode.follow_ups.open().exists()


def test_after_a_reintervention_the_top_up_continues_the_schedule_of_the_new_discharge(
    coordinator, nurse, clock
):
    from tests.tasks.support import redischarge_with_a_new_stent

    episode = discharge(coordinator, clock)
    two_weeks = episode.follow_ups.get(kind="duplex", due_on=D(2024, 2, 14))
    on(clock, D(2024, 2, 14))
    record(nurse, two_weeks, D(2024, 2, 14))  # completed: kept by the first discharge
    episode = redischarge_with_a_new_stent(coordinator, clock, episode)  # procedure 15 Mar 2024
    second = episode.history.filter(name="discharge").order_by("-id").first()
    on(clock, D(2028, 6, 1))

    followups_top_up()

    assert open_after(episode, "duplex", D(2028, 6, 1)) == [D(y, 3, 15) for y in range(2029, 2034)]
    new = episode.follow_ups.filter(due_on__gt=D(2029, 3, 15))
    assert set(new.values_list("created_by", flat=True)) == {second.id}


def test_the_top_up_follows_the_units_horizon(coordinator, clock):
    UnitSettings.current()
    UnitSettings.objects.filter(pk=1).update(horizon_months=24)
    episode = discharge(coordinator, clock, anticoagulant="doac")
    assert scheduled(episode, "duplex")[-1] == D(2026, 1, 31)
    on(clock, D(2025, 2, 1))  # 31 Jan 2026 is now less than a year ahead

    followups_top_up()

    assert scheduled(episode, "duplex")[-2:] == [D(2026, 1, 31), D(2027, 1, 31)]  # + 24 months


# --- a corrected procedure date after a top-up -----------------------------------------------
TYPO = "Procedure date typed wrong."


def test_a_procedure_date_corrected_after_a_top_up_leaves_one_schedule_of_the_right_date(
    coordinator, clock
):
    episode = discharge(coordinator, clock, booked_on=BOOKED_ON, anticoagulant="doac")
    on(clock, D(2028, 6, 1))
    followups_top_up()

    demo.record_procedure(coordinator, episode, date=D(2024, 1, 25), reason=TYPO)
    followups_top_up()

    expected = [
        d
        for d in occurrences(D(2024, 1, 25), FIRST, "12m", until=D(2033, 6, 1))
        if d >= D(2024, 2, 3)
    ]
    # The DOAC's review 4 weeks before its 6 months end counts from the course, not the
    # procedure.
    review = {"duplex": [], "anticoagulation_review": [PLAN_REVIEW_ON]}
    for kind in ("duplex", "anticoagulation_review"):
        assert scheduled(episode, kind) == sorted(expected + review[kind]), kind
        assert open_after(episode, kind, D(2028, 6, 1))[0] == D(2029, 1, 25)


def test_a_procedure_date_corrected_after_a_top_up_moves_the_topped_up_rows_keeping_their_ids(
    coordinator, clock
):
    episode = discharge(coordinator, clock, booked_on=BOOKED_ON, anticoagulant="doac")
    on(clock, D(2028, 6, 1))
    followups_top_up()
    topped_up = set(
        episode.follow_ups.filter(due_on__gt=D(2029, 1, 31)).values_list("id", flat=True)
    )

    demo.record_procedure(coordinator, episode, date=D(2024, 1, 25), reason=TYPO)

    rows = FollowUp.objects.filter(id__in=topped_up)
    assert all(f.cancelled_at is None for f in rows)
    assert sorted({f.due_on for f in rows}) == [D(y, 1, 25) for y in range(2030, 2034)]
    assert followups_top_up() == 0


# --- the job, the command, the beat ------------------------------------------------------------
def test_the_top_up_runs_daily_from_beat_and_as_a_command(coordinator, clock):
    from config.celery import app

    entry = app.conf.beat_schedule["top-up-follow-ups"]
    assert entry["task"] == jobs.top_up_followups.name == "tasks.jobs.top_up_followups"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
    discharge(coordinator, clock)
    on(clock, D(2028, 6, 1))
    out = io.StringIO()

    call_command("top_up_followups", stdout=out)

    assert out.getvalue().strip() == "Topped up: created 8 follow-up(s)."
