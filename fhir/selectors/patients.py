"""Patient read and search: `identifier` (the unit's MRN system), `name` and `family` (the
start of a name part, accents and case ignored, as FHIR's string search), `birthdate` (a day,
month or year, with FHIR's prefixes eq, ne, lt, gt, le, ge)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.lookups import StartsWith

from core import roles
from core.errors import InvalidInput, NotFound
from core.text import Folded
from fhir import codes
from fhir.builders.patient import patient_resource
from fhir.selectors.paging import Found, Page
from pathway.models import Transition
from patients.models import Patient

DATE = re.compile(r"^(eq|ne|lt|gt|le|ge)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def with_death(patients: QuerySet) -> QuerySet:
    """Each patient with the date of death an episode records (a standing record_death)."""
    death = (
        Transition.objects.filter(
            episode__patient=OuterRef("pk"),
            name="record_death",
            corrects__isnull=True,
            corrected_by__isnull=True,
        )
        .order_by("-id")
        .values("effective_on")[:1]
    )
    return patients.annotate(died_on=Subquery(death))


def patients_resources(patients) -> list[dict]:
    return [patient_resource(p, died_on=getattr(p, "died_on", None)) for p in patients]


def patient_read(*, actor, patient_id: int) -> dict:
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    patient = with_death(Patient.objects.filter(id=patient_id)).first()
    if patient is None:
        raise NotFound("No such Patient.")
    return patient_resource(patient, died_on=patient.died_on)


def _identifier(value: str) -> Q:
    either = Q(pk__in=[])
    for one in value.split(","):
        system, bar, mrn = one.rpartition("|")
        if bar and system and system != codes.mrn_system():
            continue  # an identifier of another system names none of ours
        either |= Q(mrn=mrn)
    return either


def _starts(field: str, value: str) -> Q:
    either = Q(pk__in=[])
    for word in value.split(","):
        if word.strip():
            either |= Q(StartsWith(Folded(field), Folded(Value(word.strip()))))
    return either


def _birthdate(value: str) -> Q:
    match = DATE.match(value)
    if not match:
        raise InvalidInput(
            {
                "birthdate": "A date as YYYY, YYYY-MM or YYYY-MM-DD, with an optional "
                "prefix eq, ne, lt, gt, le or ge."
            }
        )
    prefix, year, month, day_ = match.groups()
    try:
        start = dt.date(int(year), int(month or 1), int(day_ or 1))
    except ValueError:
        raise InvalidInput({"birthdate": "Not a date."}) from None
    if day_:
        end = start
    elif month:
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    else:
        end = start.replace(month=12, day=31)
    return {
        None: Q(birth_date__range=(start, end)),
        "eq": Q(birth_date__range=(start, end)),
        "ne": ~Q(birth_date__range=(start, end)),
        "lt": Q(birth_date__lt=start),
        "gt": Q(birth_date__gt=end),
        "le": Q(birth_date__lte=end),
        "ge": Q(birth_date__gte=start),
    }[prefix]


def patient_search(*, actor, page: Page, identifier=(), name=(), family=(), birthdate=()) -> Found:
    """Each parameter may be repeated (all must match); a comma separates values of which one
    must match."""
    roles.require(actor, roles.VIEW_PATIENTS, "see patients")
    patients = Patient.objects.all()
    for value in identifier:
        patients = patients.filter(_identifier(value))
    for value in name:
        patients = patients.filter(_starts("given_name", value) | _starts("family_name", value))
    for value in family:
        patients = patients.filter(_starts("family_name", value))
    for value in birthdate:
        patients = patients.filter(_birthdate(value))
    patients = patients.order_by("id")
    total = patients.count()
    rows = with_death(patients)[page.offset : page.offset + page.count] if page.count else []
    return Found(patients_resources(rows), total, page)
