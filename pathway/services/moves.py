"""Moving an episode along the pathway.

Every move goes through episode_transition, which locks the row, runs the FSM transition, saves,
appends the history row and calls the after-move handlers (pathway/hooks.py) in one
transaction, so a move is either whole or absent.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, MoveRefused
from pathway import hooks, machine, rules
from pathway.codes import DUPLEX_CAUSES, MdtOutcome, ReinterventionCause
from pathway.models import Episode, Reintervention, Transition
from pathway.selectors.stents import stented_segments
from pathway.services.common import lock
from pathway.services.course_sync import courses_follow_discharge_plan


def _effective_on(move: machine.Move, value: dt.date | None, episode: Episode) -> dt.date:
    """Today by default; a back-dated move not before the effective date of the latest move
    that stands (read only then: today is never before it, since no move is dated in the
    future). A corrected move, and the correction, do not count: after `correct`, the move made
    again may be dated as early as the move before the corrected one."""
    today = timezone.localdate()
    if value is None:
        if move.effective_on_required:
            raise InvalidInput({"effective_on": "The date of death is required."})
        return today
    if value > today:
        raise InvalidInput({"effective_on": "The effective date cannot be in the future."})
    latest = episode.latest_standing_move().effective_on  # type: ignore[union-attr]  # opened
    if value < latest:
        raise InvalidInput(
            {
                "effective_on": "The effective date cannot be before the previous move's "
                f"({latest.isoformat()}). If that move was dated wrong, an admin can correct it "
                "(“Undo the last move (admin)”, the correct move) and it can be made again "
                "with the right date."
            }
        )
    return value


def _default_reason(episode: Episode, name: str) -> str:
    if name == "exclude":
        mdt = rules.latest_mdt(episode)
        if mdt is not None and mdt.decision == MdtOutcome.ANTICOAGULATION_ALONE:
            return "MDT decision: anticoagulation alone."
    return ""


def _check_reintervention_shape(spec: machine.Move, details: dict | None) -> None:
    """A re-intervention is coded (patency reporting reads the codes); no other move is."""
    if not spec.reintervention_required:
        if details is not None:
            raise InvalidInput({"reintervention": "Only a re-intervention takes these details."})
        return
    if not details:
        why = "the cause, the segments concerned, and the follow-up or visit that showed it"
        raise InvalidInput({"reintervention": f"Say why: {why}."})
    if details.get("cause") not in ReinterventionCause.values:
        known = ", ".join(ReinterventionCause.values)
        raise InvalidInput({"reintervention": f"The cause must be one of: {known}."})
    if details["cause"] in DUPLEX_CAUSES and not details.get("segments"):
        raise InvalidInput(
            {"reintervention": f"Name the stented segments with {details['cause']}."}
        )


def _check_reintervention_facts(episode: Episode, details: dict) -> None:
    """The segments were stented, and the follow-up or visit named is this episode's duplex."""
    stented = {s.segment for s in stented_segments(episode_ids=[episode.id])[episode.id]}
    unknown = sorted(set(details.get("segments") or []) - stented)
    if unknown:
        raise InvalidInput(
            {"reintervention": f"These segments were not stented: {', '.join(unknown)}."}
        )
    follow_up, visit = details.get("follow_up"), details.get("visit")
    if follow_up is not None and not hooks.read(
        "is_duplex", episode_id=episode.id, follow_up=follow_up
    ):
        raise InvalidInput(
            {"reintervention": "The follow-up named is not a completed duplex of this episode."}
        )
    if visit is not None and not hooks.read("is_duplex", episode_id=episode.id, visit=visit):
        raise InvalidInput(
            {"reintervention": "The visit named is not a duplex visit of this episode."}
        )


def _entered_before(undone: Transition) -> dt.date:
    """Undoing `undone` resumes the stay it ended: the effective date of the standing move
    before it (the opening at the latest, which is never undone)."""
    return (
        Transition.objects.filter(  # type: ignore[return-value]  # the opening, at the latest
            episode_id=undone.episode_id,
            id__lt=undone.id,
            corrects__isnull=True,
            corrected_by__isnull=True,
        )
        .order_by("-id")
        .values_list("effective_on", flat=True)
        .first()
    )


def episode_transition(
    *,
    episode_id: int,
    name: str,
    actor,
    reason: str = "",
    effective_on: dt.date | None = None,
    expected_state: str | None = None,
    reintervention: dict | None = None,
) -> Episode:
    spec = machine.by_name(name)
    if spec is None:
        raise InvalidInput(
            {"transition": f"Unknown transition. Known: {', '.join(machine.NAMES)}."}
        )
    roles.require(actor, *spec.permission)
    reason = (reason or "").strip()

    with transaction.atomic():
        # The selection is read by most guards up to the procedure: in the lock's statement.
        episode = lock(episode_id, patient=False, related=("selection",))
        reason = reason or _default_reason(episode, name)
        if spec.reason_required and not reason:
            raise InvalidInput({"reason": f"A reason is required to {name.replace('_', ' ')}."})
        if expected_state and expected_state != episode.state:
            raise MoveRefused(f"The episode changed: it is now in '{episode.state}'.")
        move = machine.move_from(episode.state, name)
        if move is None:
            raise MoveRefused(
                f"'{name}' is not a move from '{episode.state}' (the episode may just have "
                "been moved by someone else)."
            )
        effective = _effective_on(move, effective_on, episode)
        # The rules judge the move on its own day (thrombus_age) and with its reason.
        episode.pending_reason, episode.pending_effective_on = reason, effective
        # The explanation of a refusal and the FSM's conditions read the same facts once.
        with rules.answered_once(episode):
            unmet = move.unmet(episode)
            if unmet:
                raise MoveRefused(f"'{name}' is blocked by the pathway rules.", unmet)
            _check_reintervention_shape(spec, reintervention)
            if reintervention is not None:
                _check_reintervention_facts(episode, reintervention)

            if name == "discharge":  # the plan's anticoagulant is the course running now
                courses_follow_discharge_plan(
                    actor=actor,
                    episode=episode,
                    plan=episode.discharge_plan,
                    on=effective,
                    at_discharge=True,
                )
            left, undone, stay_days = episode.state, None, None
            if name == "correct":
                undone = episode.last_correctable_move()
                assert undone is not None  # the correctable_move rule passed above
                episode.correct(undone.source)
                episode.entered_on = _entered_before(undone)
            else:
                getattr(episode, name)()
                stay_days = (effective - episode.entered_on).days  # type: ignore[operator]  # kept
                episode.entered_on = effective
        if undone is None:
            episode.save(update_fields=["state", "entered_on"])
        else:  # undoing an exit reopens the episode: the patient may have opened another
            try:
                with transaction.atomic():
                    episode.save(update_fields=["state", "entered_on"])
            except IntegrityError:
                raise Conflict(
                    "The patient already has another episode that is not finished."
                ) from None
        row = Transition.objects.create(
            episode=episode,
            name=name,
            source=left,
            target=episode.state,
            actor=actor,
            effective_on=effective,
            reason=reason,
            corrects=undone,
            stay_days=stay_days,
        )
        if reintervention is not None:
            Reintervention.objects.create(
                move=row,
                cause=reintervention["cause"],
                segments=list(dict.fromkeys(reintervention.get("segments") or [])),
                follow_up_id=reintervention.get("follow_up"),
                visit_id=reintervention.get("visit"),
            )
        hooks.move_made(episode=episode, move=row)
    episode.pending_reason = episode.pending_effective_on = None
    return episode
