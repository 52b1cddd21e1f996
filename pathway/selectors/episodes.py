"""Reads on episodes, each with a fixed number of queries whatever the number of patients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from core import roles
from core.errors import InvalidInput, NotFound
from core.revisions import facts_of
from pathway import hooks, machine, rules, ttr
from pathway.codes import State
from pathway.models import Episode, PreProcedureAnticoagulation, SelectionAssessment, Transition
from pathway.rules import Unmet
from pathway.selectors.prefetched import RELATED, Prefetched, prefetched


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
    # VTE-BLEED (pathway.md section 7) on the selection's day and on the discharge's day.
    vte_bleed_at_selection: rules.VteBleed | None = None
    vte_bleed_at_discharge: rules.VteBleed | None = None

    @property
    def vte_bleed(self) -> rules.VteBleed | None:
        """The latest of the two: at discharge once discharged, else at selection."""
        return self.vte_bleed_at_discharge or self.vte_bleed_at_selection


def episode_get(*, actor, episode_id: int, related: bool = False) -> Episode:
    """The episode; `related`: with the one-to-one records the rules read."""
    roles.require(actor, roles.VIEW_EPISODES, "see episodes")
    episodes = episode_list(actor=actor)
    if related:
        episodes = episodes.select_related(*RELATED)
    try:
        return episodes.get(id=episode_id)
    except Episode.DoesNotExist:
        raise NotFound("No such episode.") from None


def days_in_stage(episode, *, today: dt.date | None = None) -> int:
    """Days since the episode entered its stage, counted from the effective date of the move
    into it (Episode.entered_on, kept by the move service; a back-dated move counts from the
    day it took effect, not the day it was typed). The one derivation the worklist, the
    episode page and the API's `days_in_state` read."""
    today = today or timezone.localdate()
    since = episode.entered_on or timezone.localdate(episode.created_at)
    return max((today - since).days, 0)


def episode_view(*, actor, episode_id: int) -> EpisodeView:
    """The episode with every move leaving its state and the rules that block each now."""
    # Every move's rules and the warnings read the same few relations: prefetched once.
    (episode,) = prefetched(
        [episode_get(actor=actor, episode_id=episode_id, related=True)], journey=True
    )
    views = []
    with rules.answered_once(episode):  # each rule once, whichever moves share it
        judged = [(move, move.unmet(episode)) for move in machine.moves_from(episode.state)]
    for move, unmet in judged:
        target = move.target
        if move.name == "correct" and not unmet:
            target = episode.last_correctable_move().source  # type: ignore[union-attr]  # allowed
        views.append(
            MoveView(
                name=move.name,
                target=target,
                allowed=not unmet,
                unmet=unmet,
                reason_required=move.reason_required,
                permitted=actor.has_perm(move.permission[0]),
            )
        )
    return EpisodeView(
        episode.episode,
        views,
        rules.warnings(episode),
        days_in_stage(episode.episode),
        vte_bleed_at_selection=rules.vte_bleed_at_selection(episode),
        vte_bleed_at_discharge=rules.vte_bleed_at_discharge(episode),
    )


