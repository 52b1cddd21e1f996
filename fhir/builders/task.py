"""Task: one per follow-up (its FHIR status from our derived status, which is kept as
businessStatus) and one per alert (open: requested; acknowledged: completed; made moot before
anyone acknowledged it: cancelled)."""

from __future__ import annotations

from django.utils import timezone

from fhir import codes
from fhir.builders.common import day, instant, ref, resource, rid
from tasks.models import Kind

FOLLOW_UP_STATUS = {
    "scheduled": "requested",
    "due": "ready",
    "overdue": "ready",
    "completed": "completed",
    "cancelled": "cancelled",
}
KIND_WORDS = dict(Kind.choices)
PRIORITY = {"critical": "stat", "urgent_result": "urgent", "escalation": "urgent"}


def follow_up_task_id(data, follow_up) -> str:
    return rid(data.id, f"fu{follow_up.id}")


def follow_up_task(data, follow_up, *, today, outputs: list[str], has_plan: bool) -> dict:
    status = follow_up.status_on(today)
    created = data.move(follow_up.created_by_id)
    changed = follow_up.completed_at or follow_up.cancelled_at
    return resource(
        "Task",
        follow_up_task_id(data, follow_up),
        revisions=data.revisions_of("follow_up", follow_up.id),
        basedOn=[ref("CarePlan", rid(data.id, "surveillance"))] if has_plan else None,
        status=FOLLOW_UP_STATUS[status],
        statusReason={"text": follow_up.cancel_reason} if follow_up.cancel_reason else None,
        businessStatus=codes.local_concept("follow-up-status", status),
        intent="order",
        priority="routine",
        code=codes.local_concept("follow-up", follow_up.kind, KIND_WORDS.get(follow_up.kind)),
        **{"for": ref("Patient", data.episode.patient_id)},
        authoredOn=instant(created.recorded_at) if created else None,
        lastModified=instant(changed) if changed else None,
        executionPeriod={"start": day(follow_up.performed_on)} if follow_up.performed_on else None,
        restriction={
            "period": {
                "start": day(follow_up.window_opens_on),
                "end": day(follow_up.window_closes_on),
            }
        },
        input=[
            {
                "type": codes.local_concept("follow-up", "due-on", "due on"),
                "valueDate": day(follow_up.due_on),
            }
        ],
        output=[
            {
                "type": codes.local_concept("follow-up", "result", "result"),
                "valueReference": ref("Observation", o),
            }
            for o in outputs
        ],
    )


def alert_task(data, alert) -> dict:
    if alert.acknowledged_at:
        status, changed = "completed", alert.acknowledged_at
    elif alert.resolved_at:
        status, changed = "cancelled", alert.resolved_at
    else:
        status, changed = "requested", None
    part_of = None
    if alert.follow_up_id:
        part_of = [ref("Task", rid(data.id, f"fu{alert.follow_up_id}"))]
    words = (alert.finding or {}).get("text")
    return resource(
        "Task",
        rid(data.id, f"alert{alert.id}"),
        partOf=part_of,
        status=status,
        statusReason={"text": alert.resolved_reason} if alert.resolved_reason else None,
        businessStatus=codes.local_concept("alert", alert.grade) if alert.grade else None,
        intent="order",
        priority=PRIORITY.get(alert.grade) or PRIORITY.get(alert.kind) or "routine",
        code=codes.local_concept("alert", alert.kind),
        description=words,
        **{"for": ref("Patient", data.episode.patient_id)},
        authoredOn=instant(alert.created_at),
        lastModified=instant(changed) if changed else None,
        owner={
            "identifier": {"system": f"{codes.base()}/sid/user", "value": str(alert.recipient_id)}
        },
    )


def task_resources(data, observation_ids=()) -> list[dict]:
    today = timezone.localdate()
    has_plan = bool(data.follow_ups)
    found = []
    for follow_up in data.follow_ups:
        prefix = f"{follow_up_task_id(data, follow_up)}-"
        outputs = [o for o in observation_ids if o.startswith(prefix)]
        found.append(
            follow_up_task(data, follow_up, today=today, outputs=outputs, has_plan=has_plan)
        )
    found += [alert_task(data, alert) for alert in data.alerts]
    return found
