"""Writing the synthetic cohort in several processes: the same cohort as one process writes,
and refused where the database takes one writer at a time."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from demo.synthetic import cohort_generate, cohort_summary
from patients.models import Patient

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel writers need PostgreSQL"
)


@pytest.mark.django_db
def test_load_cohort_refuses_parallel_writers_on_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError, match="Parallel writers need PostgreSQL"):
        call_command("load_cohort", patients=2, seed=4, workers=2, verbosity=0)
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_load_cohort_refuses_no_workers():
    with pytest.raises(CommandError, match="--workers must be 1 or more"):
        call_command("load_cohort", patients=2, seed=4, workers=0, verbosity=0)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_write_the_cohort_one_process_writes_and_count_every_patient():
    with transaction.atomic():
        cohort_generate(patients=12, seed=9, years=2)
        alone = cohort_summary(seed=9)
        transaction.set_rollback(True)
    finished = []

    cohort_generate(patients=12, seed=9, years=2, workers=2, progress=finished.append)

    assert cohort_summary(seed=9) == alone
    assert alone["results"] and finished == [1] * 12
