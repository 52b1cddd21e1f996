"""Time in therapeutic range by Rosendaal's linear interpolation (pathway.md section 5).

Between consecutive INR readings the INR is taken to change linearly; TTR is the share of that
time it lies inside the target range, bounds included, computed exactly (rational arithmetic,
not whole days). An interval longer than 56 days counts in neither numerator nor denominator.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from fractions import Fraction

MAX_GAP_DAYS = 56
GOOD_TTR = 65


def _exact(value) -> Fraction:
    return Fraction(Decimal(str(value)))


def _in_range_share(v0: Fraction, v1: Fraction, low: Fraction, high: Fraction) -> Fraction:
    """The share of [0, 1] along which v0 + s (v1 - v0) lies in [low, high]."""
    if v0 == v1:
        return Fraction(1) if low <= v0 <= high else Fraction(0)
    a, b = (low - v0) / (v1 - v0), (high - v0) / (v1 - v0)
    start, end = max(Fraction(0), min(a, b)), min(Fraction(1), max(a, b))
    return max(Fraction(0), end - start)


def rosendaal_ttr(readings, low, high, max_gap_days: int = MAX_GAP_DAYS) -> float | None:
    """readings: (date or day number, INR) pairs in any order. The TTR as a percentage, or None
    with fewer than two readings or no interval counted."""
    if len(readings) < 2:
        return None
    origin = min(day for day, _ in readings)

    def day_of(day) -> Fraction:
        return Fraction((day - origin).days) if isinstance(day, dt.date) else _exact(day)

    points = sorted((day_of(day), _exact(inr)) for day, inr in readings)
    low, high = _exact(low), _exact(high)
    inside = total = Fraction(0)
    for (t0, v0), (t1, v1) in zip(points, points[1:], strict=False):
        span = t1 - t0
        if span == 0 or span > max_gap_days:
            continue
        total += span
        inside += span * _in_range_share(v0, v1, low, high)
    if total == 0:
        return None
    return float(100 * inside / total)


def ttr_figures(known: list[float]) -> dict:
    """The TTRs of the VKA patients who have one -> how many, their median TTR (a percentage,
    1 decimal) and the share (a fraction) with TTR >= 65%."""
    return {
        "patients": len(known),
        "median_ttr": round(statistics.median(known), 1) if known else None,
        "share_ttr_65": round(sum(v >= GOOD_TTR for v in known) / len(known), 3) if known else None,
    }


def ttr_summary(ttrs: dict[int, float | None]) -> dict:
    """{episode: TTR} of the VKA episodes -> ttr_figures of those with a TTR, and each one's."""
    return ttr_figures([v for v in ttrs.values() if v is not None]) | {
        "ttr": [
            {"episode": episode, "ttr": None if v is None else round(v, 1)}
            for episode, v in sorted(ttrs.items())
        ],
    }
