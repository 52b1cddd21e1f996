"""The coordinator's worklist: counts per state, the filtered page of episodes, and for each row
the next forward move with the rules that block it, in a fixed number of queries.

The rules (pathway/rules) ask the episode for its records with queryset calls
(`episode.imaging_studies.filter(...)`, `episode.current_procedure_note()`, ...), which would
cost queries per row. Here each row's episode is read through `_Prefetched`: the same rules and
the same Episode methods run unchanged, but the relations they read are answered from rows
prefetched once for the whole page (`_Rows` understands the few lookups the rules use and
refuses any other, so a new rule cannot silently read wrong data). Follow-ups owed are counted
for all rows in one query.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from core import roles
from pathway import machine
from pathway.codes import ACTIVE, TERMINAL, State
from pathway.labels import STAGES
from pathway.models import Episode
from pathway.rules import Unmet
from patients.models import Patient
from patients.selectors import patient_search

PER_PAGE = 25
OPEN = "open"
PREFETCH = ("mdt_decisions", "imaging_studies", "procedure_notes", "history")


def _forward_moves() -> dict[str, machine.Move]:
    """The move that takes each stage one step along the pathway (surveillance → completed)."""
    order = [*STAGES, State.COMPLETED]
    found = {}
    for here, there in zip(order, order[1:], strict=False):
        move = next(m for m in machine.MOVES if m.source == here and m.target == there)
        found[here] = move
    return found


FORWARD = _forward_moves()


# --- rules read from prefetched rows ---------------------------------------------------------
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


class _Rows:
    """Prefetched rows answering the queryset calls the rules and Episode methods make."""

    def __init__(self, rows):
        self._rows = list(rows)

    def all(self):
        return self

    def filter(self, **lookups):
        return _Rows(r for r in self._rows if all(_matches(r, k, v) for k, v in lookups.items()))

    def exclude(self, **lookups):
        keep = [r for r in self._rows if not all(_matches(r, k, v) for k, v in lookups.items())]
        return _Rows(keep)

    def order_by(self, *keys):
        rows = list(self._rows)
        if not rows:
            return self
        for key in reversed(keys):
            name = key.lstrip("-")
            attname = "pk" if name == "pk" else rows[0]._meta.get_field(name).attname
            rows.sort(key=operator.attrgetter(attname), reverse=key.startswith("-"))
        return _Rows(rows)

    def first(self):
        return self._rows[0] if self._rows else None

    def exists(self) -> bool:
        return bool(self._rows)

    def count(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows)


class _Prefetched:
    """An episode whose relations read by the rules come from prefetched rows."""

    # The Episode methods the rules call, run against the prefetched relations.
    last_move_into = Episode.last_move_into
    standing_move = Episode.standing_move
    last_correctable_move = Episode.last_correctable_move
    current_reintervention = Episode.current_reintervention
    current_procedure_note = Episode.current_procedure_note

    def __init__(self, episode: Episode, owed: int):
        self._episode = episode
        self._owed = owed
        history = list(episode.history.all())
        undone = {m.corrects_id for m in history if m.corrects_id}
        self._standing = [m for m in history if m.corrects_id is None and m.id not in undone]
        self.mdt_decisions = _Rows(episode.mdt_decisions.all())
        self.imaging_studies = _Rows(episode.imaging_studies.all())
        self.procedure_notes = _Rows(episode.procedure_notes.all())
        self.history = _Rows(history)

    def __getattr__(self, name):
        return getattr(self._episode, name)

    def effective_history(self):
        return _Rows(self._standing)

    def follow_ups_owed(self, *, today) -> int:
        return self._owed


def _owed_counts(episodes: list[Episode]) -> dict[int, int]:
    ids = [e.id for e in episodes if e.state == State.SURVEILLANCE]
    if not ids:
        return {}
    follow_ups = Episode._meta.get_field("follow_ups").related_model.objects
    rows = (
        follow_ups.owed(today=timezone.localdate())
        .filter(episode_id__in=ids)
        .values("episode_id")
        .annotate(n=Count("id"))
    )
    return {r["episode_id"]: r["n"] for r in rows}


def forward_blockers(episodes: list[Episode]) -> dict[int, tuple[machine.Move | None, list]]:
    """For each episode, its next forward move and the rules that block it now, in a fixed
    number of queries (one per prefetched relation and one for follow-ups owed)."""
    episodes = list(episodes)
    prefetch_related_objects(episodes, *PREFETCH)
    owed = _owed_counts(episodes)
    found = {}
    for episode in episodes:
        move = FORWARD.get(episode.state)
        unmet = move.unmet(_Prefetched(episode, owed.get(episode.id, 0))) if move else []
        found[episode.id] = (move, unmet)
    return found


# --- the list --------------------------------------------------------------------------------
@dataclass
class Filters:
    state: str = OPEN
    mine: bool = False
    blocked: bool = False
    min_days: int | None = None
    search: str = ""


@dataclass
class Row:
    episode: Episode
    patient: Patient
    state: str
    days_in_stage: int
    next_move: str | None
    blockers: list[Unmet] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)


@dataclass
class Worklist:
    counts: dict[str, int]
    open_count: int
    page: Page
    rows: list[Row]
    filters: Filters


def _episodes(actor, filters: Filters) -> QuerySet[Episode]:
    today = timezone.localdate()
    # The move service keeps entered_on: the sort by days in stage reads an index.
    qs = Episode.objects.annotate(stage_since=F("entered_on"))
    if filters.search.strip():
        qs = qs.filter(patient__in=patient_search(actor=actor, text=filters.search))
    if filters.mine:
        qs = qs.filter(Q(assigned_coordinator=actor) | Q(assigned_nurse=actor))
    if filters.min_days is not None:
        qs = qs.filter(stage_since__lte=today - dt.timedelta(days=filters.min_days))
    return qs


def worklist(actor, filters: Filters, *, page: int | str = 1) -> Worklist:
    """The page of episodes matching `filters`, with counts per state under the same search and
    filters (all but the state tab and `blocked`, which is known for a page's rows only)."""
    roles.require(actor, roles.RUN_TRANSITIONS, "use the coordinator's worklist")
    base = _episodes(actor, filters)
    counts = {s: 0 for s in State.values}
    for r in base.order_by().values("state").annotate(n=Count("id")):
        counts[r["state"]] = r["n"]
    open_count = sum(counts[s] for s in ACTIVE)

    qs = base
    if filters.state == OPEN:
        qs = qs.exclude(state__in=TERMINAL)
    else:
        qs = qs.filter(state=filters.state)
    qs = qs.select_related(
        "patient",
        "selection",
        "anticoagulation",
        "discharge_plan",
        "assigned_nurse",
        "assigned_coordinator",
    ).order_by("stage_since", "id")  # the longest in their stage first

    if filters.blocked:
        # Which rows are blocked is known only by running the rules: run them for every
        # candidate (still a fixed number of queries), keep the blocked, then paginate.
        candidates = list(qs)
        blockers = forward_blockers(candidates)
        episodes = [e for e in candidates if blockers[e.id][1]]
        paginator = Paginator(episodes, PER_PAGE)
        page_obj = paginator.get_page(page)
        page_rows = list(page_obj.object_list)
    else:
        paginator = Paginator(qs, PER_PAGE)
        page_obj = paginator.get_page(page)
        page_rows = list(page_obj.object_list)
        blockers = forward_blockers(page_rows)

    today = timezone.localdate()
    rows = []
    for e in page_rows:
        move, unmet = blockers[e.id]
        rows.append(
            Row(
                episode=e,
                patient=e.patient,
                state=e.state,
                days_in_stage=(today - e.stage_since).days,
                next_move=move.name if move else None,
                blockers=unmet,
            )
        )
    return Worklist(counts, open_count, page_obj, rows, filters)


def patients_without_open_episode(actor) -> QuerySet[Patient]:
    """Patients an episode may be opened for: none open already."""
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    return Patient.objects.exclude(
        id__in=Episode.objects.exclude(state__in=TERMINAL).values("patient_id")
    )
