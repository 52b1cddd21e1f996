"""Every benchmark runs to its end at tiny sizes, so `make bench` cannot break unnoticed: the
runner (bench/run.py: moves beside pgbench, the sweep, the pages at one size) and the scripts
of their own (sweep, pages, outcomes, search, fhir). The figures mean nothing at these sizes; what
is checked is that each prints them and exits cleanly.

Each runs as `make bench` does: a process of its own, as the databases' owner, on databases
of its own (never the test database), which it empties first, with a Redis of its own as
broker. The databases are copies of a template migrated once for the migrations of the day
(a fresh migration costs more than all the benchmarks together): the one the suite's test
databases are copied from (tests/template_db.py), else one of this test's own; and, as
`make bench`'s, kept for the next run, which copies them afresh once the template has
changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests import template_db
from tests.integration.workers import PrivateRedis

# django_db: the test database exists (its name tells this run's throwaway databases apart),
# though the benchmarks never touch it.
pytestmark = [pytest.mark.bench, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PREFIX = "bench_smoke_tpl_"
KEEP_TEMPLATES = 4  # more than this (other worktrees' migrations) and the others are dropped
LOCK = 7_151_931  # pg_advisory_lock key: one template built, copied or dropped at a time
AT_MOST = 300  # seconds any one benchmark may take here, however busy the machine

TINY = {
    "BENCH_SIZES": "40",
    "BENCH_REQUESTS": "2",  # bench/outcomes.py's p95 needs two samples
    "BENCH_CLIENTS": "1",
    "BENCH_SECONDS": "0.2",
    "BENCH_MOVE_EPISODES": "1",
    "BENCH_SWEEP_EPISODES": "20",
    "BENCH_SWEEP_OWED": "2",
    "BENCH_PGBENCH_SCALE": "1",
    "BENCH_EPISODES": "30",
    "BENCH_OWED": "2",
    "BENCH_WALKED": "5",
    "BENCH_PATIENTS": "50",
}
# Each benchmark: its database (the runner's phases add `_moves` and `_sweep` to its name, and
# it checks that the name starts with pathway_bench_run) and lines its output must hold: its
# figures, every phase's.
BENCHMARKS = {
    "run": {
        "database": "pathway_bench_run_smoke",
        "phases": ["", "_moves", "_sweep"],
        "expect": [
            "| moves/s, 1 client: services / raw SQL | - |",
            "| sweep: alerts/s",
            "| sweep: claiming selects",
            "| worklist /episodes/ | 40 |",
            "| outcomes /dashboard/outcomes/ (warm) | 40 |",
            "| web process peak RSS (VmHWM) | 40 |",
            "| FHIR $everything /fhir/EpisodeOfCare/<id>/$everything | 40 |",
            "| FHIR bulk export: resources/s",
            "written to ",
        ],
    },
    "sweep": {
        "database": "pathway_bench_smoke_sweep",
        "expect": [
            "filled 30 episodes, 300 follow-ups",
            "raw indexed select: 2 owed rows",
            "2 alerts written",
            "second sweep the same day: 0 alerts",
        ],
    },
    "pages": {
        "database": "pathway_bench_smoke_pages",
        "expect": ["filled 30 episodes (5 walked", "worklist (coordinator)", "API alert inbox"],
    },
    "outcomes": {
        "database": "pathway_bench_smoke_outcomes",
        "expect": ["filled 30 episodes", "GET /api/dashboard/outcomes/", "primary patency"],
    },
    "fhir": {
        "database": "pathway_bench_smoke_fhir",
        "expect": ["filled 40 episodes", "| FHIR $everything", "| FHIR bulk export: peak RSS"],
    },
    "search": {
        "database": "pathway_bench_smoke_search",
        "expect": ["filled 50 patients", "an MRN", "worst p95"],
    },
}


def _server() -> dict:
    db = settings.DATABASES["default"]
    return {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"]}


def _url(name: str) -> str:
    s = _server()
    return f"postgres://{s['user']}@{s['host']}:{s['port']}/{name}"


@contextmanager
def _admin():
    """A connection to the server's `postgres` database, holding the bench smoke lock."""
    with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def _drop(conn, name: str) -> None:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _suffix() -> str:
    """What tells this run's databases from a parallel run's: the test database's name
    (pytest-django gives each xdist worker its own)."""
    from django.db import connection

    return connection.settings_dict["NAME"].removeprefix("test_")[-24:]


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _template(conn) -> str:
    """The migrated template for today's migrations, made if missing (lock held): when the
    suite's test databases were not copied from one of their own (--reuse-db and the like)."""
    name = TEMPLATE_PREFIX + _migrations_hash()
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]
    ).fetchall()
    have = {row[0] for row in rows}
    if name in have:
        return name
    if len(have) >= KEEP_TEMPLATES:
        for old in have:
            _drop(conn, old)
    building = name + "_new"
    _drop(conn, building)
    conn.execute(f'CREATE DATABASE "{building}"')
    env = {**os.environ, "DATABASE_URL": _url(building)}
    env.pop("TEST_AS_APP_ROLE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=AT_MOST,
    )
    conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


