"""Kaplan-Meier estimates at 6, 12 and 24 months with the KMunicate table (pathway.md section 5).

lifelines' KaplanMeierFitter: on a day with events and censorings the censored episodes are
still at risk for the events (event before censoring); its confidence_interval_ is the
exponential Greenwood (log-log) interval, exp(-exp(log(-log S) -/+ z sqrt(V))) with
V = sum d/(n(n-d)) / (log S)^2. The table follows lifelines' add_at_risk_counts: at a time t,
`at_risk` counts the episodes still observed after t, `events` and `censored` those that ended
at or before t, so the three add up to the number of episodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Observation = tuple[int, bool, int]  # days, event, how many episodes
HORIZONS = {"6": 182, "12": 365, "24": 730}
FORMS = ("primary", "assisted_primary", "secondary")


def number(value: Any) -> float | None:
    """A fraction of lifelines' (a numpy float) as a plain one, 4 decimals; NaN as None."""
    exact = float(value)
    return None if math.isnan(exact) else round(exact, 4)


def weighted(observations: Iterable[Sequence[Any]]) -> list[Observation]:
    """(days, event) pairs or (days, event, count) triples -> (days, event, count) triples: the
    figures read episodes already grouped by day in SQL, the tests single episodes."""
    return [(int(o[0]), bool(o[1]), int(o[2]) if len(o) > 2 else 1) for o in observations]


def fitted(observations: Sequence[Observation]) -> Any:
    """lifelines' KaplanMeierFitter fitted on (days, event, count) triples, the counts as
    weights: one row of weight n is n episodes, with the same estimate and interval."""
    from lifelines import KaplanMeierFitter  # heavy: only when figures are asked for

    return KaplanMeierFitter().fit(
        [days for days, _, _ in observations],
        [event for _, event, _ in observations],
        weights=[n for _, _, n in observations],
    )


def km_table(
    observations: Iterable[Sequence[Any]], horizons: Mapping[str, int] = HORIZONS
) -> dict[str, dict[str, Any]]:
    """observations: (days, event) pairs, or (days, event, count) triples. {label: {estimate,
    ci_low, ci_high, at_risk, events, censored}} at each horizon. Estimates are fractions; null
    beyond the longest observation while the curve is above 0 (nobody followed that long), or
    with no episodes at all."""
    kept = [o for o in weighted(observations) if o[2] > 0]
    counts = {
        label: {
            "at_risk": sum(n for days, _, n in kept if days > t),
            "events": sum(n for days, event, n in kept if event and days <= t),
            "censored": sum(n for days, event, n in kept if not event and days <= t),
        }
        for label, t in horizons.items()
    }
    unknown: dict[str, float | None] = {"estimate": None, "ci_low": None, "ci_high": None}
    if not kept:
        return {label: unknown | counts[label] for label in horizons}
    fitter = fitted(kept)
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    longest = max(days for days, _, _ in kept)
    table: dict[str, dict[str, Any]] = {}
    for label, t in horizons.items():
        row = unknown
        if t <= longest or curve.iloc[-1] == 0:  # beyond the end only once the curve is at 0
            at = curve.index[curve.index <= t].max()
            row = {
                "estimate": number(curve.loc[at]),
                "ci_low": number(band.loc[at].iloc[0]),
                "ci_high": number(band.loc[at].iloc[1]),
            }
        table[label] = row | counts[label]
    return table


def km_summary(per_episode: Iterable[Mapping[str, tuple[int, bool]]]) -> dict[str, dict[str, Any]]:
    """{form: km_table} from patency()'s answers, one per episode."""
    episodes = list(per_episode)
    return {form: km_table([p[form] for p in episodes]) for form in FORMS}
