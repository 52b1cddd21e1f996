"""Time in stage: from the effective date of the move into a stage to the effective date of the
move out (or today), median and 90th percentile per stage (pathway.md section 5). Only the
moves that stand count (neither corrections nor moves undone by one); each stay in a stage is
one observation; terminal states, which nothing leaves, are not reported: the caller names the
active ones, in their order (pathway.codes.ACTIVE)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def percentile(values: Iterable[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Hyndman-Fan type 7)."""
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def _ranked(counts: Mapping[int, int], rank: int) -> int:
    """The value at 0-based `rank` of the sorted values that `counts` ({value: how many}) holds."""
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if rank < seen:
            return value
    raise IndexError(rank)


def percentile_of_counts(counts: Mapping[int, int], p: float) -> float:
    """percentile() of the values {value: how many} holds, without spelling them out."""
    n = sum(counts.values())
    h = (n - 1) * p
    lo = math.floor(h)
    low, high = _ranked(counts, lo), _ranked(counts, min(lo + 1, n - 1))
    return low + (h - lo) * (high - low)


def _summary(counts: Mapping[int, int]) -> dict[str, Any]:
    return {
        "median_days": round(float(percentile_of_counts(counts, 0.5)), 1),
        "p90_days": round(float(percentile_of_counts(counts, 0.9)), 1),
        "stays": sum(counts.values()),
    }


def time_in_stage_of_counts(
    stays: Mapping[str, Mapping[int, int]], states: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """stays: {state: {days: how many stays}}. {state: {"median_days", "p90_days", "stays"}}
    for each of `states` (the active ones) with a stay."""
    return {
        str(state): _summary(stays[state]) for state in states if sum(stays.get(state, {}).values())
    }


def time_in_stage(
    episodes: Iterable[Iterable[tuple[str, dt.date]]], today: dt.date, states: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """episodes: per episode its standing moves as (target, effective_on), in the order made.
    {state: {"median_days", "p90_days", "stays"}} for each of `states` with a stay."""
    stays: dict[str, dict[int, int]] = {}
    for standing in episodes:
        moves = list(standing)
        for i, (state, since) in enumerate(moves):
            until = moves[i + 1][1] if i + 1 < len(moves) else today
            days = (until - since).days
            stays.setdefault(state, {})
            stays[state][days] = stays[state].get(days, 0) + 1
    return time_in_stage_of_counts(stays, states)
