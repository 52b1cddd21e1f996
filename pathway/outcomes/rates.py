"""Complication rates: episodes with at least one complication of each kind, per 100 episodes
with a procedure, early and late apart (pathway.md section 5). Early means within 30 days of the
procedure it follows (the latest procedure dated on or before it, as Complication.early_after
derives it); a complication that follows no procedure is late."""

from __future__ import annotations

import datetime as dt

from pathway.codes import EARLY_DAYS, ComplicationKind


def is_early(occurred_on: dt.date, procedure_dates) -> bool:
    before = [d for d in procedure_dates if d <= occurred_on]
    return bool(before) and (occurred_on - max(before)).days <= EARLY_DAYS


def complication_rates(episodes, n: int | None = None) -> dict[str, dict[str, float]]:
    """episodes: (procedure dates, [(kind, occurred_on)]) per episode with a procedure, or only
    those with a complication when `n` gives the number of episodes with a procedure.
    {"early" | "late": {kind: per 100 episodes, 1 decimal}}, every kind present."""
    episodes = list(episodes)
    had = {"early": {}, "late": {}}
    for index, (dates, complications) in enumerate(episodes):
        for kind, occurred_on in complications:
            timing = "early" if is_early(occurred_on, dates) else "late"
            had[timing].setdefault(kind, set()).add(index)
    n = len(episodes) if n is None else n
    return {
        timing: {
            kind: round(100 * len(had[timing].get(kind, ())) / n, 1) if n else 0.0
            for kind in ComplicationKind.values
        }
        for timing in ("early", "late")
    }
