"""An explicit registry of what other apps do when the pathway moves or a record changes, and of
what the pathway reads of their rows.

Pathway never imports the tasks app: TasksConfig.ready() registers its handlers here, and the
writers call them inside their own transaction, after the history row exists. Not Django
signals: django-fsm's fire before the history row is written, and signals hide the flow. The
same ready() registers the readers of the facts the pathway shows or judges of the tasks app's
rows (owed follow-ups, urgent findings, INR results, the timeline's entries), so the pathway
reads no table of an app above it (tests/core/test_app_layers.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

after_move: list[Callable[..., None]] = []
after_record_change: list[Callable[..., None]] = []


def on_move(handler: Callable[..., None]) -> Callable[..., None]:
    """Register `handler(episode=, move=)`, called for every move inside its transaction."""
    if handler not in after_move:
        after_move.append(handler)
    return handler


def on_record_change(handler: Callable[..., None]) -> Callable[..., None]:
    """Register `handler(episode=, record=, before=, actor=, reason=)`, called when a pathway
    record is written, inside the writer's transaction. `before` is the earlier version's
    fields as a dict, or None for a new record."""
    if handler not in after_record_change:
        after_record_change.append(handler)
    return handler


def move_made(**kwargs) -> None:
    for handler in after_move:
        handler(**kwargs)


def record_changed(**kwargs) -> None:
    for handler in after_record_change:
        handler(**kwargs)


# --- reads: what the pathway shows and judges of rows kept by the apps above it ------------
# The tasks app keeps the follow-ups, visits and alerts; the episode page, the timeline, the
# worklist, the handover and the `surveillance_finished` guard need facts of them. Pathway never
# reads those tables: the app that keeps them registers a reader per fact in its ready()
# (tasks/readers.py), and the pathway asks for the fact by name, getting plain values back.
readers: dict[str, Callable[..., object]] = {}
# Records of an episode kept by other apps with their revisions (core/revisions.py), which the
# episode's revisions and timeline list with the pathway's own.
revised_records: list[type] = []


# The latest duplex's day and the stented segments it shows failing, (segment, result).
Failures = tuple[dt.date, list[tuple[str, str]]]


@dataclass(frozen=True)
class UrgentFinding:
    """An unresolved urgent-result alert as the `surveillance_finished` guard judges it: the same
    finding alerts more than one person (`finding` names what raised it), and is seen once any
    of its alerts is acknowledged."""

    finding: tuple
    acknowledged: bool
    text: str | None  # what was found, in words
    source: str  # where: the follow-up, visit or post-op check, in words


@dataclass(frozen=True)
class InrResult:
    """One INR check's or INR visit's result: `source` "follow_up" or "visit", its row's id."""

    source: str
    id: int
    performed_on: dt.date
    result: dict | None


@dataclass(frozen=True)
class OpenFollowUp:
    """A follow-up still owed or ahead, with its window and its status today."""

    id: int
    kind: str
    due_on: dt.date
    window_opens_on: dt.date
    window_closes_on: dt.date
    status: str


def provides(name: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register the reader of the fact `name` (one per fact; a later one replaces it)."""

    def register(reader: Callable[..., object]) -> Callable[..., object]:
        readers[name] = reader
        return reader

    return register


def keep_revisions_of(*models: type) -> None:
    """List `models` (each with `revision_name` and `history`, and an `episode`) among the
    records whose revisions the episode shows."""
    for model in models:
        if model not in revised_records:
            revised_records.append(model)


def read(name: str, **kwargs):
    """The fact `name`, from the reader an app registered for it."""
    try:
        reader = readers[name]
    except KeyError:
        raise LookupError(f"No installed app reads {name!r} for the pathway.") from None
    return reader(**kwargs)
