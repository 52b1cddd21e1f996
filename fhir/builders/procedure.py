"""Procedure: the thrombectomy and each re-intervention (`partOf` the first), with its
technique, thrombolytic agent and dose, IVUS, access and completion venography; each stent a
`focalDevice` with its body sites, pointing at a Device (product, diameter and length, lot,
UDI). The completion venography is also an Observation (fhir/builders/observation.py)."""

from __future__ import annotations

from typing import Any

from fhir import codes
from fhir.builders.common import day, in_episode, ref, resource, rid
from pathway.codes import THROMBOLYTIC_UNIT


def procedure_id(data, note) -> str:
    return rid(data.id, f"procedure{note.id}")


def device_id(data, stent) -> str:
    return rid(data.id, f"stent{stent.id}")


def _ext(name: str, **value) -> dict:
    return {"url": codes.extension(name), **value}


def _thrombolysis(note) -> dict | None:
    if not note.thrombolytic_agent:
        return None
    parts = [
        _ext(
            "thrombolysis-agent", valueCodeableConcept=codes.agent_concept(note.thrombolytic_agent)
        )
    ]
    if note.thrombolytic_dose is not None:
        unit = note.thrombolytic_dose_unit or THROMBOLYTIC_UNIT.get(note.thrombolytic_agent, "")
        parts.append(
            _ext("thrombolysis-dose", valueQuantity=codes.quantity(note.thrombolytic_dose, unit))
        )
    return {"url": codes.extension("thrombolysis"), "extension": parts}


def _access(access: dict) -> dict:
    words = f"{access.get('side', '')} {access.get('vein', '')}".strip()
    found: dict[str, Any] = {
        "url": codes.extension("access"),
        "extension": [
            _ext(
                "access-vein",
                valueCodeableConcept=codes.local_concept(
                    "access-vein", access.get("vein", "unknown"), words
                ),
            )
        ],
    }
    if "ultrasound_guided" in access:
        found["extension"].append(
            _ext("ultrasound-guided", valueBoolean=bool(access["ultrasound_guided"]))
        )
    return found


def procedure_resource(data, note, first) -> dict:
    """`first`: the index procedure's note (the one every re-intervention is part of)."""
    reintervention = note.reintervention_id is not None
    move = data.move(note.reintervention_id)
    cause = getattr(move, "reintervention", None) if move else None
    extension = [
        in_episode(data.id),
        _ext("technique", valueCodeableConcept=codes.local_concept("technique", note.technique)),
        _ext("ivus", valueBoolean=note.ivus),
        _ext("angioplasty", valueBoolean=note.angioplasty),
    ]
    if (thrombolysis := _thrombolysis(note)) is not None:
        extension.append(thrombolysis)
    extension += [_access(a) for a in note.access or [] if isinstance(a, dict)]
    if note.inflow:
        extension.append(_ext("inflow", valueCode=note.inflow))
    if note.underlying_lesion:
        extension.append(_ext("underlying-lesion", valueCode=note.underlying_lesion))
    stents = data.stents_of(note)
    segments = list(dict.fromkeys(s for stent in stents for s in data.segments_of(stent)))
    patent = note.completion_patent
    outcome_text = (
        "completion venography: " + ("patent" if patent else "not patent")
        if patent is not None
        else None
    )
    return resource(
        "Procedure",
        procedure_id(data, note),
        revisions=data.revisions_of("procedure_note", note.id),
        extension=extension,
        partOf=[ref("Procedure", procedure_id(data, first))]
        if reintervention and first is not None and first is not note
        else None,
        status="completed",
        category=codes.local_concept(
            "procedure",
            "reintervention" if reintervention else "index",
            "re-intervention" if reintervention else "index procedure",
        ),
        code=codes.local_concept(
            "procedure",
            "ilio-caval-thrombectomy-stenting",
            "Ilio-caval thrombectomy with venous stent reconstruction",
        ),
        subject=ref("Patient", data.episode.patient_id),
        performedDateTime=day(note.date),
        reasonCode=[codes.local_concept("reintervention-cause", cause.cause)]
        if cause is not None
        else None,
        reasonReference=[ref("Condition", rid(data.id, "dvt"))]
        if data.one_to_one("selection") is not None
        else None,
        bodySite=[codes.segment_concept(s) for s in segments],
        outcome={"text": outcome_text} if outcome_text else None,
        report=None,
        usedCode=[{"text": note.device}] if note.device else None,
        focalDevice=[
            {
                "extension": [
                    {
                        "url": codes.extension("body-site"),
                        "valueCodeableConcept": codes.segment_concept(s),
                    }
                    for s in data.segments_of(stent)
                ],
                "action": codes.local_concept("device-action", "implanted"),
                "manipulated": ref("Device", device_id(data, stent)),
            }
            for stent in stents
        ],
        note=[{"text": note.complications}] if note.complications else None,
    )


def device_resource(data, note, stent) -> dict:
    udi = [{"carrierHRF": stent.udi}] if stent.udi else None
    properties = [
        {
            "type": codes.local_concept("device-property", "diameter"),
            "valueQuantity": [codes.quantity(stent.diameter_mm, "mm")],
        },
        {
            "type": codes.local_concept("device-property", "length"),
            "valueQuantity": [codes.quantity(stent.length_mm, "mm")],
        },
    ]
    return resource(
        "Device",
        device_id(data, stent),
        revisions=data.revisions_of("procedure_note", note.id),
        udiCarrier=udi,
        status="active",
        lotNumber=stent.lot or None,
        deviceName=[{"name": stent.product, "type": "user-friendly-name"}],
        type=codes.local_concept("device-type", "venous-stent", "venous stent"),
        property=properties,
        patient=ref("Patient", data.episode.patient_id),
    )


def procedure_resources(data) -> list[dict]:
    first = next((n for n in data.notes if n.reintervention_id is None), None)
    return [procedure_resource(data, note, first) for note in data.notes]


def device_resources(data) -> list[dict]:
    return [
        device_resource(data, note, stent) for note in data.notes for stent in data.stents_of(note)
    ]
