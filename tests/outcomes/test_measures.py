"""The section 5 measures as pure functions, each pinned against values worked by hand."""

import datetime as dt
import math
from fractions import Fraction
from functools import partial

import numpy
import pytest

from outcomes import maths
from outcomes.maths import (
    Duplex,
    PatencyFacts,
    Redo,
    duplex_of,
    km_summary,
    km_table,
    patency,
    percentile,
    percentile_of_counts,
    pts_counts,
    ttr_summary,
)
from outcomes.maths.km import HORIZONS
from pathway.codes import ACTIVE, EARLY_DAYS, ComplicationKind
from pathway.ttr import rosendaal_ttr, vka_readings, vka_ttr

# The maths know no model: the kinds, the early days and the active states are the pathway's.
complication_rates = partial(
    maths.complication_rates, kinds=ComplicationKind.values, early_days=EARLY_DAYS
)
ACTIVE_STATES = [state.value for state in ACTIVE]
time_in_stage = partial(maths.time_in_stage, states=ACTIVE_STATES)
time_in_stage_of_counts = partial(maths.time_in_stage_of_counts, states=ACTIVE_STATES)

T0 = dt.date(2024, 1, 1)


def day(n: int) -> dt.date:
    return T0 + dt.timedelta(days=n)


def patent(n):
    return Duplex(day(n))


def stenosis(n):
    return Duplex(day(n), stenosis=True)


def occluded(n):
    return Duplex(day(n), occluded=True)


def redo(n, cause, reopened=True, note=None):
    return Redo(day(n), cause, reopened, day(note if note is not None else n))


# Eight episodes. Worked by hand, per form: (days, event).
COHORT = {
    # stenosis at 100 treated at 110: primary ends, assisted and secondary go on to 400
    "A": PatencyFacts(
        T0, (patent(30), stenosis(100), patent(200), patent(400)), (redo(110, "stenosis"),)
    ),
    # occluded at 100, re-intervention decided 102 and done 105 reopened it (within 30 days)
    "B": PatencyFacts(
        T0, (patent(30), occluded(100), patent(300)), (redo(102, "occlusion", note=105),)
    ),
    "C": PatencyFacts(T0, (patent(30), patent(200))),  # censored at 200 ...
    "D": PatencyFacts(T0, (patent(30), occluded(200))),  # ... the day D's stent occludes
    "E": PatencyFacts(T0),  # no duplex: censored at time zero
    # occluded at 400, reopened only at 450: too late for secondary patency
    "F": PatencyFacts(
        T0, (patent(30), occluded(400), patent(500)), (redo(410, "occlusion", note=450),)
    ),
    # a re-intervention for symptoms ends primary patency only
    "G": PatencyFacts(T0, (patent(60), patent(800)), (redo(50, "symptoms"),)),
    # occluded at 60, the re-intervention failed to reopen it
    "H": PatencyFacts(T0, (patent(30), occluded(60)), (redo(70, "occlusion", reopened=False),)),
}
EXPECTED = {
    "A": {"primary": (100, True), "assisted_primary": (400, False), "secondary": (400, False)},
    "B": {"primary": (100, True), "assisted_primary": (100, True), "secondary": (300, False)},
    "C": {"primary": (200, False), "assisted_primary": (200, False), "secondary": (200, False)},
    "D": {"primary": (200, True), "assisted_primary": (200, True), "secondary": (200, True)},
    "E": {"primary": (0, False), "assisted_primary": (0, False), "secondary": (0, False)},
    "F": {"primary": (400, True), "assisted_primary": (400, True), "secondary": (400, True)},
    "G": {"primary": (50, True), "assisted_primary": (800, False), "secondary": (800, False)},
    "H": {"primary": (60, True), "assisted_primary": (60, True), "secondary": (60, True)},
}


@pytest.mark.parametrize("name", sorted(COHORT))
def test_patency_per_episode_in_its_three_forms(name):
    assert patency(COHORT[name]) == EXPECTED[name]


