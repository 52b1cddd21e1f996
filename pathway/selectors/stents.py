"""The stented segments of episodes, and the stent recall: every patient who carries a stent of a
given lot or UDI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from core import roles
from core.errors import InvalidInput
from pathway.models import Stent, StentSegment

RECALL_LIMIT = 500  # more than any recall of one unit; the answer says when it was cut


@dataclass(frozen=True)
class Stented:
    """A segment a stent spans, the day of the procedure that placed it, and its note."""

    segment: str
    placed_on: dt.date
    note_id: int


def stented_segments(*, episode_ids: Iterable[int]) -> dict[int, list[Stented]]:
    """Each episode's stented segments: every segment spanned by a stent of any of its
    procedure notes (the index procedure and each re-intervention; a stent across two segments
    stents both), in the order placed (note, stent, position in the stent), with the day of the
    procedure that placed it and its note. Every episode asked for is a key. One query."""
    ids = sorted(set(episode_ids))
    found: dict[int, list[Stented]] = {episode_id: [] for episode_id in ids}
    spans = StentSegment.of_episode(ids).order_by("stent__note_id", "stent_id", "position")
    for episode_id, note_id, placed_on, segment in spans.values_list(
        "stent__note__episode_id", "stent__note_id", "stent__note__date", "segment"
    ):
        found[episode_id].append(Stented(segment, placed_on, note_id))
    return found


@dataclass(frozen=True)
class RecalledStent:
    stent: Stent
    patient_id: int
    mrn: str
    patient_name: str
    episode_id: int
    episode_state: str
    procedure_on: dt.date
    reintervention: bool
    segments: list[str]


def stent_recall(*, actor, lot: str = "", udi: str = "") -> list[RecalledStent]:
    """Every stent placed (at any procedure, index or re-intervention) whose lot number is `lot`
    (case and surrounding spaces ignored) or whose UDI contains `udi` (a recall often names the
    device identifier, the first part of each UDI), with its patient and episode: oldest
    procedure first. Two queries. Coordinators and admins."""
    roles.require(actor, roles.RECORD_PATHWAY_DATA, "search stents for a recall")
    lot, udi = (lot or "").strip(), (udi or "").strip()
    if not lot and not udi:
        raise InvalidInput({"lot": "Give the lot number or the UDI of the recalled stents."})
    for name, value in (("lot", lot), ("udi", udi)):
        if len(value) > 100:
            raise InvalidInput({name: "At most 100 characters."})
        if "\x00" in value:  # PostgreSQL cannot compare text with a NUL byte
            raise InvalidInput({name: "Null characters are not allowed."})
    match = Q()
    if lot:
        match |= Q(lot__iexact=lot)
    if udi:
        match |= Q(udi__icontains=udi)
    stents = (
        Stent.objects.filter(match)
        .select_related("note__episode__patient")
        .prefetch_related("spans")
        .order_by("note__date", "note_id", "id")[:RECALL_LIMIT]
    )
    rows = []
    for stent in stents:
        note = stent.note
        episode, patient = note.episode, note.episode.patient
        rows.append(
            RecalledStent(
                stent=stent,
                patient_id=patient.id,
                mrn=patient.mrn,
                patient_name=f"{patient.given_name} {patient.family_name}",
                episode_id=episode.id,
                episode_state=episode.state,
                procedure_on=note.date,
                reintervention=note.reintervention_id is not None,
                segments=stent.segments,
            )
        )
    return rows
