"""The coordinator's worklist: counts per state, the filtered page of episodes, and for each row
the next forward move with the rules that block it, in a fixed number of queries.

The list opens on what needs action (`NEEDS`): an urgent result nobody has acknowledged, a
stalled wait, a follow-up overdue or due, then the work-up stages (selection to post-op, where
moves are made and blocked), and only then the rest, surveillance with nothing owed: today's
work is on page 1, not patients merely "Ready" to finish surveillance after 1,500 days. The
rank is computed by the database (one CASE over small subqueries: the open alerts and owed
follow-ups), so ordering and pagination stay one query whatever the number of episodes.

A search looks in every tab (the state tab narrows it only when one is chosen) and the counts
per state say where its matches lie.

Each row's rules read prefetched rows (pathway/selectors/prefetched.py): one query per relation
for the whole page, and one for the follow-ups owed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from core import roles
from pathway import hooks, machine
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
EVERY = "all"  # every state, closed ones too: where a search looks unless a tab is chosen
WORK_UP = (State.SELECTION, State.MDT_DISCUSSION, State.IMAGING, State.PROCEDURE, State.POST_OP)


class Need:
    """Why a row needs action, most pressing first (the list's order)."""

    URGENT = 0  # an urgent result nobody has acknowledged
    STALLED = 1  # a stalled wait (tasks: stalled alerts, resolved by the next move)
    OVERDUE = 2  # a follow-up whose window has closed
    DUE = 3  # a follow-up whose window is open
    WORK_UP = 4  # selection to post-op: moves to make, or blocked
    REST = 5  # surveillance with nothing owed; closed episodes


NEED_WORDS = {
    Need.URGENT: "Urgent result to acknowledge",
    Need.STALLED: "Stalled",
    Need.OVERDUE: "Follow-up overdue",
    Need.DUE: "Follow-up due",
}


def _forward_moves() -> dict[str, machine.Move]:
    """The move that takes each stage one step along the pathway (surveillance → completed)."""
    order = [*STAGES, State.COMPLETED]
    found: dict[str, machine.Move] = {}
    for here, there in zip(order, order[1:], strict=False):
        move = next(m for m in machine.MOVES if m.source == here and m.target == there)
        found[here] = move
    return found


FORWARD = _forward_moves()


def forward_blockers(episodes: Sequence[Episode]) -> dict[int, tuple[machine.Move | None, list]]:
    """For each episode, its next forward move and the rules that block it now, in a fixed
    number of queries (one per prefetched relation and one for follow-ups owed)."""
    found = {}
    for episode in prefetched(list(episodes)):
        move = FORWARD.get(episode.state)
        found[episode.id] = (move, move.unmet(episode) if move else [])
    return found


# --- the list --------------------------------------------------------------------------------
@dataclass
class Filters:
    state: str = ""  # "": all open episodes, or every state while searching
    mine: bool = False
    blocked: bool = False
    min_days: int | None = None
    search: str = ""

    @property
    def tab(self) -> str:
        """The tab shown: the one chosen, else every state while searching, else the open."""
        return self.state or (EVERY if self.search.strip() else OPEN)


@dataclass
class Row:
    episode: Episode
    patient: Patient
    state: str
    days_in_stage: int
    next_move: str | None
    blockers: list[Unmet] = field(default_factory=list)
    need: int = Need.REST

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def need_words(self) -> str:
        if self.need in NEED_WORDS:
            return NEED_WORDS[self.need]
        if self.blockers:
            return "Blocked"
        return "To move on" if self.need == Need.WORK_UP else ""


@dataclass
class Worklist:
    counts: dict[str, int]
    open_count: int
    page: Page
    rows: list[Row]
    filters: Filters

    @property
    def searching(self) -> bool:
        return bool(self.filters.search.strip())

    @property
    def total(self) -> int:
        """Episodes in every state under the search and filters."""
        return sum(self.counts.values())

    @property
    def elsewhere(self) -> list[tuple[str, int]]:
        """While searching, the states holding matches, with how many: where they lie."""
        return [(s, n) for s, n in self.counts.items() if n]


def _needs(today: dt.date) -> Case:
    """Each episode's `Need`, in the database: membership of small sets (the open alerts, the
    follow-ups owed: subqueries the tasks app's reader hands over), each a subquery the planner
    hashes once."""
    sets = hooks.read("needs", today=today)
    urgent, stalled, overdue, owed = (sets[k] for k in ("urgent", "stalled", "overdue", "owed"))
    return Case(
        When(id__in=urgent, then=Value(Need.URGENT)),
        When(id__in=stalled, then=Value(Need.STALLED)),
        When(id__in=overdue, then=Value(Need.OVERDUE)),
        When(id__in=owed, then=Value(Need.DUE)),
        When(state__in=WORK_UP, then=Value(Need.WORK_UP)),
        default=Value(Need.REST),
        output_field=IntegerField(),
    )


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
    """The page of episodes matching `filters`, what needs action first, with counts per state
    under the same search and filters (all but the state tab and `blocked`, which is known for
    a page's rows only)."""
    roles.require(actor, roles.RUN_TRANSITIONS, "use the coordinator's worklist")
    base = _episodes(actor, filters)
    counts = {s: 0 for s in State.values}
    for r in base.order_by().values("state").annotate(n=Count("id")):
        counts[r["state"]] = r["n"]
    open_count = sum(counts[s] for s in ACTIVE)

    today = timezone.localdate()
    qs = base.annotate(need=_needs(today))
    if filters.tab == OPEN:
        qs = qs.exclude(state__in=TERMINAL)
    elif filters.tab != EVERY:
        qs = qs.filter(state=filters.tab)
    qs = qs.select_related(
        "patient",
        "selection",
        "anticoagulation",
        "discharge_plan",
        "assigned_nurse",
        "assigned_coordinator",
    ).order_by("need", "stage_since", "id")  # type: ignore[misc]  # need, then the longest waiting

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
                need=e.need,  # type: ignore[attr-defined]  # annotated above
            )
        )
    return Worklist(counts, open_count, page_obj, rows, filters)


def patients_without_open_episode(actor) -> QuerySet[Patient]:
    """Patients an episode may be opened for: none open already."""
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    return Patient.objects.exclude(
        id__in=Episode.objects.exclude(state__in=TERMINAL).values("patient_id")
    )
