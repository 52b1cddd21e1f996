"""Time in stage: from the effective date of the move into a stage to the effective date of the
move out (or today), median and 90th percentile per stage (pathway.md section 5). Only the
moves that stand count (neither corrections nor moves undone by one); each stay in a stage is
one observation; terminal states, which nothing leaves, are not reported."""

from __future__ import annotations

import datetime as dt
import math
import statistics

from pathway.codes import ACTIVE


def percentile(values, p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Hyndman-Fan type 7)."""
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def time_in_stage(episodes, today: dt.date) -> dict[str, dict]:
    """episodes: per episode its standing moves as (target, effective_on), in the order made.
    {state: {"median_days", "p90_days", "stays"}} for each active state with a stay."""
    stays: dict[str, list[int]] = {}
    for moves in episodes:
        moves = list(moves)
        for i, (state, since) in enumerate(moves):
            until = moves[i + 1][1] if i + 1 < len(moves) else today
            stays.setdefault(state, []).append((until - since).days)
    return {
        state.value: {
            "median_days": round(float(statistics.median(stays[state])), 1),
            "p90_days": round(float(percentile(stays[state], 0.9)), 1),
            "stays": len(stays[state]),
        }
        for state in ACTIVE
        if stays.get(state)
    }
