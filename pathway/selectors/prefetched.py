"""Rules read from prefetched rows: the rules (pathway/rules) ask the episode for its records with
queryset calls (`episode.imaging_studies.filter(...)`, `episode.current_procedure_note()`, ...),
which would cost queries per rule and per row. Read through `Prefetched`, the same rules and
the same Episode methods run unchanged, but the relations they read are answered from rows
prefetched once (`Rows` understands the few lookups the rules use and refuses any other, so a
new rule cannot silently read wrong data). The worklist reads a page of episodes this way, the
episode view one episode with every move leaving its state.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

from django.db.models import prefetch_related_objects
from django.utils import timezone

from pathway import hooks
from pathway.codes import State
from pathway.models import Episode

# `courses`: the anticoagulated guard reads them (pathway.md section 7).
PREFETCH = ("mdt_decisions", "imaging_studies", "procedure_notes", "history", "courses")
# What section 7's warnings and VTE-BLEED read: the episode view's, not the worklist's.
JOURNEY = ("measurements",)
RELATED = ("selection", "anticoagulation", "discharge_plan")


def _matches(row, key: str, value) -> bool:
    name, _, op = key.partition("__")
    f = row._meta.get_field(name)
    current = getattr(row, f.attname)
    if hasattr(value, "_meta"):  # a model instance: compare keys
        value = value.pk
    if op in ("", "exact"):
        return current == value
    if op == "in":
        return current in value
    if op == "isnull":
        return (current is None) == bool(value)
    if op == "gte":
        return current is not None and current >= value
    if op == "lte":
        return current is not None and current <= value
    raise NotImplementedError(f"The worklist cannot read the lookup {key!r} from prefetched rows.")


class Rows:
    """Prefetched rows answering the queryset calls the rules and Episode methods make."""

    def __init__(self, rows):
        self._rows = list(rows)

    def all(self):
        return self

    def filter(self, **lookups):
        return Rows(r for r in self._rows if all(_matches(r, k, v) for k, v in lookups.items()))

    def exclude(self, **lookups):
        keep = [r for r in self._rows if not all(_matches(r, k, v) for k, v in lookups.items())]
        return Rows(keep)

    def order_by(self, *keys):
        rows = list(self._rows)
        if not rows:
            return self
        for key in reversed(keys):
            name = key.lstrip("-")
            attname = "pk" if name == "pk" else rows[0]._meta.get_field(name).attname
            rows.sort(key=operator.attrgetter(attname), reverse=key.startswith("-"))
        return Rows(rows)

    def first(self):
        return self._rows[0] if self._rows else None

    def get(self, **lookups):
        (row,) = self.filter(**lookups)
        return row

    def exists(self) -> bool:
        return bool(self._rows)

    def count(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows)


if TYPE_CHECKING:
    # To the type checker a Prefetched is the Episode it stands in for: the rules take one.
    _StandsIn = Episode
else:
    _StandsIn = object


class Prefetched(_StandsIn):
    """An episode whose relations read by the rules come from prefetched rows."""

    # The Episode methods the rules call, run against the prefetched relations.
    last_move_into = Episode.last_move_into
    standing_move = Episode.standing_move
    standing_moves = Episode.standing_moves
    last_correctable_move = Episode.last_correctable_move
    current_reintervention = Episode.current_reintervention
    current_procedure_note = Episode.current_procedure_note
    opened_on = Episode.opened_on

    def __init__(self, episode: Episode, owed: int, urgent=(), failures=None):
        self._episode = episode
        self._owed = owed
        self._urgent = list(urgent)
        self._failures = failures
        history = list(episode.history.all())
        undone = {m.corrects_id for m in history if m.corrects_id}
        self._standing = [m for m in history if m.corrects_id is None and m.id not in undone]
        # The rows stand in for the relations (class-level managers to the type checker).
        self.mdt_decisions = Rows(episode.mdt_decisions.all())  # type: ignore[misc]
        self.imaging_studies = Rows(episode.imaging_studies.all())  # type: ignore[misc]
        self.procedure_notes = Rows(episode.procedure_notes.all())  # type: ignore[misc]
        self.history = Rows(history)  # type: ignore[misc]
        cached = getattr(episode, "_prefetched_objects_cache", {})
        for name in ("courses", *JOURNEY):
            if name in cached:  # else read through the episode, a query each
                setattr(self, name, Rows(cached[name]))

    @property
    def episode(self) -> Episode:
        return self._episode

    def __getattr__(self, name):
        return getattr(self._episode, name)

    def effective_history(self):
        return Rows(self._standing)

    def follow_ups_owed(self, *, today) -> int:
        return self._owed

    def urgent_findings(self) -> list:
        return self._urgent

    def latest_duplex_failures(self):
        return self._failures


def owed_counts(episodes: list[Episode]) -> dict[int, int]:
    """The follow-ups owed by each episode in surveillance (the tasks app's reader)."""
    ids = [e.id for e in episodes if e.state == State.SURVEILLANCE]
    if not ids:
        return {}
    return hooks.read("follow_ups_owed", episode_ids=ids, today=timezone.localdate())


def prefetched(episodes: list[Episode], *, journey: bool = False) -> list[Prefetched]:
    """The episodes with what the rules read loaded in a fixed number of queries (one per
    relation, one for the follow-ups owed and, for those in surveillance, three for what
    finishing it depends on), whatever their number; `journey`: also their courses and
    measurements (the warnings of section 7), one query each."""
    episodes = list(episodes)
    prefetch_related_objects(episodes, *PREFETCH, *(JOURNEY if journey else ()))
    owed = owed_counts(episodes)
    watched = [e.id for e in episodes if e.state == State.SURVEILLANCE]
    urgent = hooks.read("urgent_findings", episode_ids=watched) if watched else {}
    failures = hooks.read("duplex_failures", episode_ids=watched) if watched else {}
    return [
        Prefetched(e, owed.get(e.id, 0), urgent.get(e.id, ()), failures.get(e.id)) for e in episodes
    ]
