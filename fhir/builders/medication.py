"""MedicationStatement: one per anticoagulation course (pathway.md section 7), with its
agent (ATC where named), dose, frequency, period, target INR range and why it changed."""

from __future__ import annotations

from django.utils import timezone

from fhir import codes
from fhir.builders.common import day, ref, resource, rid


def course_resource(data, course) -> dict:
    today = timezone.localdate()
    if course.stopped_on is not None and course.stopped_on < today:
        status = "completed"
    elif course.started_on > today:
        status = "intended"
    else:
        status = "active"
    dosage: dict = {
        "text": " ".join(
            p
            for p in (
                f"{course.dose.normalize():f} {course.dose_unit}".strip()
                if course.dose is not None
                else "",
                course.frequency,
            )
            if p
        )
        or None
    }
    if course.dose is not None:
        dosage["doseAndRate"] = [
            {"doseQuantity": codes.quantity(course.dose, course.dose_unit or "")}
        ]
    if course.frequency:
        dosage["timing"] = {"code": {"text": course.frequency}}
    extension = []
    if course.target_inr_low is not None and course.target_inr_high is not None:
        extension.append(
            {
                "url": codes.extension("target-inr-range"),
                "valueRange": {
                    "low": {"value": float(course.target_inr_low)},
                    "high": {"value": float(course.target_inr_high)},
                },
            }
        )
    if course.planned_duration_months is not None:
        extension.append(
            {
                "url": codes.extension("planned-duration"),
                "valueDuration": {
                    "value": course.planned_duration_months,
                    "unit": "mo",
                    "system": codes.UCUM,
                    "code": "mo",
                },
            }
        )
    if course.end_decision:
        extension.append(
            {"url": codes.extension("course-end-decision"), "valueCode": course.end_decision}
        )
    period = {"start": day(course.started_on)}
    if course.stopped_on is not None:
        period["end"] = day(course.stopped_on)
    return resource(
        "MedicationStatement",
        rid(data.id, f"course{course.id}"),
        revisions=data.revisions_of("anticoagulation_course", course.id),
        extension=extension,
        status=status,
        medicationCodeableConcept=codes.agent_concept(course.agent, course.get_agent_display()),
        subject=ref("Patient", data.episode.patient_id),
        context=ref("EpisodeOfCare", data.id),
        effectivePeriod=period,
        dateAsserted=course.recorded_at.isoformat(),
        reasonReference=[ref("Condition", rid(data.id, "dvt"))]
        if data.one_to_one("selection") is not None
        else None,
        note=[{"text": course.reason}] if course.reason else None,
        dosage=[{k: v for k, v in dosage.items() if v}] if any(dosage.values()) else None,
    )


def medication_resources(data) -> list[dict]:
    return [course_resource(data, course) for course in data.courses]