def test_a_reopening_after_the_last_duplex_censors_secondary_patency_at_the_venogram():
    facts = PatencyFacts(T0, (patent(30), occluded(90)), (redo(95, "occlusion", note=98),))
    assert patency(facts)["secondary"] == (98, False)


def test_facts_before_time_zero_are_ignored():
    facts = PatencyFacts(T0, (occluded(-3), patent(40)))
    assert patency(facts)["primary"] == (40, False)


# Stented segments only: the index stent in the left common iliac (day 0), a second one in the
# left external iliac placed at a re-intervention done on day 60.
STENTS = ((day(0), "left_common_iliac"), (day(60), "left_external_iliac"))


def test_a_non_stented_finding_leaves_patency_unchanged():
    clot = duplex_of(
        day(40), [("left_common_iliac", "patent"), ("left_popliteal", "occluded")], STENTS
    )
    assert clot == patent(40)
    with_clot = PatencyFacts(T0, (patent(30), clot, patent(90)))
    assert patency(with_clot) == patency(PatencyFacts(T0, (patent(30), patent(40), patent(90))))
    assert patency(with_clot)["primary"] == (90, False)


def test_a_segment_counts_from_the_procedure_that_stented_it():
    before = [("left_common_iliac", "patent"), ("left_external_iliac", "occluded")]
    assert duplex_of(day(50), before, STENTS) == patent(50)  # not stented yet
    assert duplex_of(day(60), before, STENTS) == occluded(60)  # stented that day
    assert duplex_of(day(70), [("left_external_iliac", "stenosis")], STENTS) == stenosis(70)


def test_a_duplex_of_no_stented_segment_says_nothing_of_the_stents():
    assert duplex_of(day(40), [("left_popliteal", "occluded")], STENTS) is None
    assert duplex_of(day(-1), [("left_common_iliac", "occluded")], STENTS) is None


def point(estimate, at_risk, events, censored):
    return {"estimate": estimate, "at_risk": at_risk, "events": events, "censored": censored}


# The Kaplan-Meier products worked by hand (n at risk, d events at each event time; on a day
# with an event and a censoring the censored episode is still at risk: event first).
HAND_TABLES = {
    # E censored 0; G 50 (7,1); H 60 (6,1); A,B 100 (5,2); D 200 with C censored (3,1); F 400 (1,1)
    "primary": {
        "6": point(3 / 7, 3, 4, 1),
        "12": point(2 / 7, 1, 5, 2),
        "24": point(0.0, 0, 6, 2),  # the curve reached 0 at 400: defined beyond it
    },
    # E 0c; H 60 (7,1); B 100 (6,1); D 200 + C censored (5,1); F 400 + A censored (3,1); G 800c
    "assisted_primary": {
        "6": point(5 / 7, 5, 2, 1),
        "12": point(4 / 7, 3, 3, 2),
        "24": point(8 / 21, 1, 4, 3),
    },
    # E 0c; H 60 (7,1); D 200 + C censored (6,1); B 300c; F 400 + A censored (3,1); G 800c
    "secondary": {
        "6": point(6 / 7, 6, 1, 1),
        "12": point(5 / 7, 3, 2, 3),
        "24": point(10 / 21, 1, 3, 4),
    },
}


def test_kaplan_meier_tables_match_the_hand_worked_ones():
    summary = km_summary([patency(COHORT[name]) for name in sorted(COHORT)])
    for form, table in HAND_TABLES.items():
        for label, hand in table.items():
            got = summary[form][label]
            assert got["estimate"] == pytest.approx(hand["estimate"], abs=5e-5), (form, label)
            assert {k: got[k] for k in ("at_risk", "events", "censored")} == {
                k: hand[k] for k in ("at_risk", "events", "censored")
            }, (form, label)
            # the KMunicate columns account for every episode
            assert got["at_risk"] + got["events"] + got["censored"] == len(COHORT)


Z = 1.959963984540054  # the 97.5th normal percentile


