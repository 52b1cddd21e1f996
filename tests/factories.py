"""Test data. Records go through the services (demo/walk.py), as a real client would."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.walk import (  # noqa: F401 - the record helpers tests build on
    ROUTE,
    days_ago,
    prepare_and_move,
    record_anticoagulation,
    record_discharge_plan,
    record_imaging,
    record_mdt,
    record_procedure,
    record_selection,
    walk_to,
)
from pathway import services
from pathway.codes import State
from pathway.models import Episode
from patients.models import Patient


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    birth_date = dt.date(1970, 5, 17)
    sex = Patient.Sex.FEMALE


class EpisodeFactory(factory.django.DjangoModelFactory):
    """An episode set straight into a state: for lists and counts, not for pathway rules."""

    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    state = State.SELECTION


def today() -> dt.date:
    return timezone.localdate()


def open_episode(actor, patient=None) -> Episode:
    return services.episode_open(actor=actor, patient_id=(patient or PatientFactory()).id)


def episode_in(state: str, actor, patient=None) -> Episode:
    """A real episode walked along the pathway to `state`, every guard met on the way."""
    return walk_to(actor, patient or PatientFactory(), state)
