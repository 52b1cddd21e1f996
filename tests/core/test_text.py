"""core.text.fold: what a search compares, on every database alike."""

import pytest

from core.text import fold


@pytest.mark.parametrize(
    ("written", "compared"),
    [
        ("Zoë", "zoe"),
        ("  Zoë   Ångström ", "zoe angstrom"),
        ("Øyvind Bjørn", "oyvind bjorn"),
        ("Łukasz Straße", "lukasz strasse"),
        ("François-Noël", "francois-noel"),
        ("MRN-00042", "mrn-00042"),
    ],
)
def test_accents_case_and_spaces_are_dropped(written, compared):
    assert fold(written) == compared