def episode_move(*, actor, episode_id: int, name: str) -> machine.Move | None:
    """The move `name` leaving the episode's state, not judged: a page posting it leaves its
    rules to the move service, which judges them once under the lock. None: no such move from
    the state the episode is in now (it may just have been moved by someone else)."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    return machine.move_from(episode.state, name)


def episode_history(*, actor, episode_id: int) -> QuerySet[Transition]:
    episode = episode_get(actor=actor, episode_id=episode_id)
    return episode.history.select_related("actor").order_by("id")


@dataclass
class EpisodeRecords:
    selection: SelectionAssessment | None
    mdt_decisions: list
    imaging_studies: list
    anticoagulation: PreProcedureAnticoagulation | None
    procedure_notes: list
    current_procedure_note: object | None
    discharge_plan: object | None
    complications: list
    postop_checks: list

    @property
    def edited_after_move(self) -> list[str]:
        """The records changed after a move that relied on them."""
        records = [self.selection, self.anticoagulation, self.discharge_plan, *self.procedure_notes]
        return [r.revision_name for r in records if getattr(r, "edited_after_move", False)]


def _optional(episode, name):
    try:
        return getattr(episode, name)
    except ObjectDoesNotExist:
        return None


def _mark_edited(record, moves: list[Transition], name: str, after_id: int = 0, before_id=None):
    """Flag `record` if written after the standing move `name` that relied on it (the latest
    such move made after move `after_id` and before move `before_id`)."""
    if record is None:
        return
    relied = [
        m
        for m in moves
        if m.name == name and m.id > after_id and (before_id is None or m.id < before_id)
    ]
    record.edited_after_move = bool(relied) and record.recorded_at > relied[-1].recorded_at


def episode_records(*, actor, episode_id: int) -> EpisodeRecords:
    """Everything recorded along the way, in a fixed number of queries; records changed after
    a move relied on them say so (`edited_after_move`)."""
    roles.require(actor, roles.VIEW_EPISODES, "see episodes")
    episode = Episode.objects.select_related(*RELATED).filter(id=episode_id).first()
    if episode is None:
        raise NotFound("No such episode.")
    return records_of(episode)


def records_of(episode: Episode) -> EpisodeRecords:
    """episode_records of an episode already read for the actor with its one-to-one records
    (RELATED): the episode page's, from episode_view, whose relations already prefetched there
    (the MDT decisions, the imaging, the procedure notes, the moves) are not read again."""
    prefetch_related_objects(
        [episode],
        "mdt_decisions",
        "imaging_studies",
        "procedure_notes__stents__spans",
        "complications",
        "postop_checks",
        "history__corrected_by",
    )
    moves = [m for m in episode.history.all() if m.corrects_id is None and not _corrected(m)]
    notes = list(episode.procedure_notes.all())
    selection = _optional(episode, "selection")
    anticoagulation = _optional(episode, "anticoagulation")
    plan = _optional(episode, "discharge_plan")
    _mark_edited(selection, moves, "refer_to_mdt")
    _mark_edited(anticoagulation, moves, "schedule_procedure")
    _mark_edited(plan, moves, "discharge")
    in_order = sorted(notes, key=lambda n: n.reintervention_id or 0)
    for note, following in zip(in_order, [*in_order[1:], None], strict=False):
        since = note.reintervention_id or 0
        until = following.reintervention_id if following else None
        _mark_edited(note, moves, "complete_procedure", since, until)
    current = Prefetched(episode, owed=0).current_procedure_note()  # from the rows above
    current_id = current.id if current else None
    complications = list(episode.complications.all())
    for complication in complications:
        complication.early = complication.early_after(notes)
    return EpisodeRecords(
        selection=selection,
        mdt_decisions=list(episode.mdt_decisions.all()),
        imaging_studies=list(episode.imaging_studies.all()),
        anticoagulation=anticoagulation,
        procedure_notes=notes,
        current_procedure_note=next((n for n in notes if n.id == current_id), None),
        discharge_plan=plan,
        complications=complications,
        postop_checks=list(episode.postop_checks.all()),
    )


def episode_ttr(plan) -> float | None:
    """The Rosendaal TTR (a percentage, 1 decimal) of the episode's VKA readings among its
    performed, uncancelled inr_check follow-ups and its INR visits, each interval judged against
    the target stored on the reading at its start; which readings count is decided by
    pathway.ttr, as for the kept outcome row the dashboard reads. None with fewer than two of
    them (a patient never on a VKA has none; one switched to a DOAC keeps the VKA period's).
    `plan`: the episode's discharge plan, or None (not discharged: no INR reading yet); one
    query (the tasks app's reader: a UNION ALL over follow-ups and visits)."""
    if plan is None:
        return None
    results = hooks.read("inr_results", episode_ids=[plan.episode_id])[plan.episode_id]
    found = ttr.vka_ttr([(r.performed_on, r.result) for r in results])
    return None if found is None else round(found, 1)


def _corrected(move: Transition) -> bool:
    try:
        return move.corrected_by is not None
    except ObjectDoesNotExist:
        return False


# --- revisions -------------------------------------------------------------------------------
@dataclass
class Revision:
    record: str
    record_id: int
    actor: str | None
    at: dt.datetime
    reason: str
    before: dict | None
    after: dict | None


def _revised_models() -> list:
    """Every record kept with revisions that belongs to an episode: the pathway's own, and those
    the apps above it list (hooks.keep_revisions_of)."""
    return [
        m
        for m in apps.get_app_config("pathway").get_models()
        if getattr(m, "revision_name", None) and hasattr(m, "history")
    ] + hooks.revised_records


def episode_revisions(*, actor, episode_id: int) -> list[Revision]:
    """Every write of every record of the episode, oldest first, with the record's facts before
    (None for a creation) and after. One query per kind of record."""
    return revisions_of(episode_get(actor=actor, episode_id=episode_id))


def revisions_of(episode: Episode) -> list[Revision]:
    """episode_revisions of an episode already read for the actor (the timeline's)."""
    rows = []
    for model in _revised_models():
        history = model.history.filter(episode_id=episode.id).select_related("history_user")
        previous: dict[int, dict | None] = {}
        for h in history.order_by("history_date", "history_id"):
            after = None if h.history_type == "-" else facts_of(h, fields=h.tracked_fields)
            rows.append(
                Revision(
                    record=model.revision_name,
                    record_id=h.id,
                    actor=h.history_user.username if h.history_user else None,
                    at=h.history_date,
                    reason=h.history_change_reason or "",
                    before=previous.get(h.id),
                    after=after,
                )
            )
            previous[h.id] = after
    rows.sort(key=lambda r: (r.at, r.record, r.record_id))
    return rows


def episode_left_surveillance_on(*, actor, episode_id: int) -> dt.date | None:
    """The day the episode last left surveillance, when it has been in surveillance and is no
    longer (after `reintervene`, or closed): a duplex or INR done there may still be entered,
    late and with a reason (pathway.md section 6; tasks.services.visit_record judges each
    date). None while it is in surveillance or if it never was. Reads the standing moves."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    left_on, inside = None, False
    for target, on in (
        episode.effective_history().order_by("id").values_list("target", "effective_on")
    ):
        if target == State.SURVEILLANCE:
            inside = True
        elif inside:
            left_on, inside = on, False
    return None if inside else left_on
