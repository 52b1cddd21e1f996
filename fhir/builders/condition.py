"""Condition: the DVT (SNOMED CT 128053003) with its extent as body sites, from the selection
assessment; each complication with its SIR severity, its ISTH bleeding class and whether it was
early (within 30 days of the procedure it follows: derived, as the pathway derives it)."""

from __future__ import annotations

from fhir import codes
from fhir.builders.common import day, in_episode, ref, resource, rid

CLINICAL = {"active": "Active", "resolved": "Resolved"}


def _status(code: str) -> dict:
    return codes.concept(codes.coding(codes.CONDITION_CLINICAL, code, CLINICAL[code]))


CONFIRMED = codes.concept(codes.coding(codes.CONDITION_VERIFICATION, "confirmed", "Confirmed"))


def dvt_resource(data) -> dict | None:
    selection = data.one_to_one("selection")
    if selection is None:
        return None
    finished = data.episode.state in ("completed", "excluded", "withdrawn", "deceased")
    return resource(
        "Condition",
        rid(data.id, "dvt"),
        revisions=data.revisions_of("selection", selection.id),
        extension=[in_episode(data.id)],
        clinicalStatus=_status("resolved" if finished else "active"),
        verificationStatus=CONFIRMED,
        category=[
            codes.concept(
                codes.coding(codes.CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
            )
        ],
        code=codes.concept(codes.coding(codes.SNOMED, *codes.DVT), text="Deep venous thrombosis"),
        bodySite=[codes.segment_concept(s) for s in selection.thrombus_segments],
        subject=ref("Patient", data.episode.patient_id),
        onsetDateTime=day(selection.symptom_onset),
        recordedDate=day(selection.assessed_on),
    )


def complication_resource(data, complication) -> dict:
    severity = [
        codes.coding(
            codes.local("sir-severity"), complication.severity, complication.get_severity_display()
        )
    ]
    if complication.severity in codes.SEVERITY_SNOMED:
        severity.append(codes.coding(codes.SNOMED, *codes.SEVERITY_SNOMED[complication.severity]))
    extension = [in_episode(data.id)]
    if complication.bleeding_class:
        extension.append(
            {
                "url": codes.extension("isth-bleeding-class"),
                "valueCodeableConcept": codes.local_concept(
                    "isth-bleeding-class",
                    complication.bleeding_class,
                    complication.get_bleeding_class_display(),
                ),
            }
        )
    timing = "early" if complication.early_after(data.notes) else "late"
    return resource(
        "Condition",
        rid(data.id, f"complication{complication.id}"),
        revisions=data.revisions_of("complication", complication.id),
        extension=extension,
        clinicalStatus=_status("active"),
        verificationStatus=CONFIRMED,
        category=[
            codes.concept(
                codes.coding(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
            ),
            codes.local_concept("complication-timing", timing),
        ],
        severity=codes.concept(*severity, text=complication.get_severity_display()),
        code=codes.local_concept("complication", complication.kind),
        subject=ref("Patient", data.episode.patient_id),
        onsetDateTime=day(complication.occurred_on),
        recordedDate=day(complication.recorded_at.date()),
        note=[{"text": complication.notes}] if complication.notes else None,
    )


def condition_resources(data) -> list[dict]:
    found = [dvt_resource(data)]
    found += [complication_resource(data, c) for c in data.complications]
    return [c for c in found if c is not None]
