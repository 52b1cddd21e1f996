"""What the resources of many episodes are built from, read in a fixed number of queries
whatever the number of episodes or of their records: one per table (the episode with its
patient and one-to-one records, the moves, each kind of record, each revisions table). The
read of one episode ($everything), of a patient's episodes (a search) and of a batch of the
bulk export all go through here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Prefetch, Value

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
    Transition,
)
from tasks.models import FollowUp, Visit

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

    @property
    def id(self) -> int:
        return self.episode.id

    def revisions_of(self, record: str, record_id: int) -> list[Revision]:
        return self.revisions.get((record, record_id), [])

    def one_to_one(self, name: str):
        """The episode's selection, discharge plan or pre-procedure anticoagulation, or None."""
        return getattr(self.episode, name, None)


def episodes_load(episode_ids) -> dict[int, EpisodeData]:
    """Every episode of `episode_ids` with its records and their revisions, by id (in the
    order of the ids given; ids of no episode are left out)."""
    ids = list(episode_ids)
    if not ids:
        return {}
    stents = Stent.objects.prefetch_related("spans")
    episodes = (
        Episode.objects.filter(id__in=ids)
        .select_related("patient", "selection", "discharge_plan", "anticoagulation")
        .prefetch_related(
            Prefetch("history", Transition.objects.select_related("reintervention").order_by("id")),
            Prefetch(
                "procedure_notes",
                ProcedureNote.objects.prefetch_related(Prefetch("stents", stents)).order_by(
                    "date", "id"
                ),
            ),
            Prefetch("complications", Complication.objects.order_by("occurred_on", "id")),
            Prefetch("courses", AnticoagulationCourse.objects.order_by("started_on", "id")),
            Prefetch("measurements", Measurement.objects.order_by("measured_on", "id")),
            Prefetch(
                "follow_ups", FollowUp.objects.prefetch_related("segments").order_by("due_on", "id")
            ),
            Prefetch(
                "visits", Visit.objects.prefetch_related("segments").order_by("performed_on", "id")
            ),
            "alerts",
        )
    )
    found = {}
    for episode in episodes:
        found[episode.id] = EpisodeData(
            episode=episode,
            moves=list(episode.history.all()),
            notes=list(episode.procedure_notes.all()),
            complications=list(episode.complications.all()),
            courses=list(episode.courses.all()),
            measurements=list(episode.measurements.all()),
            follow_ups=list(episode.follow_ups.all()),
            visits=list(episode.visits.all()),
            alerts=sorted(episode.alerts.all(), key=lambda a: a.id),
        )
    for row in _revisions(list(found)):
        episode_id, record_id, history_id, at, kind, user_id, reason, name = row
        found[episode_id].revisions[(name, record_id)].append(
            Revision(name, record_id, history_id, at, kind, user_id, reason or "")
        )
    for data in found.values():
        for revisions in data.revisions.values():
            revisions.sort(key=lambda r: (r.at, r.history_id))
    return {i: found[i] for i in ids if i in found}


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
        model.history.model.objects.filter(episode_id__in=episode_ids)
        .annotate(record=Value(name, output_field=CharField()))
        .order_by()
        .values_list(*fields)
        for name, model in REVISED.items()
    ]
    return queries[0].union(*queries[1:], all=True)
