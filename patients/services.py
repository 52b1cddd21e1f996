import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone

from core import roles
from core.errors import InvalidInput, NotFound
from patients.models import Patient, PatientAccess

# A birth date before it is a typing error (pathway.md section 6), not a patient.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _check(*, mrn: str, birth_date: dt.date, exclude_id: int | None = None) -> None:
    if birth_date > timezone.localdate():
        raise InvalidInput({"birth_date": "Birth date cannot be in the future."})
    if birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidInput(
            {"birth_date": f"Birth date cannot be before {EARLIEST_BIRTH_DATE.isoformat()}."}
        )
    same_mrn = Patient.objects.filter(mrn=mrn)
    if exclude_id is not None:
        same_mrn = same_mrn.exclude(id=exclude_id)
    if same_mrn.exists():
        raise InvalidInput({"mrn": "A patient with this MRN already exists."})


def patient_create(
    *, actor, mrn: str, given_name: str, family_name: str, birth_date: dt.date, sex: str
) -> Patient:
    roles.require(actor, roles.MANAGE_PATIENTS, "register patients")
    _check(mrn=mrn, birth_date=birth_date)
    patient = Patient(
        mrn=mrn, given_name=given_name, family_name=family_name, birth_date=birth_date, sex=sex
    )
    patient.full_clean()
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:  # a concurrent registration of the same MRN
        raise InvalidInput({"mrn": "A patient with this MRN already exists."}) from exc
    return patient


def patient_update(*, actor, patient_id: int, **fields) -> Patient:
    roles.require(actor, roles.MANAGE_PATIENTS, "change patient details")
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(id=patient_id).first()
        if patient is None:
            raise NotFound("No such patient.")
        for name, value in fields.items():
            setattr(patient, name, value)
        _check(mrn=patient.mrn, birth_date=patient.birth_date, exclude_id=patient.id)
        patient.full_clean()
        patient.save()
    return patient


def patient_access_record(
    *, actor, patient_id: int | Subquery, what: str, episode_id: int | None = None
) -> None:
    """One row per read of a patient's record by a signed-in user (after the read was allowed:
    a refused read reaches no record)."""
    PatientAccess.objects.create(
        user_id=actor.pk, patient_id=patient_id, episode_id=episode_id, what=what
    )
