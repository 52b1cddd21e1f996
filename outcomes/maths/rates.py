"""Complication rates: episodes with at least one complication of each kind, per 100 episodes
with a procedure, early and late apart (pathway.md section 5). Early means within `early_days`
(30, pathway.codes.EARLY_DAYS) of the procedure it follows (the latest procedure dated on or
before it, as Complication.early_after derives it); a complication that follows no procedure is
late. The kinds and the days are the caller's: this module knows no model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

Episode = tuple[Sequence[dt.date], Sequence[tuple[str, dt.date]]]


def is_early(occurred_on: dt.date, procedure_dates: Iterable[dt.date], early_days: int) -> bool:
    before = [d for d in procedure_dates if d <= occurred_on]
    return bool(before) and (occurred_on - max(before)).days <= early_days


def complication_rates(
    episodes: Iterable[Episode],
    n: int | None = None,
    *,
    kinds: Sequence[str],
    early_days: int,
) -> dict[str, dict[str, float]]:
    """episodes: (procedure dates, [(kind, occurred_on)]) per episode with a procedure, or only
    those with a complication when `n` gives the number of episodes with a procedure.
    {"early" | "late": {kind: per 100 episodes, 1 decimal}}, every one of `kinds` present."""
    episodes = list(episodes)
    had: dict[str, dict[str, set[int]]] = {"early": {}, "late": {}}
    for index, (dates, complications) in enumerate(episodes):
        for kind, occurred_on in complications:
            timing = "early" if is_early(occurred_on, dates, early_days) else "late"
            had[timing].setdefault(kind, set()).add(index)
    counts = {(t, kind): len(seen) for t, by_kind in had.items() for kind, seen in by_kind.items()}
    return complication_rates_of(counts, len(episodes) if n is None else n, kinds=kinds)


def complication_rates_of(
    counts: Mapping[tuple[str, str], int], n: int, *, kinds: Sequence[str]
) -> dict[str, dict[str, float]]:
    """complication_rates from the counts SQL gives: {(early | late, kind): episodes with one}
    over `n` episodes with a procedure."""
    return {
        timing: {
            kind: round(100 * counts.get((timing, kind), 0) / n, 1) if n else 0.0 for kind in kinds
        }
        for timing in ("early", "late")
    }
