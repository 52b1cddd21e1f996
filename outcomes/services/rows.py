"""Keeping each operated episode's outcome facts (outcomes.models.EpisodeOutcome) in line with
the records they are reduced from.

The admin's figures aggregate one row per episode; reducing 2 million rows of results per
request took 45 s at 100,000 episodes. A row is refreshed in the transaction that changes any
fact it is reduced from: a procedure note or discharge plan (pathway's after-record hook), a
re-intervention or a correction (pathway's after-move hook), a duplex or INR result (tasks'
after-results hook); OutcomesConfig.ready() registers the three.
`episode_outcomes_rebuild` writes every row again from scratch (`manage.py outcomes_rebuild`),
and a test proves the refreshed rows equal to the rebuilt ones. Each write of a row refreshes
the episode's counts in the figures (counts.py) in the same transaction; every other move and
a complication refresh the counts alone. A bulk load that commits patient
by patient (the synthetic cohort) defers the refreshes with `outcomes_deferred` and reduces the
episodes it touched together, batch by batch: the same rows, nine queries a batch (the
counts' refresh one of them).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from outcomes import maths
from outcomes.maths import PatencyFacts, Redo
from outcomes.models import EpisodeOutcome
from outcomes.services.counts import episode_counts_refresh, outcome_counts_rebuild
from pathway import ttr
from pathway.codes import Anticoagulant
from pathway.models import (
    Complication,
    DischargePlan,
    Episode,
    ProcedureNote,
    Reintervention,
    Transition,
)
from pathway.selectors.stents import stented_segments
from tasks.models import DuplexSegmentResult, FollowUp, Visit

# Moves after which an episode's outcome facts may have changed: a re-intervention (primary
# patency ends, a new note follows) and a correction (which may undo one).
MOVES_THAT_CHANGE_OUTCOMES = frozenset({"reintervene", "correct"})
# Results that change it: a duplex (patency, Villalta) and an INR reading (TTR).
OUTCOME_KINDS = ("duplex", "inr_check")
REBUILD_BATCH = 2000
_deferred: ContextVar[set[int] | None] = ContextVar("outcomes_deferred", default=None)


def _records(episode_ids: list[int]):
    """Performed follow-ups and visits (duplex and INR) with their duplex findings: three
    queries. Each record has episode, kind, on, result and, from its segment results,
    `findings`: (segment, result) pairs."""
    records: dict[tuple[str, int], dict[str, Any]] = {}
    for row in FollowUp.objects.filter(
        episode_id__in=episode_ids, performed_on__isnull=False, cancelled_at__isnull=True
    ).values("id", "episode_id", "kind", "performed_on", "result"):
        records["f", row["id"]] = dict(row)
    for visit in Visit.objects.filter(episode_id__in=episode_ids).values(
        "id", "episode_id", "kind", "performed_on", "result"
    ):
        records["v", visit["id"]] = dict(visit)
    # Two sides of one UNION, each joined to its parent by an indexed key (an OR across the two
    # joins read the whole segment table: 4.7 ms a refresh at 1,000 patients, growing with it).
    segments = DuplexSegmentResult.objects.values("follow_up_id", "visit_id", "segment", "result")
    for seg in segments.filter(follow_up__episode_id__in=episode_ids).union(
        segments.filter(visit__episode_id__in=episode_ids), all=True
    ):
        key = ("f", seg["follow_up_id"]) if seg["follow_up_id"] else ("v", seg["visit_id"])
        record = records.get(key)
        if record is None:
            continue
        record.setdefault("findings", []).append((seg["segment"], seg["result"]))
    return records.values()


def _stents(episode_ids: list[int], standing_notes: set[int]) -> dict[int, list]:
    """{episode: [(the date of the procedure that placed it, segment)]}: every segment spanned by
    the stents of the index procedures and of the standing re-interventions (one undone by a
    correction placed none); a stent across two segments stents both. One query."""
    stents: defaultdict[int, list[tuple[Any, str]]] = defaultdict(list)
    for episode, spans in stented_segments(episode_ids=episode_ids).items():
        stents[episode] += [(s.placed_on, s.segment) for s in spans if s.note_id in standing_notes]
    return stents


def _reduced(episode_ids: list[int]) -> list[EpisodeOutcome]:
    """The outcome rows of those episodes that have an index procedure, from their facts in a
    fixed number of queries (eight), through the pure functions of outcomes.maths."""
    notes = defaultdict(list)  # episode -> its procedure notes, oldest first
    for row in ProcedureNote.objects.filter(episode_id__in=episode_ids).values(
        "episode_id", "id", "date", "reintervention_id", "completion_patent", "underlying_lesion"
    ):
        notes[row["episode_id"]].append(row)
    index = {
        episode: next(n for n in rows if n["reintervention_id"] is None)
        for episode, rows in notes.items()
        if any(n["reintervention_id"] is None for n in rows)
    }
    note_of_move = {n["reintervention_id"]: n for rows in notes.values() for n in rows}

    redos = defaultdict(list)
    standing_notes = {n["id"] for n in index.values()}
    for redo in Reintervention.objects.filter(
        move__episode_id__in=episode_ids, move__corrected_by__isnull=True
    ).values("move_id", "move__episode_id", "move__effective_on", "cause"):
        note = note_of_move.get(redo["move_id"])
        if note:
            standing_notes.add(note["id"])
        redos[redo["move__episode_id"]].append(
            Redo(
                on=redo["move__effective_on"],
                cause=redo["cause"],
                reopened=note["completion_patent"] if note else None,
                note_on=note["date"] if note else None,
            )
        )

    stents = _stents(episode_ids, standing_notes)
    duplexes, villalta, inr = defaultdict(list), defaultdict(list), defaultdict(list)
    for record in sorted(_records(episode_ids), key=lambda r: (r["performed_on"], r["id"])):
        episode, result = record["episode_id"], record["result"] or {}
        if "findings" in record:
            duplex = maths.duplex_of(record["performed_on"], record["findings"], stents[episode])
            if duplex is not None:
                duplexes[episode].append(duplex)
        if result.get("villalta"):
            villalta[episode].append((record["performed_on"], result["villalta"]))
        if record["kind"] == "inr_check":
            inr[episode].append((record["performed_on"], result))

    on_vka = set(
        DischargePlan.objects.filter(
            episode_id__in=episode_ids, anticoagulant=Anticoagulant.VKA
        ).values_list("episode_id", flat=True)
    )

    rows = []
    for episode, note in sorted(index.items()):
        time_zero = note["date"]
        patency = maths.patency(
            PatencyFacts(time_zero, tuple(duplexes[episode]), tuple(redos[episode]))
        )
        pts = maths.pts_category(time_zero, villalta[episode])
        # A VKA patient: discharged on one, or with readings taken on one (kept after a switch).
        readings = ttr.vka_readings(inr[episode])
        vka = episode in on_vka or bool(readings)
        rows.append(
            EpisodeOutcome(
                episode_id=episode,
                time_zero=time_zero,
                lesion=note["underlying_lesion"],
                **{
                    f"{form}_{part}": value
                    for form, (days, event) in patency.items()
                    for part, value in (("days", days), ("event", bool(event)))
                },
                pts=pts,
                vka=vka,
                ttr=ttr.rosendaal_ttr(readings),
            )
        )
    return rows


FIELDS = [f.name for f in EpisodeOutcome._meta.concrete_fields if not f.primary_key]


def _write(episode_ids: list[int], counts: bool = True) -> int:
    """Under the episodes' locks, so that two writers of the same episode's facts (two results
    recorded at once) reduce one after the other, the second reading the first's committed
    facts, rather than each overwriting the row without the other's. Then the figures' counts
    follow the rows (unless `counts` is False: the rebuild counts everything afterwards)."""
    with transaction.atomic():
        list(Episode.objects.select_for_update().filter(id__in=episode_ids).values_list("id"))
        rows = _reduced(episode_ids)
        now = timezone.now()
        for row in rows:
            row.reduced_at = now
        kept = [r.episode_id for r in rows]
        if set(kept) != set(episode_ids):  # else there is no row to delete: no statement
            EpisodeOutcome.objects.filter(episode_id__in=episode_ids).exclude(
                episode_id__in=kept
            ).delete()
        EpisodeOutcome.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["episode"], update_fields=FIELDS
        )
        if counts:
            episode_counts_refresh(episode_ids=episode_ids)
    return len(rows)


def episode_outcomes_refresh(*, episode_ids: Iterable[int]) -> int:
    """Reduce these episodes' facts again (inside the caller's transaction, which changed
    them); an episode without an index procedure has no row. Returns the rows written (none
    while deferred: the episodes are reduced when the deferral flushes)."""
    pending = _deferred.get()
    if pending is not None:
        pending.update(episode_ids)
        return 0
    return _write(sorted(set(episode_ids)))


class Deferred:
    """The episodes whose outcome facts changed since the last flush."""

    def __init__(self, pending: set[int]):
        self.pending = pending

    def flush(self) -> int:
        """Reduce them, from their committed facts: call it outside the writers' transactions
        (a rolled-back episode has no facts, hence no row)."""
        ids, written = sorted(self.pending), 0
        self.pending.clear()
        for start in range(0, len(ids), REBUILD_BATCH):
            written += _write(ids[start : start + REBUILD_BATCH])
        return written


@contextlib.contextmanager
def outcomes_deferred() -> Iterator[Deferred]:
    """Inside, refreshes only note their episodes; they are reduced on `flush()` and on leaving
    (also after an error, so that patients already committed have their rows)."""
    deferred = Deferred(set())
    token = _deferred.set(deferred.pending)
    try:
        yield deferred
    finally:
        _deferred.reset(token)
        deferred.flush()


def episode_outcomes_rebuild(*, batch_size: int = REBUILD_BATCH, progress=None) -> int:
    """Every episode's row again from its facts, in batches (`progress(n)` after each), then
    every count of the figures from them."""
    ids = list(Episode.objects.order_by("id").values_list("id", flat=True))
    EpisodeOutcome.objects.exclude(episode_id__in=Episode.objects.values("id")).delete()
    written = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        written += _write(batch, counts=False)
        if progress is not None:
            progress(len(batch))
    outcome_counts_rebuild()
    return written


def outcomes_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **_) -> None:
    """After `migrate` (post_migrate): reduce the operated episodes that have no outcome row,
    as Django writes its own derived rows (content types, permissions) after migrating. A
    database upgraded across tasks 0008, which creates the table empty, gets its rows here,
    from today's code on today's schema; a migration never runs today's code (OutcomesConfig
    connects it). Nothing is done
    while the table is absent, no row is missing, or migrations remain to be applied."""
    connection = connections[using]
    if EpisodeOutcome._meta.db_table not in connection.introspection.table_names():
        return
    missing = list(
        Episode.objects.using(using)
        .filter(procedure_notes__reintervention__isnull=True, outcome__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
        .distinct()
    )
    if not missing:
        return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    for start in range(0, len(missing), REBUILD_BATCH):
        _write(missing[start : start + REBUILD_BATCH])


def outcomes_after_move(*, episode: Episode, move: Transition) -> None:
    """Every move closes a stay and opens another (the counts); a re-intervention or a
    correction may change the outcome row too (which then refreshes the counts)."""
    changes_row = move.name in MOVES_THAT_CHANGE_OUTCOMES
    if changes_row:
        episode_outcomes_refresh(episode_ids=[episode.id])  # the counts too, unless deferred
    if not changes_row or _deferred.get() is not None:
        episode_counts_refresh(episode_ids=[episode.id])


OUTCOME_RECORDS = (ProcedureNote, DischargePlan)


def outcomes_after_record_change(*, episode: Episode, record, before, actor, reason) -> None:
    """A procedure note or discharge plan changes the outcome row (and with it the counts); a
    complication, the complication counts."""
    if isinstance(record, OUTCOME_RECORDS):
        episode_outcomes_refresh(episode_ids=[episode.id])
    elif isinstance(record, Complication):
        episode_counts_refresh(episode_ids=[episode.id])


def outcomes_after_results(*, results: Iterable[tuple[int, str]]) -> None:
    """tasks' after-results hook: (episode, kind) of each result written; a duplex or an INR
    changes the episode's outcome facts."""
    if changed := {episode for episode, kind in results if kind in OUTCOME_KINDS}:
        episode_outcomes_refresh(episode_ids=changed)
