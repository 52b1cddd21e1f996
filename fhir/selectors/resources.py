"""Every resource of an episode, built from what fhir/selectors/load.py read (no query of its
own), by type, in the order a $everything Bundle lists them."""

from __future__ import annotations

from fhir.builders.careplan import careplan_resource
from fhir.builders.condition import condition_resources
from fhir.builders.episode import episode_resource
from fhir.builders.medication import medication_resources
from fhir.builders.observation import observation_resources
from fhir.builders.procedure import device_resources, procedure_resources
from fhir.builders.provenance import provenance_resources
from fhir.builders.referral import referral_resource
from fhir.builders.task import task_resources

# The types an episode's records are given as (Patient apart: one patient, many episodes).
EPISODE_TYPES = (
    "EpisodeOfCare",
    "ServiceRequest",
    "Condition",
    "Procedure",
    "Device",
    "Observation",
    "MedicationStatement",
    "CarePlan",
    "Task",
    "Provenance",
)


def episode_resources(data, types=EPISODE_TYPES) -> dict[str, list[dict]]:
    """The episode's resources of each of `types` (all by default), by type. Tasks name the
    observations of their results and Provenance the resources of each revised record, so
    asking for either builds what they point at too."""
    wanted = set(types)
    built: dict[str, list[dict]] = {}
    need_all = "Provenance" in wanted
    if need_all or "EpisodeOfCare" in wanted:
        built["EpisodeOfCare"] = [episode_resource(data)]
    if need_all or "ServiceRequest" in wanted:
        built["ServiceRequest"] = [referral_resource(data)]
    if need_all or "Condition" in wanted:
        built["Condition"] = condition_resources(data)
    if need_all or "Procedure" in wanted:
        built["Procedure"] = procedure_resources(data)
    if need_all or "Device" in wanted:
        built["Device"] = device_resources(data)
    if need_all or wanted & {"Observation", "Task"}:
        built["Observation"] = observation_resources(data)
    if need_all or "MedicationStatement" in wanted:
        built["MedicationStatement"] = medication_resources(data)
    if need_all or "CarePlan" in wanted:
        plan = careplan_resource(data)
        built["CarePlan"] = [plan] if plan else []
    if need_all or "Task" in wanted:
        built["Task"] = task_resources(data, [o["id"] for o in built["Observation"]])
    if need_all:
        ids = [(t, r["id"]) for t in EPISODE_TYPES if t in built for r in built[t]]
        built["Provenance"] = provenance_resources(data, ids)
    return {t: built.get(t, []) for t in EPISODE_TYPES if t in wanted}
