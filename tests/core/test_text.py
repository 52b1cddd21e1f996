"""Folded text (core/text.py): accents and case ignored, the same in Python and in the
database, so a search for "zoe" finds "Zoë" on PostgreSQL and on SQLite alike."""

import pytest
from django.db.models import Value

from core.text import Folded, fold
from patients.models import Patient
from tests.factories import PatientFactory


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zoë", "zoe"),
        ("ÅNGSTRÖM", "angstrom"),
        ("zoë.ångström", "zoe.angstrom"),
        ("Søren Ærø", "soren aero"),
        ("Łukasz Straße", "lukasz strasse"),
        ("Ｚｏｅ", "zoe"),  # full-width letters (NFKD)
        ("", ""),
    ],
)
def test_fold_drops_accents_and_case(text, folded):
    assert fold(text) == folded


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Zoë", "ÅNGSTRÖM", "Søren", "Łukasz", "Müller-Lüdenscheidt"])
def test_the_database_folds_as_python_does(name):
    PatientFactory(family_name=name)

    found = Patient.objects.annotate(f=Folded("family_name"), w=Folded(Value(name))).get()

    assert found.f == found.w == fold(name)
