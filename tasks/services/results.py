"""Recording a follow-up's result; an alarming one alerts the coordinator at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from pathway.models import Episode
from tasks.models import Alert, DuplexSegmentResult, FollowUp, Kind, UnitSettings
from tasks.services.alerts import RECORD_RESULTS, Recipients, enqueue, insert_alerts


def _target_inr(episode: Episode) -> tuple[Decimal, Decimal]:
    plan = getattr(episode, "discharge_plan", None)
    if plan is not None and plan.target_inr_low is not None:
        return plan.target_inr_low, plan.target_inr_high
    unit = UnitSettings.current()
    return unit.default_inr_low, unit.default_inr_high


def _duplex_result(episode: Episode, segments: list[dict], villalta: dict | None) -> tuple:
    seen = [s["segment"] for s in segments]
    if len(seen) != len(set(seen)):
        raise InvalidInput({"segments": "Each segment may be reported once."})
    note = episode.current_procedure_note()
    stented = {s.segment for s in note.stents.all()} if note else set()
    missing = sorted(stented - set(seen))
    if missing:
        raise InvalidInput(
            {"segments": f"Report every stented segment; missing: {', '.join(missing)}."}
        )
    urgent = any(s["result"] != DuplexSegmentResult.Result.PATENT for s in segments)
    procedure_on = note.date.isoformat() if note else None
    # Segment results are rows (DuplexSegmentResult); the JSON keeps the rest of the visit.
    return {"villalta": villalta, "procedure_on": procedure_on}, urgent


def followup_record_result(*, actor, follow_up_id: int, performed_on: dt.date, **data) -> FollowUp:
    """Complete a follow-up with its result; an alarming one alerts the coordinator at once."""
    roles.require(actor, RECORD_RESULTS, "record follow-up results")
    if performed_on > timezone.localdate():
        raise InvalidInput({"performed_on": "This date is in the future."})
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("episode", "created_by")
            .filter(id=follow_up_id)
            .first()
        )
        if follow_up is None:
            raise NotFound("No such follow-up.")
        if follow_up.completed_at:
            raise Conflict("A result has already been recorded for this follow-up.")
        if follow_up.cancelled_at:
            raise Conflict("This follow-up was cancelled; it takes no result.")
        if performed_on < follow_up.created_by.effective_on:
            raise InvalidInput({"performed_on": "This is before the patient was discharged."})
        episode = follow_up.episode
        if follow_up.kind == Kind.DUPLEX:
            result, urgent = _duplex_result(episode, data["segments"], data.get("villalta"))
        elif follow_up.kind == Kind.INR_CHECK:
            low, high = _target_inr(episode)
            result = {"inr": str(data["inr"]), "target": [str(low), str(high)]}
            urgent = not (low <= data["inr"] <= high)
        else:
            result = {"adherent": data["adherent"], "notes": data.get("notes", "")}
            urgent = False
        follow_up.completed_at = timezone.now()
        follow_up.completed_by = actor
        follow_up.performed_on = performed_on
        follow_up.result = result
        follow_up.next_alert_on = None
        follow_up.save()
        if follow_up.kind == Kind.DUPLEX:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(follow_up=follow_up, **s) for s in data["segments"]
            )
        if urgent:
            kind = Alert.Kind.URGENT_RESULT
            rows = [
                (episode.id, follow_up.id, kind, user_id)
                for user_id in Recipients().of(kind, None, episode.assigned_coordinator_id)
            ]
            enqueue(insert_alerts(rows, timezone.now()))
    return follow_up
