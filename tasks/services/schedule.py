"""The follow-up schedule: made at discharge, cancelled on exit, undone on correction, and kept
in line with the facts it was built from (the procedure date, the anticoagulation courses, the
discharge plan).

One function says what the schedule should be (`desired_schedule`); discharge creates it, and
a corrected fact reconciles the rows with it. Called inside the pathway writer's transaction
through pathway/hooks.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from core.dates import add_months
from pathway.codes import TERMINAL, State
from pathway.models import DischargePlan, Episode, Transition
from pathway.rules.base import record_of
from tasks import windows
from tasks.anchors import COURSE_END, REVIEW_BEFORE_END_DAYS, course_review_due, rule_anchors
from tasks.models import FollowUp, Kind, ScheduleRule, UnitSettings
from tasks.schedule import Offset, positions
from tasks.services.alerts import (
    alerts_reopen,
    alerts_resolve,
    alerts_resolve_episode,
    alerts_resolve_stalled,
)
from tasks.services.escalation import escalation_days_by_kind

PROCEDURE, DISCHARGE = ScheduleRule.Anchor.PROCEDURE, ScheduleRule.Anchor.DISCHARGE


def window_fields(due: dt.date, days: int) -> dict:
    w = windows.window(due, days)
    return {
        "due_on": due,
        "window_opens_on": w.opens_on,
        "window_closes_on": w.closes_on,
        "next_alert_on": w.opens_on,
    }


@dataclass(frozen=True)
class Slot:
    """One follow-up the schedule should hold: its kind, where it stands (its anchor, the
    course it counts from, if any, and its offset), and its dates."""

    kind: str
    anchor: str
    offset: Offset
    due_on: dt.date
    window_days: int
    course_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.anchor, self.course_id, self.offset.months, self.offset.days)


def key_of(follow_up: FollowUp) -> tuple:
    return (
        follow_up.kind,
        follow_up.anchor,
        follow_up.course_id,
        follow_up.offset_months,
        follow_up.offset_days,
    )


REVIEW_WINDOW_DAYS = 7  # the review rule's default, if a unit has none


def course_end_slots(*, courses, discharged_on: dt.date, window_days: int) -> list[Slot]:
    """pathway.md section 7: each finite course running at or after the discharge brings an
    anticoagulation review 4 weeks before its planned end (none for a course stopped before
    it, nor one due before the discharge)."""
    slots = []
    for course in courses:
        due = course_review_due(course)
        if due is not None and due >= discharged_on:
            offset = Offset(days=REVIEW_BEFORE_END_DAYS)  # counted back from the end
            review = Kind.ANTICOAGULATION_REVIEW
            slots.append(Slot(review, COURSE_END, offset, due, window_days, course.id))
    return slots


def desired_schedule(
    *,
    procedure_on: dt.date,
    discharged_on: dt.date,
    plan: DischargePlan | None,
    courses=(),
    today: dt.date | None = None,
) -> list[Slot]:
    """The follow-ups of pathway.md sections 4 and 7 from the unit's active rules: each anchored
    on the procedure, the discharge or a VKA course's start (tasks/anchors.py), repeating up to
    the unit's horizon ahead of the anchor or of today, whichever is later (the horizon rolls
    on, as the daily top-up does), INR checks only while their VKA course runs and for its
    planned duration; and a review before each finite course's planned end. None before the
    discharge (the pre-discharge duplex and the INR readings in post-op cover those)."""
    today = today or timezone.localdate()
    horizon = UnitSettings.current().horizon_months
    rules = list(ScheduleRule.objects.order_by("id"))
    slots: dict[tuple, Slot] = {}
    for rule in (r for r in rules if r.active):
        anchors = rule_anchors(
            rule,
            procedure_on=procedure_on,
            discharged_on=discharged_on,
            courses=courses,
            plan=plan,
        )
        for anchor in anchors:
            until = add_months(max(anchor.on, today), horizon)
            if anchor.ends_on is not None:
                until = min(until, anchor.ends_on)
            for offset, due in positions(anchor.on, rule.first_offsets, rule.then_every, until):
                if due >= discharged_on:
                    slot = Slot(
                        rule.kind, anchor.name, offset, due, rule.window_days, anchor.course_id
                    )
                    slots.setdefault(slot.key, slot)
    review_window = next(
        (r.window_days for r in rules if r.kind == Kind.ANTICOAGULATION_REVIEW),
        REVIEW_WINDOW_DAYS,
    )
    for slot in course_end_slots(
        courses=courses, discharged_on=discharged_on, window_days=review_window
    ):
        slots.setdefault(slot.key, slot)
    return list(slots.values())


def followup_of(slot: Slot, **made) -> FollowUp:
    """The follow-up row a slot of the schedule becomes (its place in the schedule, its
    window), on discharge, on a correction and in the top-up; `made`: its episode and the move
    that made it (`episode=`, `created_by=`, or their `_id`s)."""
    return FollowUp(
        **made,
        kind=slot.kind,
        anchor=slot.anchor,
        course_id=slot.course_id,
        offset_months=slot.offset.months,
        offset_days=slot.offset.days,
        **window_fields(slot.due_on, slot.window_days),
    )


def _row(episode: Episode, move: Transition, slot: Slot) -> FollowUp:
    return followup_of(slot, episode=episode, created_by=move)


def followups_schedule(*, episode: Episode, move: Transition) -> list[FollowUp]:
    """The follow-ups of pathway.md sections 4 and 7, from the unit's schedule rules and the
    courses running at discharge (INR checks from the VKA course's start)."""
    slots = desired_schedule(
        procedure_on=episode.current_procedure_note().date,  # type: ignore[union-attr]  # discharged
        discharged_on=move.effective_on,
        # Read by the discharge's guard under the move's lock, which the plan's writer takes.
        plan=record_of(lambda: episode.discharge_plan),
        courses=list(episode.courses.all()),
    )
    return FollowUp.objects.bulk_create(_row(episode, move, slot) for slot in slots)


def _cancel(rows, *, move: Transition | None = None, reason: str = "") -> int:
    """Cancel open follow-ups and resolve their alerts, saying why."""
    ids = list(rows.open().values_list("id", flat=True))
    if not ids:
        return 0
    why = reason or f"Cancelled by the move '{move.name}'."  # type: ignore[union-attr]  # or a move
    alerts_resolve(follow_ups=ids, reason=why, move=move)
    return FollowUp.objects.filter(id__in=ids).update(
        cancelled_at=timezone.now(), cancelled_by=move, cancel_reason=reason, next_alert_on=None
    )


def followups_cancel_open(*, episode: Episode, move: Transition) -> int:
    return _cancel(FollowUp.objects.filter(episode=episode), move=move)


def followups_replace(*, episode: Episode, move: Transition) -> list[FollowUp]:
    """A discharge after a re-intervention replaces what is left of the earlier schedule (the
    anticoagulation reviews and INR checks kept while the patient waited) with a schedule built
    from the new procedure date."""
    _cancel(
        FollowUp.objects.filter(episode=episode),
        move=move,
        reason="Replaced by the schedule of the new discharge.",
    )
    return followups_schedule(episode=episode, move=move)


def followups_undo(*, undone: Transition, correction: Transition) -> None:
    """A correction undoes a move's side effects: what it created is cancelled, what it
    cancelled is reopened (and the next sweep raises what became owed meanwhile)."""
    _cancel(FollowUp.objects.filter(created_by=undone), move=correction)
    alerts_reopen(resolved_by=undone)
    reopened = list(FollowUp.objects.filter(cancelled_by=undone, completed_at__isnull=True))
    if not reopened:
        return
    escalation_days = escalation_days_by_kind()
    for follow_up in reopened:
        follow_up.cancelled_at = None
        follow_up.cancelled_by = None
        follow_up.cancel_reason = ""
        follow_up.next_alert_on = windows.next_alert_on(
            follow_up.window_opens_on,
            follow_up.window_closes_on,
            follow_up.alert_stage,
            escalation_days[follow_up.kind],
        )
    FollowUp.objects.bulk_update(
        reopened, ["cancelled_at", "cancelled_by", "cancel_reason", "next_alert_on"]
    )


# States where an episode can stall (tasks/services/stalled.py): a move out of one resolves
# the stalled alert of the wait it ends.
STALLABLE = (State.MDT_DISCUSSION, State.IMAGING, State.PROCEDURE, State.SURVEILLANCE)


def followups_after_move(*, episode: Episode, move: Transition) -> None:
    """What a pathway move does to the follow-ups and alerts it owns (registered in
    TasksConfig.ready): any move ends the wait the episode may have stalled in; a discharge
    (re)builds the schedule; an exit cancels the open follow-ups and resolves every open alert
    (pathway.md section 6); a re-intervention cancels the open duplex scans only, while the
    anticoagulation reviews and INR checks go on as the patient waits; a correction undoes
    exactly what the move it undoes did."""
    if move.source in STALLABLE and move.target not in TERMINAL:
        alerts_resolve_stalled(episode=episode, move=move)
    if move.name == "discharge":
        followups_replace(episode=episode, move=move)
    elif move.name == "correct":
        followups_undo(undone=move.corrects, correction=move)  # type: ignore[arg-type]  # a correction
    elif move.target in TERMINAL:
        followups_cancel_open(episode=episode, move=move)
        alerts_resolve_episode(episode=episode, move=move)
    elif move.name == "reintervene":
        _cancel(FollowUp.objects.filter(episode=episode, kind=Kind.DUPLEX), move=move)


# --- keeping the schedule in line with corrected facts ----------------------------------------
@dataclass
class Reconciled:
    moved: list[int]
    cancelled: list[int]
    created: list[int]


def _standing_discharge(episode: Episode) -> Transition | None:
    """The discharge the current schedule was built from, while the episode is in surveillance."""
    if episode.state != State.SURVEILLANCE:
        return None
    move = episode.last_move_into(State.SURVEILLANCE)
    return move if move is not None and move.name == "discharge" else None


def _reconcile(
    *,
    episode: Episode,
    discharge: Transition,
    in_scope: Callable[[str, str], bool],
    reason: str,
    create_from: dt.date | None = None,
) -> Reconciled:
    """Bring the discharge's follow-ups of the kinds and anchors `in_scope` in line with the
    desired schedule, keyed by (kind, anchor, offset): an open row whose key is still wanted
    keeps its id and moves to the key's dates; one no longer wanted is cancelled with
    `reason`; a wanted key with no open or completed row (none, or only cancelled ones) gets a
    new row, unless due before `create_from`. Completed rows are never touched."""
    desired = {
        slot.key: slot
        for slot in desired_schedule(
            procedure_on=episode.current_procedure_note().date,  # type: ignore[union-attr]  # discharged
            discharged_on=discharge.effective_on,
            plan=DischargePlan.objects.filter(episode=episode).first(),
            courses=list(episode.courses.all()),
        )
        if in_scope(slot.kind, slot.anchor)
    }
    # Locked, so a sweep running now skips them rather than writing a stage over a move.
    standing = FollowUp.objects.select_for_update(of=("self",)).filter(
        episode=episode, created_by=discharge, cancelled_at__isnull=True
    )
    rows = [row for row in standing.order_by("id") if in_scope(row.kind, row.anchor)]
    escalation_days = escalation_days_by_kind()
    held = {key_of(row) for row in rows if row.completed_at is not None}
    moved, cancelled = [], []
    for row in (r for r in rows if r.completed_at is None):
        key = key_of(row)
        slot = desired.get(key)
        if slot is None or key in held:
            cancelled.append(row)
            continue
        held.add(key)
        dates = window_fields(slot.due_on, slot.window_days)
        if dates["due_on"] != row.due_on or dates["window_opens_on"] != row.window_opens_on:
            for name, value in dates.items():
                setattr(row, name, value)
            row.next_alert_on = windows.next_alert_on(
                row.window_opens_on,
                row.window_closes_on,
                row.alert_stage,
                escalation_days[row.kind],
            )
            moved.append(row)
    FollowUp.objects.bulk_update(
        moved, ["due_on", "window_opens_on", "window_closes_on", "next_alert_on"]
    )
    _cancel(FollowUp.objects.filter(id__in=[r.id for r in cancelled]), reason=reason)
    missing = [
        slot
        for key, slot in desired.items()
        if key not in held and (create_from is None or slot.due_on >= create_from)
    ]
    created = FollowUp.objects.bulk_create(_row(episode, discharge, s) for s in missing)
    return Reconciled(
        moved=[r.id for r in moved],
        cancelled=[r.id for r in cancelled],
        created=[r.id for r in created],
    )


def followups_follow_procedure_date(*, episode: Episode, reason: str) -> Reconciled | None:
    """A corrected procedure date moves every open follow-up built from it (same row, its
    dates computed again from its offset); those now before the discharge are cancelled with
    `reason`, and visits that now fall after it are added. Completed ones stay as they were."""
    discharge = _standing_discharge(episode)
    if discharge is None:
        return None
    return _reconcile(
        episode=episode,
        discharge=discharge,
        in_scope=lambda kind, anchor: anchor == PROCEDURE,
        reason=reason,
    )


def _vka_kinds() -> set[str]:
    return set(ScheduleRule.objects.filter(vka_only=True).values_list("kind", flat=True))


def followups_follow_courses(*, episode: Episode, reason: str) -> Reconciled | None:
    """A course started, changed or stopped in surveillance brings its follow-ups in line
    (pathway.md section 7), in the writer's transaction: a new VKA course adds its INR checks
    counted from its start, those due from today on (none created already overdue); a stop,
    or a change away from a VKA, cancels the open checks due after it, saying why (`reason`),
    their alerts resolved; a corrected start date moves the open ones, each keeping its id; a
    finite course gets its review 4 weeks before the planned end, moved with it. Completed
    follow-ups never change. Before discharge nothing is scheduled: the discharge reads the
    courses then."""
    discharge = _standing_discharge(episode)
    if discharge is None:
        return None
    vka_kinds = _vka_kinds()
    return _reconcile(
        episode=episode,
        discharge=discharge,
        in_scope=lambda kind, anchor: kind in vka_kinds or anchor == COURSE_END,
        reason=reason,
        create_from=timezone.localdate(),
    )
