"""Stent patency per episode in its three forms (pathway.md section 5), as (days, event).

Time zero is the index procedure date. Primary patency ends at the first duplex (scheduled or
not) showing stenosis or occlusion of any stented segment, or at any re-intervention, whichever
comes first. Only stented segments count: those stented at the index procedure and at any
re-intervention done by the day of the duplex (`duplex_of`); a finding on a segment that carries
no stent (a new popliteal clot) ends no form of patency. Assisted primary ends at the first
occlusion: an occluded duplex, or a re-intervention made for occlusion (a re-intervention for
stenosis, symptoms or other keeps it). Secondary ends at an occlusion unless a re-intervention
within 30 days of it reopened the stent (its own procedure note's completion venography patent).
Without the event an episode is censored at its last duplex showing patency for that form (no
stenosis nor occlusion for primary; no occlusion for the other two; for secondary a completion
venogram showing the stent reopened counts too), or at time zero when there is none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

REOPEN_DAYS = 30
PRIMARY, ASSISTED_PRIMARY, SECONDARY = "primary", "assisted_primary", "secondary"


@dataclass(frozen=True)
class Duplex:
    """One duplex (follow-up or visit): does any stented segment show stenosis, occlusion?"""

    on: dt.date
    stenosis: bool = False
    occluded: bool = False


def duplex_of(
    on: dt.date, findings: Iterable[tuple[str, str]], stents: Iterable[tuple[dt.date, str]]
) -> Duplex | None:
    """A duplex as patency reads it: `findings` (segment, patent | stenosis | occluded) read
    only on the segments stented by then, `stents` (the date of the procedure that placed it,
    segment) being those of the index procedure and of the standing re-interventions. None when
    it reports no stented segment: it says nothing of the stents."""
    stented = {segment for placed_on, segment in stents if placed_on <= on}
    seen = {result for segment, result in findings if segment in stented}
    if not seen:
        return None
    return Duplex(on, stenosis="stenosis" in seen, occluded="occluded" in seen)


@dataclass(frozen=True)
class Redo:
    """A standing re-intervention: the date of its move, its cause, and its own procedure note
    (date, and whether the completion venography was patent) when one is recorded."""

    on: dt.date
    cause: str  # stenosis | occlusion | symptoms | other
    reopened: bool | None = None  # the note's completion_patent
    note_on: dt.date | None = None

    @property
    def done_on(self) -> dt.date:
        return self.note_on or self.on


@dataclass(frozen=True)
class PatencyFacts:
    time_zero: dt.date
    duplexes: tuple[Duplex, ...] = field(default_factory=tuple)
    redos: tuple[Redo, ...] = field(default_factory=tuple)


def _days(facts: PatencyFacts, day: dt.date) -> int:
    return (day - facts.time_zero).days


def _censor(
    facts: PatencyFacts, patent: Callable[[Duplex], bool], also: Iterable[dt.date] = ()
) -> tuple[int, bool]:
    shown = [d.on for d in facts.duplexes if patent(d)] + list(also)
    return (_days(facts, max(shown)) if shown else 0), False


def _primary(facts: PatencyFacts) -> tuple[int, bool]:
    ends = [d.on for d in facts.duplexes if d.stenosis or d.occluded]
    ends += [r.on for r in facts.redos]
    if ends:
        return _days(facts, min(ends)), True
    return _censor(facts, lambda d: not (d.stenosis or d.occluded))


def _occlusions(facts: PatencyFacts) -> list[dt.date]:
    found = {d.on for d in facts.duplexes if d.occluded}
    found |= {r.on for r in facts.redos if r.cause == "occlusion"}
    return sorted(found)


def _assisted(facts: PatencyFacts) -> tuple[int, bool]:
    occlusions = _occlusions(facts)
    if occlusions:
        return _days(facts, occlusions[0]), True
    return _censor(facts, lambda d: not d.occluded)


def _reopened(facts: PatencyFacts, occluded_on: dt.date) -> bool:
    return any(
        r.reopened and 0 <= (r.done_on - occluded_on).days <= REOPEN_DAYS for r in facts.redos
    )


def _secondary(facts: PatencyFacts) -> tuple[int, bool]:
    for occluded_on in _occlusions(facts):
        if not _reopened(facts, occluded_on):
            return _days(facts, occluded_on), True
    # A completion venogram that showed the stent reopened is an observation of patency too.
    reopenings = [r.done_on for r in facts.redos if r.reopened]
    return _censor(facts, lambda d: not d.occluded, also=reopenings)


def patency(facts: PatencyFacts) -> dict[str, tuple[int, bool]]:
    """{form: (days from time zero, event)}. Facts dated before time zero are ignored."""
    facts = PatencyFacts(
        time_zero=facts.time_zero,
        duplexes=tuple(d for d in facts.duplexes if d.on >= facts.time_zero),
        redos=tuple(r for r in facts.redos if r.on >= facts.time_zero),
    )
    return {
        PRIMARY: _primary(facts),
        ASSISTED_PRIMARY: _assisted(facts),
        SECONDARY: _secondary(facts),
    }
