"""Patient: the MRN under the unit's identifier system, the names, birth date, sex, and the
date of death when an episode records one. Patients keep no revisions: no meta.versionId."""

from __future__ import annotations

from fhir import codes
from fhir.builders.common import day, resource

GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def mrn_identifier(mrn: str) -> dict:
    return {
        "use": "usual",
        "type": {"coding": [codes.coding(codes.V2_0203, "MR", "Medical record number")]},
        "system": codes.mrn_system(),
        "value": mrn,
    }


def patient_resource(patient, *, died_on=None) -> dict:
    return resource(
        "Patient",
        patient.id,
        identifier=[mrn_identifier(patient.mrn)],
        active=True,
        name=[{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        gender=GENDER[patient.sex],
        birthDate=day(patient.birth_date),
        deceasedDateTime=day(died_on),
    )
