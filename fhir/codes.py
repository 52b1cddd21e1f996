"""Code systems and the maps from our codes to them: SNOMED CT, LOINC and ATC where a standard
code exists and was checked, a local code system under the project's URL otherwise (every local
one is listed in the CapabilityStatement)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


@functools.cache
def base() -> str:
    """FHIR_SYSTEM_BASE, read once (a bulk export asks for it a million times)."""
    return settings.FHIR_SYSTEM_BASE


def mrn_system() -> str:
    """The unit's MRN identifier system (FHIR_MRN_SYSTEM)."""
    return settings.FHIR_MRN_SYSTEM


@functools.cache
def local(name: str) -> str:
    """The URL of one of our local code systems."""
    return f"{base()}/CodeSystem/{name}"


@functools.cache
def extension(name: str) -> str:
    return f"{base()}/StructureDefinition/{name}"


@receiver(setting_changed)
def _forget(setting, **kwargs) -> None:
    """A test that changes FHIR_SYSTEM_BASE gets URLs under the new one."""
    if setting == "FHIR_SYSTEM_BASE":
        for cached in (base, local, extension):
            cached.cache_clear()


# The local code systems, each with what it codes (listed in the CapabilityStatement).
LOCAL_SYSTEMS = {
    "pathway-state": "the episode's state in the pathway (pathway.md section 1)",
    "pathway-move": "a move of the episode (pathway.md section 2)",
    "episode-type": "the kind of episode of care",
    "procedure": "the thrombectomy and re-intervention",
    "technique": "the thrombus-removal technique",
    "thrombolytic": "the thrombolytic agent",
    "reintervention-cause": "why a re-intervention was made",
    "segment": "a venous segment with its side",
    "access-vein": "the access vein of a procedure",
    "device-type": "the kind of device",
    "device-property": "a device's measured property",
    "device-action": "what was done with a device",
    "complication": "a complication (pathway.md section 3)",
    "complication-timing": "early (within 30 days of the procedure it follows) or late",
    "sir-severity": "the SIR adverse-event severity",
    "isth-bleeding-class": "the ISTH bleeding class",
    "observation": "our observations without a LOINC code",
    "duplex-result": "a stented segment's duplex finding",
    "villalta-item": "an item of the Villalta score",
    "pts-category": "the PTS category of a Villalta score",
    "vcss-item": "an attribute of the revised VCSS",
    "ceap": "the CEAP clinical class",
    "agent": "an anticoagulant or thrombolytic as the unit records it",
    "follow-up": "a kind of follow-up (pathway.md section 4)",
    "follow-up-status": "a follow-up's status, derived from its window",
    "alert": "a kind of alert",
    "record": "a pathway record whose revisions are kept",
    "referral": "the referral for ilio-caval thrombectomy assessment",
    "care-plan": "the surveillance plan",
}

# Venous segments: SNOMED CT body structures where the issue names them; every segment also
# carries its local code, and its side as a SNOMED laterality qualifier.
SEGMENT_SNOMED = {
    "ivc": ("64131007", "Inferior vena cava structure"),
    "common_iliac": ("46027005", "Common iliac vein structure"),
    "external_iliac": ("63507001", "External iliac vein structure"),
}
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right")}
DVT = ("128053003", "Deep venous thrombosis")
INR = ("6301-6", "INR in Platelet poor plasma by Coagulation assay")
BODY_WEIGHT = ("29463-7", "Body weight")
CREATININE = ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma")
SEVERITY_SNOMED = {
    "mild": ("255604002", "Mild"),
    "moderate": ("6736007", "Moderate"),
    "severe": ("24484000", "Severe"),
}
# ATC codes of the agents the unit records by name (the unnamed classes carry their class).
AGENT_ATC = {
    "ufh_infusion": ("B01AB01", "heparin"),
    "enoxaparin": ("B01AB05", "enoxaparin"),
    "dalteparin": ("B01AB04", "dalteparin"),
    "tinzaparin": ("B01AB10", "tinzaparin"),
    "fondaparinux": ("B01AX05", "fondaparinux"),
    "warfarin": ("B01AA03", "warfarin"),
    "acenocoumarol": ("B01AA07", "acenocoumarol"),
    "phenprocoumon": ("B01AA04", "phenprocoumon"),
    "apixaban": ("B01AF02", "apixaban"),
    "rivaroxaban": ("B01AF01", "rivaroxaban"),
    "edoxaban": ("B01AF03", "edoxaban"),
    "dabigatran": ("B01AE07", "dabigatran etexilate"),
    "lmwh": ("B01AB", "Heparin group"),
    "vka": ("B01AA", "Vitamin K antagonists"),
    "alteplase": ("B01AD02", "alteplase"),
    "urokinase": ("B01AD04", "urokinase"),
}
UCUM_UNITS = {
    "mg": "mg",
    "IU": "[iU]",
    "kg": "kg",
    "umol/L": "umol/L",
    "mL/min": "mL/min",
    "%": "%",
    "mm": "mm",
}


def coding(system: str, code: str, display: str | None = None) -> dict:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict, text: str | None = None) -> dict:
    found: dict = {"coding": list(codings)}
    if text:
        found["text"] = text
    return found


def local_concept(system: str, code: str, text: str | None = None) -> dict:
    words = text or code.replace("_", " ")
    return concept(coding(local(system), code, words), text=words)


def segment_concept(segment: str) -> dict:
    """A segment ("ivc", "left_common_iliac") as a body site: its local code, and SNOMED CT's
    structure and laterality where known."""
    side, _, vein = segment.partition("_")
    if segment == "ivc":
        side, vein = "", "ivc"
    codings = [coding(local("segment"), segment, segment.replace("_", " "))]
    if vein in SEGMENT_SNOMED:
        codings.append(coding(SNOMED, *SEGMENT_SNOMED[vein]))
    if side in LATERALITY:
        codings.append(coding(SNOMED, *LATERALITY[side]))
    return concept(*codings, text=segment.replace("_", " "))


def agent_concept(agent: str, label: str | None = None) -> dict:
    codings = [coding(local("agent"), agent, label or agent)]
    if agent in AGENT_ATC:
        codings.append(coding(ATC, *AGENT_ATC[agent]))
    return concept(*codings, text=label or agent.replace("_", " "))


def quantity(value, unit: str) -> dict:
    found = {"value": float(value) if not isinstance(value, int) else value, "unit": unit}
    if unit in UCUM_UNITS:
        found |= {"system": UCUM, "code": UCUM_UNITS[unit]}
    return found
