"""The VKA patients' time in therapeutic range over a cohort (pathway.md section 5): how many
have one, the median and the share at 65% or more. Each episode's TTR, and which INR readings
count for it, is pathway.ttr's (the episode's pages show it too)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

GOOD_TTR = 65


def ttr_figures(known: Sequence[float]) -> dict[str, Any]:
    """The TTRs of the VKA patients who have one -> how many, their median TTR (a percentage,
    1 decimal) and the share (a fraction) with TTR >= 65%."""
    median = statistics.median(known) if known else None
    return ttr_figures_of(len(known), median, sum(v >= GOOD_TTR for v in known))


def ttr_figures_of(patients: int, median: float | None, good: int) -> dict[str, Any]:
    """ttr_figures from the counts SQL gives: how many patients have a TTR, their median and
    how many of them have TTR >= 65%."""
    return {
        "patients": patients,
        "median_ttr": round(median, 1) if median is not None else None,
        "share_ttr_65": round(good / patients, 3) if patients else None,
    }


def ttr_summary(ttrs: Mapping[int, float | None]) -> dict[str, Any]:
    """{episode: TTR} of the VKA episodes -> ttr_figures of those with a TTR, and each one's."""
    return ttr_figures([v for v in ttrs.values() if v is not None]) | {
        "ttr": [
            {"episode": episode, "ttr": None if v is None else round(v, 1)}
            for episode, v in sorted(ttrs.items())
        ],
    }
