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

HORIZONS = {"6": 182, "12": 365, "24": 730}
FORMS = ("primary", "assisted_primary", "secondary")


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


def weighted(observations) -> list[tuple[int, bool, int]]:
    """(days, event) pairs or (days, event, count) triples -> (days, event, count) triples: the
    figures read episodes already grouped by day in SQL, the tests single episodes."""
    return [(o[0], bool(o[1]), o[2] if len(o) > 2 else 1) for o in observations]


def fitted(observations):
    """lifelines' KaplanMeierFitter fitted on (days, event, count) triples, the counts as
    weights: one row of weight n is n episodes, with the same estimate and interval."""
    from lifelines import KaplanMeierFitter  # heavy: only when figures are asked for

    return KaplanMeierFitter().fit(
        [days for days, _, _ in observations],
        [event for _, event, _ in observations],
        weights=[n for _, _, n in observations],
    )


def km_table(observations, horizons: dict[str, int] = HORIZONS) -> dict[str, dict]:
    """observations: (days, event) pairs, or (days, event, count) triples. {label: {estimate,
    ci_low, ci_high, at_risk, events, censored}} at each horizon. Estimates are fractions; null
    beyond the longest observation while the curve is above 0 (nobody followed that long), or
    with no episodes at all."""
    observations = [o for o in weighted(observations) if o[2] > 0]
    counts = {
        label: {
            "at_risk": sum(n for days, _, n in observations if days > t),
            "events": sum(n for days, event, n in observations if event and days <= t),
            "censored": sum(n for days, event, n in observations if not event and days <= t),
        }
        for label, t in horizons.items()
    }
    if not observations:
        return {
            label: {"estimate": None, "ci_low": None, "ci_high": None} | counts[label]
            for label in horizons
        }
    fitter = fitted(observations)
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    longest = max(days for days, _, _ in observations)
    table = {}
    for label, t in horizons.items():
        row = {"estimate": None, "ci_low": None, "ci_high": None}
        if t <= longest or curve.iloc[-1] == 0:  # beyond the end only once the curve is at 0
            at = curve.index[curve.index <= t].max()
            row = {
                "estimate": _number(curve.loc[at]),
                "ci_low": _number(band.loc[at].iloc[0]),
                "ci_high": _number(band.loc[at].iloc[1]),
            }
        table[label] = row | counts[label]
    return table


def km_summary(per_episode: list[dict[str, tuple[int, bool]]]) -> dict[str, dict]:
    """{form: km_table} from patency()'s answers, one per episode."""
    return {form: km_table([p[form] for p in per_episode]) for form in FORMS}
