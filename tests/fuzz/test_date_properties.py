"""The date arithmetic under hypothesis (issue 21): core/dates.py, the schedule's offsets
(tasks/schedule.py) and the windows' dates (tasks/windows.py) hold their properties for every
date of the calendar, and at its ends refuse in words (OutOfCalendar, a 400) rather than raise
what a page would answer with a 500. Pure functions: no database, a few seconds."""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.dates import OutOfCalendar, add_days, add_months
from core.errors import InvalidInput
from tasks import windows
from tasks.schedule import LONGEST, Offset, occurrences, parse, positions, shift

pytestmark = pytest.mark.fuzz
settings.register_profile(
    "dates",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    derandomize=True,
    database=None,
    deadline=None,
)
settings.load_profile("dates")

days = st.dates()
months = st.integers(min_value=-12 * 10_000, max_value=12 * 10_000)
ordinary = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31))
written = st.builds(
    lambda n, unit: f"{n}{unit}", st.integers(1, 400), st.sampled_from(["d", "w", "m"])
)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


# --- core.dates.add_months ------------------------------------------------------------------
@given(days, months)
def test_adding_months_lands_on_the_month_asked_or_refuses_in_words_past_the_calendar(day, n):
    try:
        moved = add_months(day, n)
    except OutOfCalendar as refused:
        assert isinstance(refused, InvalidInput) and refused.status == 400
        assert not 1 <= (month_index(day) + n) // 12 <= 9999
        return
    assert month_index(moved) == month_index(day) + n
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


@given(days, days, st.integers(-1200, 1200))
def test_adding_months_keeps_the_order_of_dates(a, b, n):
    a, b = min(a, b), max(a, b)
    try:
        assert add_months(a, n) <= add_months(b, n)
    except OutOfCalendar:
        pass


@given(days, st.integers(-1200, 1200), st.integers(-1200, 1200))
def test_more_months_is_never_earlier(day, m, n):
    m, n = min(m, n), max(m, n)
    try:
        assert add_months(day, m) <= add_months(day, n)
    except OutOfCalendar:
        pass


@given(days, st.integers(-1200, 1200))
def test_months_there_and_back_return_to_the_day_or_the_month_end_before_it(day, n):
    try:
        back = add_months(add_months(day, n), -n)
    except OutOfCalendar:
        return
    assert back <= day and month_index(back) == month_index(day)
    if day.day <= 28:
        assert back == day


@given(days)
def test_no_months_is_the_same_day(day):
    assert add_months(day, 0) == day


@given(st.integers(1, 9998), st.integers(1, 12))
def test_a_month_end_plus_a_month_is_the_next_month_end(year, month):
    end = dt.date(year, month, calendar.monthrange(year, month)[1])
    moved = add_months(end, 1)
    assert moved.day == min(end.day, calendar.monthrange(moved.year, moved.month)[1])


@given(days, st.integers(-4_000_000, 4_000_000))
def test_adding_days_is_timedelta_or_refuses_in_words(day, n):
    try:
        assert add_days(day, n) == day + dt.timedelta(days=n)
    except OutOfCalendar:
        with pytest.raises(OverflowError):
            day + dt.timedelta(days=n)


# --- tasks.schedule ---------------------------------------------------------------------------
@given(written)
def test_an_interval_reads_back_as_its_days_or_months(text):
    n, unit = int(text[:-1]), text[-1]
    if n > LONGEST[unit]:
        with pytest.raises(ValueError, match="ten years"):
            parse(text)
        return
    offset = parse(text)
    assert offset == (Offset(months=n) if unit == "m" else Offset(days=n * (7, 1)[unit == "d"]))


@given(st.text(max_size=8))
@example("3m\n")
@example("٣m")
@example("0d")
def test_anything_but_an_interval_is_refused_as_a_value_error(text):
    if re.fullmatch(r"[1-9][0-9]*[dwm]", text) and int(text[:-1]) <= LONGEST[text[-1]]:
        assert parse(text)
    else:
        with pytest.raises(ValueError):
            parse(text)