def loglog_ci(steps):
    """The exponential Greenwood (log-log) 95% interval from the formula, for the product of
    (n, d) steps: V = sum d/(n(n-d)) / (log S)^2, exp(-exp(log(-log S) +/- z sqrt V))."""
    s = math.prod(1 - d / n for n, d in steps)
    v = sum(d / (n * (n - d)) for n, d in steps) / math.log(s) ** 2
    c = math.log(-math.log(s))
    return math.exp(-math.exp(c + Z * math.sqrt(v))), math.exp(-math.exp(c - Z * math.sqrt(v)))


@pytest.mark.parametrize(
    ("form", "label", "steps"),
    [
        ("primary", "6", [(7, 1), (6, 1), (5, 2)]),
        ("primary", "12", [(7, 1), (6, 1), (5, 2), (3, 1)]),
        ("assisted_primary", "24", [(7, 1), (6, 1), (5, 1), (3, 1)]),
        ("secondary", "12", [(7, 1), (6, 1)]),
    ],
)
def test_the_confidence_interval_is_the_log_log_one_computed_by_hand(form, label, steps):
    summary = km_summary([patency(COHORT[name]) for name in sorted(COHORT)])
    low, high = loglog_ci(steps)
    assert summary[form][label]["ci_low"] == pytest.approx(low, abs=1e-4)
    assert summary[form][label]["ci_high"] == pytest.approx(high, abs=1e-4)
    assert low < summary[form][label]["estimate"] < high


def test_no_estimate_beyond_the_longest_follow_up_while_the_curve_is_above_zero():
    table = km_table([(100, True), (200, False), (300, False)])
    assert table["6"]["estimate"] == pytest.approx(2 / 3, abs=5e-5)
    assert table["24"] == {
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "at_risk": 0,
        "events": 1,
        "censored": 2,
    }


def test_no_episodes_gives_empty_tables():
    assert km_table([]) == {
        label: {
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "at_risk": 0,
            "events": 0,
            "censored": 0,
        }
        for label in HORIZONS
    }


# --- TTR ------------------------------------------------------------------------------------
def test_ttr_worked_example_of_the_guide_is_exactly_fifty():
    assert rosendaal_ttr([(0, "2.5"), (10, "3.5"), (20, "2.5")], "2.0", "3.0") == 50.0


def test_ttr_counts_fractions_of_days_and_includes_the_bounds():
    # 1.8 -> 2.6 over 7 days: in range from 2.0, i.e. 5.25 days; 2.6 -> 3.4 over 7 days: up to
    # 3.0, i.e. 3.5 days. 8.75 / 14 = 62.5%.
    assert rosendaal_ttr([(7, "2.6"), (0, "1.8"), (14, "3.4")], "2.0", "3.0") == 62.5
    assert rosendaal_ttr([(0, "3.0"), (10, "3.0")], "2.0", "3.0") == 100.0


def test_ttr_leaves_out_intervals_longer_than_56_days():
    # 0-10: 2.0 -> 4.0, in range 5 days; 10-80 (70 days) left out; 80-90: 2.5 flat, 10 days.
    readings = [(day(0), 2.0), (day(10), 4.0), (day(80), 2.5), (day(90), 2.5)]
    assert rosendaal_ttr(readings, 2.0, 3.0) == 75.0
    # exactly 56 days is kept: 2.5 -> 2.5 over 56, then 2.5 -> 3.5 over 10 (5 in): 61/66
    kept = [(day(0), "2.5"), (day(56), "2.5"), (day(66), "3.5")]
    assert rosendaal_ttr(kept, "2.0", "3.0") == float(Fraction(6100, 66))
    assert rosendaal_ttr([(day(0), "2.5"), (day(57), "2.5")], "2.0", "3.0") is None


def test_ttr_needs_two_readings():
    assert rosendaal_ttr([], "2.0", "3.0") is None
    assert rosendaal_ttr([(day(0), "2.5")], "2.0", "3.0") is None


def reading(n, inr, target=("2.0", "3.0")):
    """A stored INR result as the results writer keeps it: off a VKA, `"target": null`."""
    return day(n), {"inr": inr, "target": list(target) if target else None}


