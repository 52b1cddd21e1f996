"""What every episode writer shares: the row lock, the checks on a record write, dates."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from core.revisions import facts_of, mark
from pathway import hooks, machine
from pathway.codes import ACTIVE, TERMINAL
from pathway.models import Episode, Transition
from pathway.rules import date_problem


@dataclass(frozen=True)
class Writer:
    """A record writer, and what the pages and the API read of it instead of restating it;
    each writer module declares its own (`WRITERS`, beside the functions), and the writer's own
    checks read the same entry.

    - `open_in`: the states the service accepts a write in (never a closed episode);
    - `offered_in`: the states the episode page offers its form in, where the record is
      expected (within `open_in`; the API may write it in any state of `open_in`);
    - `relied_on_by`: the move that relies on the record: once it stands, a change needs a
      reason;
    - `record`: the attribute of `selectors.EpisodeRecords` the API and the page read it from;
      `single`: one current record, replaced (else records added one by one).
    """

    service: Callable
    open_in: tuple[str, ...] = ACTIVE
    offered_in: tuple[str, ...] | None = None
    relied_on_by: str | None = None
    record: str = ""
    single: bool = False

    @property
    def offered(self) -> tuple[str, ...]:
        return self.open_in if self.offered_in is None else self.offered_in

    def relied_on_in(self, state: str) -> bool:
        """Whether a move relying on the record has been made by the time the episode is in
        `state`: the states from that move's target on (the page then asks for a reason
        before the service does)."""
        if self.relied_on_by is None:
            return False
        target = machine.by_name(self.relied_on_by).target  # type: ignore[union-attr]  # a move
        return state in ACTIVE[ACTIVE.index(target) :]


def lock(episode_id: int, *, patient: bool = True, related: tuple[str, ...] = ()) -> Episode:
    """The episode, locked for the caller's transaction; `patient`: read with its patient and
    its referral date (the record writers check dates against both; a move's rules read
    neither); `related`: one-to-one records read with it in the same statement."""
    try:
        return _locking(patient, related).get(id=episode_id)
    except Episode.DoesNotExist:
        raise NotFound("No such episode.") from None


@functools.cache
def _locking(patient: bool, related: tuple[str, ...]) -> models.QuerySet[Episode]:
    """lock()'s statement before its episode is named, built once for each shape: building
    the join and the subquery was a third of the time a lock took in Python. Never evaluated
    itself: each lock() filters a copy."""
    episodes = Episode.objects.select_for_update(of=("self",))
    if patient:
        episodes = episodes.select_related("patient").annotate(
            referral_date=Episode.opened_on_subquery()
        )
    if related:
        episodes = episodes.select_related(*related)
    return episodes


def editable(episode_id: int, actor, *, states=None, dates=None) -> Episode:
    """Lock the episode for a record write; refuse a closed episode, a state the record does
    not belong to, and dates before the patient was born."""
    roles.require(actor, roles.RECORD_PATHWAY_DATA, "record pathway data")
    episode = lock(episode_id)
    born = episode.patient.birth_date
    early = {
        k: "This date is before the patient's birth."
        for k, v in (dates or {}).items()
        if v is not None and v < born
    }
    if early:
        raise InvalidInput(early)
    if episode.state in TERMINAL:
        raise Conflict(f"The episode is closed ('{episode.state}'); its records cannot change.")
    if states and episode.state not in states:
        raise Conflict(
            f"This record can be written only in {', '.join(states)}; the episode is in "
            f"'{episode.state}'."
        )
    return episode


def no_future(**dates) -> None:
    errors = {k: p for k, v in dates.items() if (p := date_problem(v))}
    if errors:
        raise InvalidInput(errors)


def unique(values) -> list:
    return list(dict.fromkeys(values))


# --- the timeline (pathway.md section 2) ------------------------------------------------------
def not_before(limit: dt.date | None, what: str, *, hint: str = "", **dates) -> None:
    """Refuse dates before `limit` (a date of the episode's timeline, named by `what`) with a
    400 naming that date; `hint`: what to do when that date itself is wrong."""
    if limit is None:
        return
    errors = {
        field: f"This date is before {what} ({limit.isoformat()}).{' ' + hint if hint else ''}"
        for field, value in dates.items()
        if value is not None and value < limit
    }
    if errors:
        raise InvalidInput(errors)


def not_after(limit: dt.date | None, what: str, **dates) -> None:
    """Refuse dates after `limit` (a later record or move that depends on this one) with a 400
    naming that date: correcting an earlier fact must not leave a later one before it."""
    if limit is None:
        return
    errors = {
        field: f"This date is after {what} ({limit.isoformat()})."
        for field, value in dates.items()
        if value is not None and value > limit
    }
    if errors:
        raise InvalidInput(errors)


def after_referral(episode: Episode, **dates) -> None:
    not_before(episode.opened_on(), "the referral date", **dates)


# --- writing a record -------------------------------------------------------------------------
UNCHECKED = (models.JSONField, models.ForeignKey)  # checked by the writers themselves


def relied_on_by(
    episode: Episode,
    move: str | None,
    *,
    since: Transition | None = None,
    among: dict[str, Transition | None] | None = None,
):
    """The standing move `move` that relied on a record (made after `since`, when given;
    `among`: the moves `episode.standing_moves` read with it)."""
    return episode.standing_move(move, since=since, among=among) if move else None


def record_write(
    record, *, episode, actor, reason="", values: dict, parts=None, relied_on=None, save_parts=None
):
    """Write a record's new values and keep its earlier version as a revision, with who and
    why, in the caller's transaction; then tell the after-record handlers. Nothing changes
    (and no revision is written) when the values are those already recorded. Changing a record
    that a standing move relied on needs a reason: `relied_on()` returns that move, asked only
    then (a new record, an unchanged one or a change with a reason reads no move).
    `save_parts(record)` writes the rows of its parts (a note's stents) after the record and
    before the handlers, which read them."""
    reason = (reason or "").strip()
    creating = record._state.adding
    before = None if creating else facts_of(record)
    if parts is not None and not creating:
        before.update(record.revision_parts)  # type: ignore[union-attr]  # not creating: read
    for name, value in values.items():
        setattr(record, name, value)
    if parts is not None:
        record.revision_parts = parts
    after = facts_of(record)
    if before == after:
        return record, False
    relied = None if before is None or reason or relied_on is None else relied_on()
    if relied is not None:
        raise InvalidInput(
            {
                "reason": f"This record was relied on by '{relied.name}' on "
                f"{relied.effective_on.isoformat()}; give a reason to change it."
            }
        )
    record.recorded_by = actor
    record.recorded_at = timezone.now()
    mark(record, actor=actor, reason=reason, parts=parts)
    unchecked = [f.name for f in record._meta.concrete_fields if isinstance(f, UNCHECKED)]
    record.clean_fields(exclude=unchecked)  # choices, ranges, lengths: a 400, never a 500
    record.save()
    if save_parts is not None:
        save_parts(record)
    hooks.record_changed(episode=episode, record=record, before=before, actor=actor, reason=reason)
    return record, True
