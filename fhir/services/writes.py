"""POST /fhir/Patient and POST /fhir/ServiceRequest: the resource is parsed (R4B), the facts
we keep are taken from it, and the patients' or pathway's service does the write."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import roles
from core.errors import InvalidInput
from fhir import codes
from fhir.services.parse import resource_parse
from pathway.services import episode_open
from patients.models import Patient
from patients.services import patient_create

GENDERS = ("female", "male", "other", "unknown")


def _mrn(patient) -> str:
    for identifier in patient.identifier or []:
        if identifier.system == codes.mrn_system() and identifier.value:
            return identifier.value.strip()
    raise InvalidInput(
        {
            "Patient.identifier": f"An identifier with the unit's MRN system "
            f"({codes.mrn_system()}) is required."
        }
    )


def _names(patient) -> tuple[str, str]:
    names = sorted(patient.name or [], key=lambda n: n.use != "official")
    for name in names:
        if name.family and name.given:
            return " ".join(name.given).strip(), name.family.strip()
    raise InvalidInput({"Patient.name": "A name with a family name and a given name is required."})


def patient_create_or_match(*, actor, body) -> tuple[Patient, bool]:
    """The patient with the resource's MRN (unchanged), or a new one: (patient, created)."""
    roles.require(actor, roles.MANAGE_PATIENTS, "register patients")
    resource = resource_parse("Patient", body)
    mrn = _mrn(resource)
    existing = Patient.objects.filter(mrn=mrn).first()
    if existing is not None:
        return existing, False
    given, family = _names(resource)
    if not isinstance(resource.birthDate, dt.date):  # None, or a year or month alone
        raise InvalidInput({"Patient.birthDate": "The full birth date (YYYY-MM-DD) is required."})
    if resource.gender not in GENDERS:
        raise InvalidInput({"Patient.gender": f"One of {', '.join(GENDERS)} is required."})
    try:
        patient = patient_create(
            actor=actor,
            mrn=mrn,
            given_name=given,
            family_name=family,
            birth_date=resource.birthDate,
            sex=resource.gender,
        )
    except InvalidInput as error:
        if "mrn" in error.errors and Patient.objects.filter(mrn=mrn).exists():
            return Patient.objects.get(mrn=mrn), False  # registered at the same moment
        raise
    return patient, True


def _subject(request) -> int:
    subject = request.subject
    reference = (subject.reference or "") if subject else ""
    if reference.startswith("Patient/") and reference[8:].isdigit() and len(reference) < 27:
        patient = Patient.objects.filter(id=int(reference[8:])).values_list("id", flat=True)
        if found := patient.first():
            return found
    elif subject is not None and subject.identifier is not None:
        identifier = subject.identifier
        if identifier.system == codes.mrn_system() and identifier.value:
            by_mrn = Patient.objects.filter(mrn=identifier.value.strip()).values_list(
                "id", flat=True
            )
            if patient_id := by_mrn.first():
                return patient_id
    raise InvalidInput(
        {
            "ServiceRequest.subject": "Name a known patient: Patient/<id>, or an "
            "identifier with the unit's MRN system."
        }
    )


def _authored_on(request) -> dt.date | None:
    """The referral date: authoredOn's day (in the unit's time zone for a dateTime)."""
    authored = request.authoredOn
    if authored is None:
        return None
    if isinstance(authored, dt.datetime):
        return timezone.localtime(authored).date()
    if isinstance(authored, dt.date):
        return authored
    raise InvalidInput({"ServiceRequest.authoredOn": "A full date (YYYY-MM-DD) or dateTime."})


def referral_open(*, actor, body) -> int:
    """Open an episode in selection for the patient the referral names, dated `authoredOn`
    (today without one), through the pathway's own service: the episode's id."""
    roles.require(actor, roles.OPEN_EPISODES, "open episodes")
    request = resource_parse("ServiceRequest", body)
    if request.status not in ("active", "draft"):
        raise InvalidInput({"ServiceRequest.status": "A referral to act on is active."})
    patient_id = _subject(request)
    episode = episode_open(actor=actor, patient_id=patient_id, opened_on=_authored_on(request))
    return episode.id