def test_a_range_change_leaves_past_ttr_unchanged():
    # The worked example on 2.0-3.0 (50%), then the range becomes 2.5-3.5: the next readings
    # carry it, and only the intervals that start at them are judged against it.
    past = [reading(0, "2.5"), reading(10, "3.5"), reading(20, "2.5")]
    assert vka_ttr(past) == 50.0
    later = [reading(30, "3.5", ("2.5", "3.5")), reading(40, "3.0", ("2.5", "3.5"))]
    # 20-30 (from the 2.0-3.0 reading): 5 days in; 30-40 (2.5-3.5): 10 days in. 25 / 40.
    assert vka_ttr(past + later) == 62.5
    assert rosendaal_ttr([(0, "2.5", ("2.0", "3.0")), (10, "3.5", ("2.5", "3.5"))]) == 50.0


def test_readings_taken_off_a_vka_do_not_count():
    doac = [reading(30, "1.1", None), reading(35, "1.2", None)]
    vka = [reading(0, "2.5"), reading(10, "3.5"), reading(20, "2.5")]
    assert vka_readings(vka + doac) == [
        (day(0), "2.5", ("2.0", "3.0")),
        (day(10), "3.5", ("2.0", "3.0")),
        (day(20), "2.5", ("2.0", "3.0")),
    ]
    assert vka_ttr(vka + doac) == 50.0  # a switch to a DOAC keeps the VKA period's TTR
    assert vka_ttr(doac) is None
    assert vka_ttr([reading(0, "2.5"), (day(5), {"inr": None}), (day(9), {})]) is None


def test_ttr_summary():
    summary = ttr_summary({3: 50.0, 1: 70.0, 2: None, 4: 65.0})
    assert summary["patients"] == 3
    assert summary["median_ttr"] == 65.0
    assert summary["share_ttr_65"] == pytest.approx(0.667)
    assert [row["episode"] for row in summary["ttr"]] == [1, 2, 3, 4]
    assert ttr_summary({}) == {"patients": 0, "median_ttr": None, "share_ttr_65": None, "ttr": []}


# --- PTS ------------------------------------------------------------------------------------
ITEMS = (
    "pain",
    "cramps",
    "heaviness",
    "paraesthesia",
    "pruritus",
    "pretibial_oedema",
    "skin_induration",
    "hyperpigmentation",
    "redness",
    "venous_ectasia",
    "pain_on_calf_compression",
)


def villalta(score: int, ulcer: bool = False) -> dict:
    items = dict.fromkeys(ITEMS, 0)
    for i in range(score):
        items[ITEMS[i % len(ITEMS)]] += 1
    return items | {"ulcer": ulcer}


def test_pts_counts_the_latest_assessment_from_three_months():
    cohort = [
        # severe before 3 months is not PTS; mild on the 3-month day; moderate later: moderate
        (
            T0,
            [
                (dt.date(2024, 2, 15), villalta(20)),
                (dt.date(2024, 4, 1), villalta(6)),
                (dt.date(2024, 7, 1), villalta(11)),
            ],
        ),
        (T0, [(dt.date(2024, 3, 31), villalta(12))]),  # only before 3 months: not counted
        (T0, [(dt.date(2024, 6, 1), villalta(2, ulcer=True))]),  # any ulcer: severe
        (T0, [(dt.date(2025, 1, 1), villalta(4))]),  # none
        (T0, []),
    ]
    assert pts_counts(cohort) == {"none": 1, "mild": 0, "moderate": 1, "severe": 1}


# --- complications --------------------------------------------------------------------------
def test_complication_rates_per_100_episodes_early_and_late():
    cohort = [
        ([day(0)], [("haematoma", day(5)), ("haematoma", day(10)), ("pts", day(200))]),
        # early after the re-intervention on day 100; late (60 days) after the index procedure
        ([day(0), day(100)], [("acute_stent_thrombosis", day(110)), ("recurrent_dvt", day(60))]),
        ([day(0)], [("haematoma", day(30))]),  # day 30 is still early
        ([day(0)], []),
    ]
    rates = complication_rates(cohort)
    nonzero = {t: {k: v for k, v in rates[t].items() if v} for t in rates}
    assert nonzero == {
        "early": {"haematoma": 50.0, "acute_stent_thrombosis": 25.0},
        "late": {"pts": 25.0, "recurrent_dvt": 25.0},
    }
    # every kind, zero or not
    assert set(rates["early"]) == set(rates["late"]) == set(ComplicationKind.values)
    thirds = complication_rates([([day(0)], [("pts", day(31))]), ([day(0)], []), ([day(0)], [])])
    assert thirds["late"]["pts"] == 33.3 and thirds["early"]["pts"] == 0.0