@given(days, written, written)
def test_a_longer_offset_never_falls_before_a_shorter_one(anchor, a, b):
    try:
        first, second = parse(a), parse(b)
    except ValueError:
        return
    try:
        one, two = shift(anchor, first), shift(anchor, first + second)
    except OutOfCalendar:
        return
    assert anchor < one <= two


@given(
    days,
    st.lists(written, max_size=5),
    written,
    st.integers(0, 400),
)
def test_a_schedule_is_in_order_within_its_horizon_even_at_the_calendars_end(
    anchor, first, every, horizon_months
):
    try:
        [parse(o) for o in [*first, every]]
    except ValueError:
        return
    try:
        until = add_months(anchor, horizon_months)
    except OutOfCalendar:
        until = dt.date.max
    pairs = positions(anchor, first, every, until)
    dates = [day for _, day in pairs]
    assert all(anchor < day <= until for day in dates)
    assert dates == occurrences(anchor, first, every, until)
    assert all(shift(anchor, offset) == day for offset, day in pairs)
    repeats = dates[len(first) :]
    assert repeats == sorted(set(repeats))


@given(ordinary, st.integers(0, 120))
def test_a_repeat_is_counted_from_the_anchor_so_months_never_drift(anchor, k):
    due = occurrences(anchor, [], "1m", add_months(anchor, 121))
    if k >= 1:
        assert due[k - 1] == add_months(anchor, k)


# --- tasks.windows ----------------------------------------------------------------------------
@given(days, st.integers(0, 60))
def test_a_window_holds_its_due_date_or_refuses_in_words_at_the_calendars_ends(due, width):
    try:
        w = windows.window(due, width)
    except OutOfCalendar:
        assert due - dt.date.min < dt.timedelta(width) or dt.date.max - due < dt.timedelta(width)
        return
    assert w.opens_on <= due <= w.closes_on
    assert (w.closes_on - w.opens_on).days == 2 * width


@given(ordinary, st.integers(0, 60), st.integers(0, 90), ordinary)
def test_the_stage_reached_and_the_status_agree_on_any_day(due, width, escalation, today):
    w = windows.window(due, width)
    stage = windows.stage_on(today, w.opens_on, w.closes_on, escalation)
    status = windows.status_on(today, w.opens_on, w.closes_on)
    assert (stage == windows.NONE) == (status == windows.SCHEDULED)
    assert (stage == windows.DUE_STAGE) == (status == windows.DUE)
    assert (stage >= windows.OVERDUE_STAGE) == (status == windows.OVERDUE)
    overdue = windows.overdue_from(w.closes_on)
    escalated = windows.escalation_from(w.closes_on, escalation)
    assert w.closes_on < overdue <= escalated


@given(ordinary, st.integers(0, 60), st.integers(0, 90), st.integers(0, 3))
def test_the_next_alert_is_the_first_day_of_the_next_stage(due, width, escalation, stage):
    w = windows.window(due, width)
    on = windows.next_alert_on(w.opens_on, w.closes_on, stage, escalation)
    if stage == windows.ESCALATION_STAGE:
        assert on is None
        return
    assert on is not None
    assert windows.stage_on(on, w.opens_on, w.closes_on, escalation) > stage
    before = on - dt.timedelta(days=1)
    assert windows.stage_on(before, w.opens_on, w.closes_on, escalation) <= stage


@given(st.integers(0, 3), st.integers(0, 3))
def test_each_stage_passed_raises_one_alert_and_a_missed_due_is_not_sent_late(old, new):
    raised = windows.stages_to_raise(old, new)
    assert raised == sorted(set(raised))
    assert all(old < s <= new for s in raised)
    assert (windows.DUE_STAGE in raised) == (old < windows.DUE_STAGE == new)
    if new > old:
        assert new in raised
