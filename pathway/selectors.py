"""Reads on episodes, each with a fixed number of queries whatever the number of patients."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from core import roles
from core.errors import InvalidInput, NotFound
from pathway import machine, rules
from pathway.codes import State
from pathway.models import Episode, Transition
from pathway.rules import Unmet


def _last_move():
    return Transition.objects.filter(episode=OuterRef("pk")).order_by("-id")


def episode_list(*, actor, state: str | None = None) -> QuerySet[Episode]:
    roles.require(actor, roles.VIEW_EPISODES, "see episodes")
    qs = Episode.objects.select_related("patient").annotate(
        state_since=Subquery(_last_move().values("recorded_at")[:1]),
        state_effective_on=Subquery(_last_move().values("effective_on")[:1]),
    )
    if state:
        if state not in State.values:
            raise InvalidInput({"state": f"Unknown state. Known: {', '.join(State.values)}."})
        qs = qs.filter(state=state)
    return qs.order_by("-id")


@dataclass
class MoveView:
    name: str
    target: str | None
    allowed: bool
    unmet: list[Unmet]
    reason_required: bool
    permitted: bool


@dataclass
class EpisodeView:
    episode: Episode
    transitions: list[MoveView]
    warnings: list[Unmet]
    days_in_state: int


def episode_get(*, actor, episode_id: int) -> Episode:
    roles.require(actor, roles.VIEW_EPISODES, "see episodes")
    try:
        return episode_list(actor=actor).get(id=episode_id)
    except Episode.DoesNotExist:
        raise NotFound("No such episode.") from None


def episode_view(*, actor, episode_id: int) -> EpisodeView:
    """The episode with every move leaving its state and the rules that block each now."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    views = []
    for move in machine.moves_from(episode.state):
        unmet = move.unmet(episode)
        perm = roles.CORRECT_TRANSITIONS if move.admin_only else roles.RUN_TRANSITIONS
        target = move.target
        if move.name == "correct" and not unmet:
            target = episode.last_correctable_move().source
        views.append(
            MoveView(
                name=move.name,
                target=target,
                allowed=not unmet,
                unmet=unmet,
                reason_required=move.reason_required,
                permitted=actor.has_perm(perm),
            )
        )
    since = episode.state_since or episode.created_at
    days = (timezone.now() - since).days
    return EpisodeView(episode, views, rules.warnings(episode), days)


def episode_history(*, actor, episode_id: int) -> QuerySet[Transition]:
    episode = episode_get(actor=actor, episode_id=episode_id)
    return episode.history.select_related("actor").order_by("id")


@dataclass
class EpisodeRecords:
    selection: object | None
    mdt_decisions: list
    imaging_studies: list
    anticoagulation: object | None
    procedure_notes: list
    current_procedure_note: object | None
    discharge_plan: object | None


def _optional(episode, name):
    try:
        return getattr(episode, name)
    except ObjectDoesNotExist:
        return None


def episode_records(*, actor, episode_id: int) -> EpisodeRecords:
    """Everything recorded along the way, in a fixed number of queries."""
    roles.require(actor, roles.VIEW_EPISODES, "see episodes")
    episode = (
        Episode.objects.select_related("selection", "anticoagulation", "discharge_plan")
        .prefetch_related("mdt_decisions", "imaging_studies", "procedure_notes__stents")
        .filter(id=episode_id)
        .first()
    )
    if episode is None:
        raise NotFound("No such episode.")
    return EpisodeRecords(
        selection=_optional(episode, "selection"),
        mdt_decisions=list(episode.mdt_decisions.all()),
        imaging_studies=list(episode.imaging_studies.all()),
        anticoagulation=_optional(episode, "anticoagulation"),
        procedure_notes=list(episode.procedure_notes.all()),
        current_procedure_note=episode.current_procedure_note(),
        discharge_plan=_optional(episode, "discharge_plan"),
    )
