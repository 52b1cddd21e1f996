"""What the resources of many episodes are built from, read in a fixed number of queries
whatever the number of episodes or of their records: one per table (the episode with its
patient and one-to-one records, the moves, each kind of record, each revisions table). The
read of one episode ($everything), of a patient's episodes (a search) and of a batch of the
bulk export all go through here."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import CharField, F, Value

from pathway.models import (
    AnticoagulationCourse,
    Complication,
    DischargePlan,
    Episode,
    ImagingStudy,
    MdtDecision,
    Measurement,
    PostopCheck,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
    Stent,
    StentSegment,
    Transition,
)
from tasks.models import Alert, DuplexSegmentResult, FollowUp, Visit

# The records whose revisions are kept, by the name the API's revisions endpoint uses.
REVISED = {
    model.revision_name: model
    for model in (
        SelectionAssessment,
        MdtDecision,
        ImagingStudy,
        PreProcedureAnticoagulation,
        ProcedureNote,
        DischargePlan,
        Complication,
        PostopCheck,
        AnticoagulationCourse,
        Measurement,
        FollowUp,
        Visit,
    )
}


@dataclass(frozen=True)
class Revision:
    record: str  # the revision name of the record's kind
    record_id: int
    history_id: int
    at: object  # datetime
    type: str  # "+" created, "~" changed
    user_id: int | None
    reason: str


@dataclass
class EpisodeData:
    episode: Episode
    moves: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    complications: list = field(default_factory=list)
    courses: list = field(default_factory=list)
    measurements: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    revisions: dict = field(default_factory=lambda: defaultdict(list))
    stents: dict = field(default_factory=lambda: defaultdict(list))  # note id -> its stents
    spans: dict = field(default_factory=lambda: defaultdict(list))  # stent id -> its segments
    # ("follow_up" or "visit", id) -> its duplex segment results
    segments: dict = field(default_factory=lambda: defaultdict(list))

    @property
    def id(self) -> int:
        return self.episode.id

    def move(self, move_id: int | None):
        """One of the episode's moves by id (None: not one of them)."""
        if not hasattr(self, "_moves_by_id"):
            self._moves_by_id = {m.id: m for m in self.moves}
        return self._moves_by_id.get(move_id)

    def revisions_of(self, record: str, record_id: int) -> list[Revision]:
        return self.revisions.get((record, record_id), [])

    def stents_of(self, note) -> list:
        return self.stents.get(note.id, [])

    def segments_of(self, stent) -> list[str]:
        """The segments a stent spans, in order."""
        return self.spans.get(stent.id, [])

    def results_of(self, record) -> list:
        """A follow-up's or a visit's duplex segment results."""
        kind = "visit" if isinstance(record, Visit) else "follow_up"
        return self.segments.get((kind, record.id), [])

    def one_to_one(self, name: str):
        """The episode's selection, discharge plan or pre-procedure anticoagulation, or None."""
        return getattr(self.episode, name, None)


def _grouped(rows, key: str, found: dict, into: str) -> None:
    for row in rows:
        getattr(found[getattr(row, key)], into).append(row)