@pytest.fixture
def databases():
    """Each benchmark's databases: copies of the migrated template, made again when the
    template has changed (each says which template it was copied from, in its comment). The
    suite's own template holds what `migrate` makes (the benchmarks migrate theirs first, as
    `make bench` does): migrating another when the migrations change took 7-9 s."""
    suffix = _suffix()
    names = {
        bench: [f"{spec['database']}_{suffix}{phase}" for phase in spec.get("phases", [""])]
        for bench, spec in BENCHMARKS.items()
    }
    with _admin() as conn, template_db.held() as suites:
        template = suites or _template(conn)
        copied = dict(
            conn.execute(
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
            ).fetchall()
        )
        for dbs in names.values():
            for name in dbs:
                if copied.get(name, "missing") != template:
                    _drop(conn, name)
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                    conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{template}'")
    names["pgbench"] = [f"pathway_bench_pgbench_smoke_{suffix}"]  # pgbench makes its own
    return names


@pytest.fixture
def broker():
    server = PrivateRedis()
    server.start()
    yield server.url
    server.stop()


def _command(bench: str, names: dict, broker: str, report: Path) -> tuple[list[str], dict]:
    env = {**os.environ, **TINY, "REDIS_URL": broker, "BENCH_REPORT": str(report)}
    env.pop("TEST_AS_APP_ROLE", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if bench == "run":
        env["BENCH_DATABASE_URL"] = _url(names["run"][0])
        env["BENCH_PGBENCH_URL"] = _url(names["pgbench"][0])
    else:
        env["DATABASE_URL"] = _url(names[bench][0])
    return [sys.executable, f"bench/{bench}.py"], env


def test_every_benchmark_runs_to_its_end_at_tiny_sizes(databases, broker, tmp_path):
    started = time.monotonic()
    running = {}
    for bench in BENCHMARKS:  # side by side: the machine waits on PostgreSQL much of the time
        command, env = _command(bench, databases, broker, tmp_path / "benchmarks.md")
        running[bench] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    failures = []
    for bench, proc in running.items():
        try:
            out, _ = proc.communicate(timeout=max(1, AT_MOST - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            failures.append(f"bench/{bench}.py took more than {AT_MOST} s:\n{out}")
            continue
        missing = [line for line in BENCHMARKS[bench]["expect"] if line not in out]
        if proc.returncode != 0 or missing:
            failures.append(
                f"bench/{bench}.py exited {proc.returncode}, missing {missing}:\n{out[-4000:]}"
            )
    assert not failures, "\n\n".join(failures)
    assert "| moves/s, 1 client" in (tmp_path / "benchmarks.md").read_text()