def test_complication_rates_of_no_episodes_are_zero():
    assert set(complication_rates([])["early"].values()) == {0.0}


# --- time in stage --------------------------------------------------------------------------
def test_time_in_stage_median_and_90th_percentile():
    today = day(100)
    cohort = [
        [
            ("selection", day(0)),
            ("mdt_discussion", day(10)),
            ("imaging", day(12)),
            ("procedure", day(20)),
            ("post_op", day(21)),
            ("surveillance", day(24)),
        ],
        [("selection", day(0)), ("mdt_discussion", day(4)), ("excluded", day(5))],
        [("selection", day(0))],
    ]
    stages = time_in_stage(cohort, today)
    # selection: 10, 4, 100 -> median 10; p90 at rank 1.8: 10 + 0.8 * 90 = 82
    assert stages["selection"] == {"median_days": 10.0, "p90_days": 82.0, "stays": 3}
    # mdt: 2, 1 -> median 1.5; p90 at rank 0.9: 1 + 0.9 * 1 = 1.9
    assert stages["mdt_discussion"] == {"median_days": 1.5, "p90_days": 1.9, "stays": 2}
    assert stages["surveillance"] == {"median_days": 76.0, "p90_days": 76.0, "stays": 1}
    assert "excluded" not in stages


def test_percentile_is_numpys_default():
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    for p in (0.1, 0.5, 0.9):
        assert percentile(values, p) == pytest.approx(numpy.percentile(values, 100 * p))


# --- grouped observations: what the figures read from SQL -------------------------------------
def test_kaplan_meier_on_grouped_episodes_equals_it_on_each_episode():
    """A row of weight n is n episodes: the same estimates, intervals and KMunicate counts."""
    rng = numpy.random.default_rng(7)
    episodes = [
        (int(d), bool(e))
        for d, e in zip(rng.integers(0, 800, 400), rng.random(400) < 0.3, strict=True)
    ]
    grouped = {}
    for days, event in episodes:
        grouped[days, event] = grouped.get((days, event), 0) + 1
    triples = [(days, event, n) for (days, event), n in grouped.items()]
    assert len(triples) < len(episodes)  # ties on the same day, with and without the event
    assert km_table(triples) == km_table(episodes)


def test_a_group_of_no_episodes_changes_nothing():
    assert km_table([(10, True, 2), (20, False, 0)]) == km_table([(10, True), (10, True)])


def test_percentile_of_counts_is_the_percentile_of_the_values_they_stand_for():
    rng = numpy.random.default_rng(11)
    for size in (1, 2, 3, 10, 101):
        values = [int(v) for v in rng.integers(0, 40, size)]
        counts = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        for p in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert percentile_of_counts(counts, p) == pytest.approx(percentile(values, p))


def test_time_in_stage_of_counts_equals_time_in_stage_of_the_moves():
    today = day(100)
    episodes = [
        [("selection", day(0)), ("mdt_discussion", day(3)), ("imaging", day(10))],
        [("selection", day(5)), ("mdt_discussion", day(5)), ("excluded", day(9))],
        [("selection", day(50))],
    ]
    stays = {}
    for moves in episodes:
        for i, (state, since) in enumerate(moves):
            until = moves[i + 1][1] if i + 1 < len(moves) else today
            by_days = stays.setdefault(state, {})
            by_days[(until - since).days] = by_days.get((until - since).days, 0) + 1
    assert time_in_stage_of_counts(stays) == time_in_stage(episodes, today)
    assert time_in_stage_of_counts(stays)["selection"] == {
        "median_days": 3.0,
        "p90_days": 40.6,
        "stays": 3,  # 0, 3, 50: 3 + 0.8 * 47
    }
