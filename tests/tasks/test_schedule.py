"""The date arithmetic of the follow-up schedule and the Villalta PTS score: pure functions,
checked against dates and scores worked out by hand (pathway.md sections 3 and 4)."""

import datetime as dt

import pytest

from core.dates import add_months
from pathway.villalta import VILLALTA_ITEMS, pts_assessable, villalta_category, villalta_score
from tasks.schedule import Offset, occurrences, parse, shift

D = dt.date
DEFAULT_FIRST = ["2w", "6w", "3m", "6m", "12m"]


# --- intervals --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "offset"),
    [
        ("1d", Offset(days=1)),
        ("14d", Offset(days=14)),
        ("2w", Offset(days=14)),
        ("6w", Offset(days=42)),
        ("3m", Offset(months=3)),
        ("12m", Offset(months=12)),
        ("28d", Offset(days=28)),
    ],
)
def test_a_unit_writes_intervals_in_days_weeks_or_months(written, offset):
    assert parse(written) == offset


@pytest.mark.parametrize("written", ["", "0d", "07d", "3y", "m", "-1d", "1.5m", " 3m", "3m ", "3M"])
def test_an_interval_the_unit_could_not_have_meant_is_refused(written):
    with pytest.raises(ValueError, match="not an interval"):
        parse(written)


def test_a_month_is_a_calendar_month_not_thirty_days():
    assert shift(D(2024, 1, 15), parse("3m")) == D(2024, 4, 15)
    assert shift(D(2024, 1, 15), parse("90d")) == D(2024, 4, 14)


# --- month ends -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 3, D(2024, 4, 30)),
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 1, 10), -1, D(2023, 12, 10)),
        (D(2024, 5, 20), 0, D(2024, 5, 20)),
    ],
)
def test_adding_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


# --- occurrences ------------------------------------------------------------------------------
def test_the_default_duplex_schedule_after_a_procedure_on_the_last_day_of_january():
    dates = occurrences(D(2024, 1, 31), DEFAULT_FIRST, "12m", until=D(2029, 1, 31))
    assert dates == [
        D(2024, 2, 14),  # 2 weeks
        D(2024, 3, 13),  # 6 weeks
        D(2024, 4, 30),  # 3 months, clamped
        D(2024, 7, 31),  # 6 months
        D(2025, 1, 31),  # 12 months
        D(2026, 1, 31),
        D(2027, 1, 31),
        D(2028, 1, 31),
        D(2029, 1, 31),  # the horizon itself is included
    ]


def test_monthly_repeats_are_counted_from_the_anchor_so_a_clamped_february_does_not_drift():
    dates = occurrences(D(2023, 1, 31), ["1m"], "1m", until=D(2023, 7, 31))
    # Adding a month to the previous date would give 28 Mar, 28 Apr, ... after February.
    assert dates == [
        D(2023, 2, 28),
        D(2023, 3, 31),
        D(2023, 4, 30),
        D(2023, 5, 31),
        D(2023, 6, 30),
        D(2023, 7, 31),
    ]


def test_yearly_repeats_after_a_leap_day_procedure_come_back_to_the_leap_day():
    dates = occurrences(D(2024, 2, 29), [], "12m", until=D(2028, 3, 1))
    assert dates == [D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29)]


def test_weekly_inr_checks_for_four_weeks_then_every_four_weeks_up_to_six_months():
    discharged = D(2024, 2, 3)
    dates = occurrences(discharged, ["7d", "14d", "21d", "28d"], "28d", until=D(2024, 8, 3))
    assert dates == [
        D(2024, 2, 10),
        D(2024, 2, 17),
        D(2024, 2, 24),
        D(2024, 3, 2),
        D(2024, 3, 30),
        D(2024, 4, 27),
        D(2024, 5, 25),
        D(2024, 6, 22),
        D(2024, 7, 20),
    ]  # 17 Aug would be past the planned six months


def test_the_last_day_of_the_horizon_is_included_and_the_day_after_is_not():
    anchor = D(2024, 1, 1)
    assert occurrences(anchor, ["1m"], "1m", until=D(2024, 3, 1))[-1] == D(2024, 3, 1)
    assert occurrences(anchor, ["1m"], "1m", until=D(2024, 2, 29))[-1] == D(2024, 2, 1)


def test_first_offsets_beyond_the_horizon_are_left_out():
    dates = occurrences(D(2024, 1, 10), DEFAULT_FIRST, "12m", until=D(2024, 6, 30))
    assert dates == [D(2024, 1, 24), D(2024, 2, 21), D(2024, 4, 10)]


def test_a_rule_with_no_first_offsets_repeats_from_the_anchor():
    dates = occurrences(D(2024, 1, 10), [], "2w", until=D(2024, 2, 21))
    assert dates == [D(2024, 1, 24), D(2024, 2, 7), D(2024, 2, 21)]


def test_a_mixed_offset_of_months_and_days_is_months_first_then_days():
    # 12 months then 2 weeks from 31 Jan 2023: 31 Jan 2024 + 14 days, not 14 Feb + 12 months.
    assert shift(D(2023, 1, 31), parse("12m") + parse("2w")) == D(2024, 2, 14)
    assert shift(D(2024, 1, 31), parse("1m") + parse("1d")) == D(2024, 3, 1)


# --- Villalta ---------------------------------------------------------------------------------
def villalta(score: int, *, ulcer: bool = False) -> dict:
    """Items adding up to `score`, each 0-3, filled in the contract's order."""
    assert 0 <= score <= 3 * len(VILLALTA_ITEMS)
    items = {}
    for name in VILLALTA_ITEMS:
        items[name] = min(3, score)
        score -= items[name]
    return {**items, "ulcer": ulcer}


def test_the_villalta_score_is_the_sum_of_the_eleven_items_and_ignores_the_ulcer():
    assert len(VILLALTA_ITEMS) == 11
    items = dict.fromkeys(VILLALTA_ITEMS, 0) | {"pain": 3, "redness": 2, "venous_ectasia": 1}
    assert villalta_score({**items, "ulcer": True}) == 6
    assert villalta_score(villalta(33)) == 33


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (33, "severe"),
    ],
)
def test_villalta_category_boundaries(score, category):
    items = villalta(score)
    assert villalta_score(items) == score
    assert villalta_category(items) == category


@pytest.mark.parametrize("score", [0, 4, 9, 14])
def test_any_venous_ulcer_is_severe_pts_whatever_the_score(score):
    assert villalta_category(villalta(score, ulcer=True)) == "severe"


def test_pts_is_assessable_only_from_three_calendar_months_after_the_procedure():
    assert not pts_assessable(D(2024, 1, 15), D(2024, 4, 14))
    assert pts_assessable(D(2024, 1, 15), D(2024, 4, 15))
    # The 6-week visit is too early to call PTS.
    assert not pts_assessable(D(2024, 1, 15), D(2024, 2, 26))
    # Three months from 30 November end on the last day of February.
    assert not pts_assessable(D(2023, 11, 30), D(2024, 2, 28))
    assert pts_assessable(D(2023, 11, 30), D(2024, 2, 29))