def episodes_load(episode_ids) -> dict[int, EpisodeData]:
    """Every episode of `episode_ids` with its records and their revisions, by id (in the
    order of the ids given; ids of no episode are left out). Rows are read table by table and
    grouped here, not prefetched: prefetching builds a queryset per parent row, which cost
    more than the rows themselves in a bulk export."""
    ids = list(episode_ids)
    if not ids:
        return {}
    episodes = Episode.objects.filter(id__in=ids).select_related(
        "patient", "selection", "discharge_plan", "anticoagulation"
    )
    found = {e.id: EpisodeData(episode=e) for e in episodes}
    ids = list(found)
    if not ids:
        return {}
    mine = {"episode_id__in": ids}
    _grouped(
        Transition.objects.filter(**mine).select_related("reintervention").order_by("id"),
        "episode_id",
        found,
        "moves",
    )
    _grouped(
        ProcedureNote.objects.filter(**mine).order_by("date", "id"), "episode_id", found, "notes"
    )
    _grouped(
        Complication.objects.filter(**mine).order_by("occurred_on", "id"),
        "episode_id",
        found,
        "complications",
    )
    _grouped(
        AnticoagulationCourse.objects.filter(**mine).order_by("started_on", "id"),
        "episode_id",
        found,
        "courses",
    )
    _grouped(
        Measurement.objects.filter(**mine).order_by("measured_on", "id"),
        "episode_id",
        found,
        "measurements",
    )
    _grouped(
        FollowUp.objects.filter(**mine).order_by("due_on", "id"), "episode_id", found, "follow_ups"
    )
    _grouped(
        Visit.objects.filter(**mine).order_by("performed_on", "id"), "episode_id", found, "visits"
    )
    _grouped(Alert.objects.filter(**mine).order_by("id"), "episode_id", found, "alerts")
    for stent in (
        Stent.objects.filter(note__episode_id__in=ids)
        .annotate(episode_id=F("note__episode_id"))
        .order_by("id")
    ):
        found[stent.episode_id].stents[stent.note_id].append(stent)
    for episode_id, stent_id, segment in (
        StentSegment.objects.filter(stent__note__episode_id__in=ids)
        .order_by("stent_id", "position")
        .values_list("stent__note__episode_id", "stent_id", "segment")
    ):
        found[episode_id].spans[stent_id].append(segment)
    for episode_id, follow_up_id, visit_id, segment, result in _segment_results(ids):
        key = ("follow_up", follow_up_id) if follow_up_id else ("visit", visit_id)
        found[episode_id].segments[key].append(SegmentResult(segment, result))
    for data in found.values():
        for results in data.segments.values():
            results.sort()
    for row in _revisions(ids):
        episode_id, record_id, history_id, at, kind, user_id, reason, name = row
        found[episode_id].revisions[(name, record_id)].append(
            Revision(name, record_id, history_id, at, kind, user_id, reason or "")
        )
    for data in found.values():
        for revisions in data.revisions.values():
            revisions.sort(key=lambda r: (r.at, r.history_id))
    return {i: found[i] for i in episode_ids if i in found}


def _revisions(episode_ids: list[int]):
    """Every revision of every record of the episodes: one query (UNION ALL over the
    revisions tables), each row naming its record's kind."""
    fields = (
        "episode_id",
        "id",
        "history_id",
        "history_date",
        "history_type",
        "history_user_id",
        "history_change_reason",
        "record",
    )
    queries = [
        model.objects.filter(episode_id__in=episode_ids)
        .annotate(record=Value(name, output_field=CharField()))
        .order_by()
        .values_list(*fields)
        for name, model in _historical().items()
    ]
    return queries[0].union(*queries[1:], all=True)


@functools.cache
def _historical() -> dict:
    """Each revised record's historical model (simple_history's `history` makes a manager
    class on every access)."""
    return {name: model.history.model for name, model in REVISED.items()}


class SegmentResult(NamedTuple):
    segment: str
    result: str


def _segment_results(episode_ids: list[int]):
    """The duplex segment results of the episodes' follow-ups and visits: one query, a UNION
    ALL of the two (an OR across both joins would read the whole table)."""
    fields = ("episode_id", "follow_up_id", "visit_id", "segment", "result")
    of_follow_ups = DuplexSegmentResult.objects.filter(
        follow_up__episode_id__in=episode_ids
    ).annotate(episode_id=F("follow_up__episode_id"))
    of_visits = DuplexSegmentResult.objects.filter(visit__episode_id__in=episode_ids).annotate(
        episode_id=F("visit__episode_id")
    )
    return (
        of_follow_ups.order_by()
        .values_list(*fields)
        .union(of_visits.order_by().values_list(*fields), all=True)
    )
