"""Search is bounded (words, length) and indexed: its cost cannot grow with what is typed."""

import pytest
from django.db import connection

from patients.selectors import SEARCH_MAX_CHARS, SEARCH_MAX_WORDS
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_a_search_of_too_many_words_is_refused_in_words(as_coordinator):
    response = as_coordinator.get("/api/patients/", {"search": " ".join(["ann"] * 6)})

    assert response.status_code == 400
    assert f"at most {SEARCH_MAX_WORDS} words" in response.json()["search"][0]


def test_a_three_kilobyte_search_is_refused_at_once(as_coordinator):
    response = as_coordinator.get("/api/patients/", {"search": "x" * 3000})

    assert response.status_code == 400
    assert f"at most {SEARCH_MAX_CHARS} characters" in response.json()["search"][0]
    assert "xxxx" not in response.content.decode()  # the search is not echoed back


def test_the_longest_search_allowed_still_finds_the_patient(as_coordinator):
    PatientFactory(given_name="Marianne", family_name="Castellano-Whitford")
    words = "mari anne castel lano whitford"
    response = as_coordinator.get("/api/patients/", {"search": words})

    assert response.status_code == 200 and response.json()["count"] == 1


def test_a_worklist_search_too_long_is_answered_on_the_form_not_with_a_500(client, coordinator):
    client.force_login(coordinator)
    too_many = client.post("/episodes/", {"q": "ann " * 6})
    too_long = client.post("/episodes/", {"q": "y" * 500})

    assert too_many.status_code == 400 and b"at most 5 words" in too_many.content
    assert too_long.status_code == 400 and b"at most 100 characters" in too_long.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
def test_name_words_are_answered_from_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM patients_patient WHERE UPPER(family_name::text) LIKE UPPER(%s)",
            ["%castel%"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "patient_family_trgm" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("pattern", "index"),
    [("%zoe%", "patient_family_fold_trgm"), ("zo%", "patient_family_fold_prefix")],
)
def test_folded_name_words_are_answered_from_their_indexes(pattern, index):
    """The accent-insensitive search (core/text.py) reads indexes too, not every patient."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM patients_patient WHERE core_fold(family_name) LIKE %s",
            [pattern],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert index in plan
