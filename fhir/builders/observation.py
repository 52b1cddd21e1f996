"""Observation: INR (LOINC 6301-6, with the target range it was judged by), each stented
segment's duplex finding, the Villalta score with its items, the revised VCSS with its
attributes, the CEAP clinical class, adherence at a review, renal function and weight, and each
procedure's completion venography. From the follow-ups' results, the visits, the measurements
and the procedure notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fhir import codes
from fhir.builders.common import day, in_episode, ref, resource, rid
from pathway.villalta import pts_assessable, villalta_category, villalta_score
from tasks.services.result_rules import VCSS_ITEMS

CATEGORY = {
    "laboratory": "Laboratory",
    "imaging": "Imaging",
    "exam": "Exam",
    "survey": "Survey",
    "procedure": "Procedure",
}
OUR = "observation"


def _category(code: str) -> list[dict]:
    return [codes.concept(codes.coding(codes.OBSERVATION_CATEGORY, code, CATEGORY[code]))]


def _ours(code: str, words: str) -> dict:
    return codes.local_concept(OUR, code, words)


def _observation(data, local: str, *, revisions, category: str, code: dict, on, **elements):
    return resource(
        "Observation",
        rid(data.id, local),
        revisions=revisions,
        extension=[in_episode(data.id)],
        status="amended" if revisions and len(revisions) > 1 else "final",
        category=_category(category),
        code=code,
        subject=ref("Patient", data.episode.patient_id),
        effectiveDateTime=day(on),
        **elements,
    )


def _inr(data, key, revisions, on, result) -> list[dict]:
    if not result.get("inr"):
        return []
    inr = Decimal(result["inr"])
    elements: dict[str, Any] = {
        "valueQuantity": {
            "value": float(inr),
            "unit": "{INR}",
            "system": codes.UCUM,
            "code": "{INR}",
        }
    }
    if target := result.get("target"):
        low, high = (Decimal(t) for t in target)
        elements["referenceRange"] = [
            {"low": {"value": float(low)}, "high": {"value": float(high)}, "text": "target range"}
        ]
        flag = "L" if inr < low else "H" if inr > high else "N"
        words = {"L": "Low", "H": "High", "N": "Normal"}[flag]
        elements["interpretation"] = [
            codes.concept(codes.coding(codes.INTERPRETATION, flag, words))
        ]
    code = codes.concept(codes.coding(codes.LOINC, *codes.INR), text="INR")
    return [
        _observation(
            data,
            f"{key}-inr",
            revisions=revisions,
            category="laboratory",
            code=code,
            on=on,
            **elements,
        )
    ]


def _villalta(data, key, revisions, on, items, procedure_on) -> dict:
    component = [
        {"code": codes.local_concept("villalta-item", name), "valueInteger": int(items[name])}
        for name in items
        if name != "ulcer"
    ]
    if "ulcer" in items:
        component.append(
            {
                "code": codes.local_concept("villalta-item", "ulcer"),
                "valueBoolean": bool(items["ulcer"]),
            }
        )
    # PTS is diagnosed only from 3 months after the procedure (pathway.md section 3).
    if procedure_on is None or pts_assessable(dt.date.fromisoformat(procedure_on), on):
        category = villalta_category(items)
        component.append(
            {
                "code": _ours("pts-category", "PTS category"),
                "valueCodeableConcept": codes.local_concept("pts-category", category),
            }
        )
    return _observation(
        data,
        f"{key}-villalta",
        revisions=revisions,
        category="exam",
        code=_ours("villalta", "Villalta score"),
        on=on,
        valueInteger=villalta_score(items),
        component=component,
    )


def _duplex(data, key, revisions, on, record) -> list[dict]:
    found = []
    for segment in data.results_of(record):
        found.append(
            _observation(
                data,
                f"{key}-duplex-{segment.segment}",
                revisions=revisions,
                category="imaging",
                code=_ours("duplex-segment", "Duplex ultrasound of a stented segment"),
                on=on,
                bodySite=codes.segment_concept(segment.segment),
                valueCodeableConcept=codes.local_concept("duplex-result", segment.result),
            )
        )
    result = record.result or {}
    if result.get("villalta"):
        found.append(
            _villalta(data, key, revisions, on, result["villalta"], result.get("procedure_on"))
        )
    if vcss := result.get("vcss"):
        component = [
            {"code": codes.local_concept("vcss-item", name), "valueInteger": int(vcss[name])}
            for name in VCSS_ITEMS
            if name in vcss
        ]
        found.append(
            _observation(
                data,
                f"{key}-vcss",
                revisions=revisions,
                category="exam",
                code=_ours("vcss", "Revised Venous Clinical Severity Score"),
                on=on,
                valueInteger=sum(int(v) for v in vcss.values()),
                component=component,
            )
        )
    if ceap := result.get("ceap"):
        found.append(
            _observation(
                data,
                f"{key}-ceap",
                revisions=revisions,
                category="exam",
                code=_ours("ceap", "CEAP clinical class"),
                on=on,
                valueCodeableConcept=codes.local_concept("ceap", ceap),
            )
        )
    return found


def _review(data, key, revisions, on, result) -> list[dict]:
    found = []
    for name, words in (
        ("adherent", "Adherence to the anticoagulant"),
        ("compression_adherent", "Adherence to compression"),
    ):
        if result.get(name) is not None:
            found.append(
                _observation(
                    data,
                    f"{key}-{name}",
                    revisions=revisions,
                    category="survey",
                    code=_ours(name, words),
                    on=on,
                    valueBoolean=bool(result[name]),
                )
            )
    return found


def result_observations(data, record, key: str, revisions) -> list[dict]:
    """The observations of a follow-up's or a visit's result."""
    on, result = record.performed_on, record.result or {}
    if record.kind == "inr_check":
        return _inr(data, key, revisions, on, result)
    if record.kind == "duplex":
        return _duplex(data, key, revisions, on, record)
    return _review(data, key, revisions, on, result)


def follow_up_key(follow_up) -> str:
    return f"fu{follow_up.id}"


def measurement_observations(data, measurement) -> list[dict]:
    revisions = data.revisions_of("measurement", measurement.id)
    found = []
    for value, local, code, unit in (
        (measurement.weight_kg, "weight", codes.coding(codes.LOINC, *codes.BODY_WEIGHT), "kg"),
        (
            measurement.creatinine_umol_l,
            "creatinine",
            codes.coding(codes.LOINC, *codes.CREATININE),
            "umol/L",
        ),
        (
            measurement.creatinine_clearance_ml_min,
            "creatinine-clearance",
            codes.coding(codes.local(OUR), "creatinine-clearance", "Creatinine clearance"),
            "mL/min",
        ),
    ):
        if value is None:
            continue
        found.append(
            _observation(
                data,
                f"m{measurement.id}-{local}",
                revisions=revisions,
                category="laboratory" if local != "weight" else "exam",
                code=codes.concept(code, text=code["display"]),
                on=measurement.measured_on,
                valueQuantity=codes.quantity(value, unit),
            )
        )
    return found


def venography_observation(data, note) -> dict | None:
    if note.completion_patent is None:
        return None
    component = [
        {
            "code": _ours("completion-patent", "Patent at completion"),
            "valueBoolean": bool(note.completion_patent),
        },
        {"code": _ours("dissection", "Dissection"), "valueBoolean": bool(note.dissection)},
    ]
    if note.residual_stenosis_pct is not None:
        component.append(
            {
                "code": _ours("residual-stenosis", "Residual stenosis"),
                "valueQuantity": codes.quantity(note.residual_stenosis_pct, "%"),
            }
        )
    return _observation(
        data,
        f"procedure{note.id}-venography",
        revisions=data.revisions_of("procedure_note", note.id),
        category="procedure",
        code=_ours("completion-venography", "Completion venography"),
        on=note.date,
        partOf=[ref("Procedure", rid(data.id, f"procedure{note.id}"))],
        component=component,
    )


def observation_resources(data) -> list[dict]:
    found = []
    for note in data.notes:
        if (venography := venography_observation(data, note)) is not None:
            found.append(venography)
    for follow_up in data.follow_ups:
        if follow_up.performed_on is not None and follow_up.cancelled_at is None:
            found += result_observations(
                data,
                follow_up,
                follow_up_key(follow_up),
                data.revisions_of("follow_up", follow_up.id),
            )
    for visit in data.visits:
        found += result_observations(
            data, visit, f"v{visit.id}", data.revisions_of("visit", visit.id)
        )
    for measurement in data.measurements:
        found += measurement_observations(data, measurement)
    return found
