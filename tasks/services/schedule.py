"""The follow-up schedule: made at discharge, cancelled on exit, undone on correction.
Called inside episode_transition's transaction through the after-move registry."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.dates import add_months
from pathway.codes import TERMINAL, Anticoagulant
from pathway.models import Episode, Transition
from tasks import windows
from tasks.models import FollowUp, ScheduleRule, UnitSettings
from tasks.schedule import occurrences


def window_fields(due: dt.date, days: int) -> dict:
    w = windows.window(due, days)
    return {
        "due_on": due,
        "window_opens_on": w.opens_on,
        "window_closes_on": w.closes_on,
        "next_alert_on": w.opens_on,
    }


def followups_schedule(*, episode: Episode, move: Transition) -> list[FollowUp]:
    """The follow-ups of pathway.md section 4, from the unit's schedule rules."""
    unit = UnitSettings.current()
    procedure_on = episode.current_procedure_note().date
    plan = episode.discharge_plan
    discharged_on = move.effective_on
    rows = []
    for rule in ScheduleRule.objects.filter(active=True).order_by("id"):
        on_vka = plan.anticoagulant == Anticoagulant.VKA
        if rule.vka_only and not on_vka:
            continue
        anchor = procedure_on if rule.anchor == ScheduleRule.Anchor.PROCEDURE else discharged_on
        until = add_months(anchor, unit.horizon_months)
        if rule.vka_only and plan.planned_duration_months:
            until = min(until, add_months(discharged_on, plan.planned_duration_months))
        for due in occurrences(anchor, rule.first_offsets, rule.then_every, until):
            if due >= discharged_on:  # earlier ones are covered by the pre-discharge duplex
                rows.append(
                    FollowUp(
                        episode=episode,
                        kind=rule.kind,
                        created_by=move,
                        **window_fields(due, rule.window_days),
                    )
                )
    return FollowUp.objects.bulk_create(rows)


def followups_cancel_open(*, episode: Episode, move: Transition) -> int:
    return (
        FollowUp.objects.filter(episode=episode)
        .open()
        .update(cancelled_at=timezone.now(), cancelled_by=move, next_alert_on=None)
    )


def followups_undo(*, undone: Transition, correction: Transition) -> None:
    """A correction undoes a move's side effects: what it created is cancelled, what it
    cancelled is reopened (and the next sweep raises what became owed meanwhile)."""
    FollowUp.objects.filter(created_by=undone).open().update(
        cancelled_at=timezone.now(), cancelled_by=correction, next_alert_on=None
    )
    escalation_days = UnitSettings.current().escalation_days
    reopened = list(FollowUp.objects.filter(cancelled_by=undone, completed_at__isnull=True))
    for follow_up in reopened:
        follow_up.cancelled_at = None
        follow_up.cancelled_by = None
        follow_up.next_alert_on = windows.next_alert_on(
            follow_up.window_opens_on, follow_up.window_closes_on, follow_up.alert_stage,
            escalation_days,
        )  # fmt: skip
    FollowUp.objects.bulk_update(reopened, ["cancelled_at", "cancelled_by", "next_alert_on"])


def followups_after_move(*, episode: Episode, move: Transition) -> None:
    """What a pathway move does to the follow-ups it owns (registered in TasksConfig.ready)."""
    if move.name == "discharge":
        followups_schedule(episode=episode, move=move)
    elif move.name == "correct":
        followups_undo(undone=move.corrects, correction=move)
    elif move.target in TERMINAL or move.name == "reintervene":
        followups_cancel_open(episode=episode, move=move)
