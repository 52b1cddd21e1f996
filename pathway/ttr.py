"""Time in therapeutic range by Rosendaal's linear interpolation (pathway.md sections 5 and 7).

Between consecutive INR readings the INR is taken to change linearly; TTR is the share of that
time it lies inside the target range, bounds included, computed exactly (rational arithmetic,
not whole days). An interval longer than 56 days counts in neither numerator nor denominator.
Target ranges are dated: each reading keeps the range in force when it was taken, and an
interval is judged against the range at its start, so a new range never rewrites the past.

Which readings count is decided here once (`vka_readings`): for the episode view and the
handover, the bridging rule's readings in range (pathway.models.readings) and each episode's
kept outcome row (hence the outcomes' figures). Pure, and in pathway because the episode's own
pages show its TTR; the outcomes app only gathers the episodes' TTRs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

MAX_GAP_DAYS = 56
Reading = tuple[dt.date, Any, tuple[Any, ...]]  # as stored: (performed_on, INR, (low, high))


def _exact(value: object) -> Fraction:
    return Fraction(Decimal(str(value)))


def _in_range_share(v0: Fraction, v1: Fraction, low: Fraction, high: Fraction) -> Fraction:
    """The share of [0, 1] along which v0 + s (v1 - v0) lies in [low, high]."""
    if v0 == v1:
        return Fraction(1) if low <= v0 <= high else Fraction(0)
    a, b = (low - v0) / (v1 - v0), (high - v0) / (v1 - v0)
    start, end = max(Fraction(0), min(a, b)), min(Fraction(1), max(a, b))
    return max(Fraction(0), end - start)


def rosendaal_ttr(
    readings: Sequence[tuple[Any, ...]],
    low: object = None,
    high: object = None,
    max_gap_days: int = MAX_GAP_DAYS,
) -> float | None:
    """readings: (date or day number, INR) pairs in any order, judged against `low`-`high`; or
    (date or day number, INR, (low, high)) triples, each interval judged against the range of
    the reading at its start. The TTR as a percentage, or None with fewer than two readings or
    no interval counted."""
    if len(readings) < 2:
        return None
    origin = min(reading[0] for reading in readings)

    def day_of(day: object) -> Fraction:
        return Fraction((day - origin).days) if isinstance(day, dt.date) else _exact(day)

    def target(reading: tuple[Any, ...]) -> tuple[Fraction, Fraction]:
        start, end = reading[2] if len(reading) > 2 else (low, high)
        return _exact(start), _exact(end)

    points = sorted((day_of(r[0]), _exact(r[1]), *target(r)) for r in readings)
    inside = total = Fraction(0)
    for (t0, v0, low0, high0), (t1, v1, _, _) in zip(points, points[1:], strict=False):
        span = t1 - t0
        if span == 0 or span > max_gap_days:
            continue
        total += span
        inside += span * _in_range_share(v0, v1, low0, high0)
    if total == 0:
        return None
    return float(100 * inside / total)


def counts_for_ttr(result: Mapping[str, Any] | None) -> bool:
    """Whether an INR result counts: it has an INR and the target range it was taken against
    (`result["target"]`), so it was taken on a VKA. One taken while not on a VKA
    (`"target": null`) does not, and whatever the episode's anticoagulant is now, the VKA
    readings still count (a switch to a DOAC keeps the VKA period's TTR)."""
    if not result:
        return False
    return result.get("inr") not in (None, "") and bool(result.get("target"))


def vka_readings(records: Iterable[tuple[dt.date, Mapping[str, Any] | None]]) -> list[Reading]:
    """The INR readings that count for TTR (`counts_for_ttr`), oldest first, as (date, INR,
    (low, high)). `records`: (performed_on, result) of an episode's performed INR checks and
    INR visits, in any order."""
    counted = [
        (on, result["inr"], tuple(result["target"]))
        for on, result in records
        if result is not None and counts_for_ttr(result)
    ]
    return sorted(counted, key=lambda reading: reading[0])


def vka_ttr(records: Iterable[tuple[dt.date, Mapping[str, Any] | None]]) -> float | None:
    """The episode's Rosendaal TTR over its VKA readings (`vka_readings`), each interval judged
    against the target range stored on the reading at its start; None without two of them."""
    return rosendaal_ttr(vka_readings(records))
