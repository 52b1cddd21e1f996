"""The coordinator's worklist: counts per state, the filtered page of episodes, and for each row
the next forward move with the rules that block it, in a fixed number of queries.

Each row's rules read prefetched rows (pathway/selectors/prefetched.py): one query per relation
for the whole page, and one for the follow-ups owed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core import roles
from pathway import machine
from pathway.codes import ACTIVE, TERMINAL, State
from pathway.labels import STAGES
from pathway.models import Episode
from pathway.rules import Unmet
from pathway.selectors.episodes import days_in_stage
from pathway.selectors.prefetched import prefetched
from patients.models import Patient
from patients.selectors import patient_search

PER_PAGE = 25
OPEN = "open"


def _forward_moves() -> dict[str, machine.Move]:
    """The move that takes each stage one step along the pathway (surveillance → completed)."""
    order = [*STAGES, State.COMPLETED]
    found = {}
    for here, there in zip(order, order[1:], strict=False):
        move = next(m for m in machine.MOVES if m.source == here and m.target == there)
        found[here] = move
    return found


FORWARD = _forward_moves()


def forward_blockers(episodes: list[Episode]) -> dict[int, tuple[machine.Move | None, list]]:
    """For each episode, its next forward move and the rules that block it now, in a fixed
    number of queries (one per prefetched relation and one for follow-ups owed)."""
    found = {}
    for episode in prefetched(episodes):
        move = FORWARD.get(episode.state)
        found[episode.id] = (move, move.unmet(episode) if move else [])
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
                days_in_stage=days_in_stage(e, today=today),
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
