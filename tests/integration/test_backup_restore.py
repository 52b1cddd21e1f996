"""A backup (bin/backup.sh, pg_dump) restored into a new database (bin/restore.sh, pg_restore)
holds every row of every table: the episodes, their history, follow-ups and revisions."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from demo.synthetic import cohort_generate

BIN = Path(__file__).resolve().parents[2] / "bin"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's"),
]
KEPT = [
    "pathway_episode",
    "pathway_transition",
    "tasks_followup",
    "tasks_historicalfollowup",
    "pathway_historicalprocedurenote",
    "pathway_historicalselectionassessment",
]


def url(dbname: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{dbname}"


def contents(dbname: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of all its rows, as text in a fixed order."""
    with psycopg.connect(url(dbname)) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table}" t'
            ).fetchone()
            for table in tables
        }


@pytest.fixture
def new_database():
    """A database of this test's own, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restored_into_a_new_database_holds_every_row(tmp_path, new_database):
    cohort_generate(patients=10, seed=31, years=2)
    source = connection.settings_dict["NAME"]
    backup = tmp_path / "pathway.dump"

    made = run(str(BIN / "backup.sh"), str(backup), BACKUP_DATABASE_URL=url(source))
    assert made.returncode == 0, made.stderr
    restored = run(str(BIN / "restore.sh"), str(backup), url(new_database))
    assert restored.returncode == 0, restored.stderr

    before, after = contents(source), contents(new_database)
    assert after == before
    assert all(before[table][0] > 0 for table in KEPT), {t: before[t] for t in KEPT}


def test_a_restore_refuses_a_database_that_has_tables(tmp_path, django_db_setup):
    """Restoring over the live database would mix two histories: refused, nothing written."""
    source = connection.settings_dict["NAME"]

    refused = run(str(BIN / "restore.sh"), str(tmp_path / "any.dump"), url(source))

    assert refused.returncode == 1
    assert "restore into a new, empty one" in refused.stderr
