from django.db.models import Q, QuerySet

from core import roles
from core.errors import InvalidInput, NotFound
from patients.models import Patient


def patient_search(*, actor, text: str = "") -> QuerySet[Patient]:
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    if "\x00" in text:  # PostgreSQL cannot compare text with a NUL byte
        raise InvalidInput({"search": "Null characters are not allowed."})
    qs = Patient.objects.all()
    for word in text.split():
        qs = qs.filter(
            Q(mrn__iexact=word) | Q(given_name__icontains=word) | Q(family_name__icontains=word)
        )
    return qs


def patient_get(*, actor, patient_id: int) -> Patient:
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    try:
        return Patient.objects.get(id=patient_id)
    except Patient.DoesNotExist:
        raise NotFound("No such patient.") from None
