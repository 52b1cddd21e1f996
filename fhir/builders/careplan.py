"""CarePlan: the surveillance plan of an episode discharged into surveillance, its follow-ups
as activities (each a Task), the discharge plan's anticoagulant and compression in words."""

from __future__ import annotations

from fhir import codes
from fhir.builders.common import day, in_episode, ref, resource, rid
from fhir.builders.episode import standing_moves


def careplan_resource(data) -> dict | None:
    if not data.follow_ups:
        return None
    state = data.episode.state
    open_ones = [f for f in data.follow_ups if not f.completed_at and not f.cancelled_at]
    if state == "completed":
        status = "completed"
    elif state in ("withdrawn", "deceased", "excluded"):
        status = "revoked"
    else:
        status = "active" if open_ones else "completed"
    moves = standing_moves(data.moves)
    discharged = next((m for m in moves if m.name == "discharge"), None)
    period = {"start": day(discharged.effective_on)} if discharged else None
    if period and status != "active" and moves:
        period["end"] = day(moves[-1].effective_on)
    plan = data.one_to_one("discharge_plan")
    description = None
    if plan is not None:
        description = f"Long-term anticoagulant: {plan.anticoagulant.upper()}. " + (
            "Compression stockings prescribed."
            if plan.compression_stockings
            else "No compression stockings."
        )
    return resource(
        "CarePlan",
        rid(data.id, "surveillance"),
        revisions=data.revisions_of("discharge_plan", plan.id) if plan else None,
        extension=[in_episode(data.id)],
        status=status,
        intent="plan",
        category=[
            codes.local_concept(
                "care-plan", "surveillance", "duplex and anticoagulation surveillance"
            )
        ],
        title="Surveillance after ilio-caval thrombectomy and stenting",
        description=description,
        subject=ref("Patient", data.episode.patient_id),
        period=period,
        addresses=[ref("Condition", rid(data.id, "dvt"))]
        if data.one_to_one("selection") is not None
        else None,
        activity=[{"reference": ref("Task", rid(data.id, f"fu{f.id}"))} for f in data.follow_ups],
    )
