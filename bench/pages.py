"""Benchmark the pages clinicians use all day: p50/p95 of the coordinator's worklist and the
nurse's inbox (and their API lists) at 10,000 episodes. Goal: p95 <= 150 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pathway_bench_pages \
        .venv/bin/python bench/pages.py

The database named by DATABASE_URL is created if missing, migrated and EMPTIED first. Most
episodes are bare referrals written in bulk; the newest WALKED of them (those the first page of
the worklist shows) are walked through the real services to every stage, 60 of them discharged
two weeks ago so that the nurse's inbox holds their alerts.
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pathway_bench_pages")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

EPISODES = int(os.environ.get("BENCH_EPISODES", "10000"))
WALKED = int(os.environ.get("BENCH_WALKED", "200"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
GOAL_MS = 150

from bench.common import ensure_database  # noqa: E402

ensure_database()
import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo import walk  # noqa: E402
from pathway.codes import State  # noqa: E402
from patients.models import Patient  # noqa: E402
from tasks.services import followups_sweep  # noqa: E402

BARE = """
INSERT INTO patients_patient (mrn, given_name, family_name, birth_date, sex, created_at)
SELECT 'B' || g, 'Given' || g, 'Family' || g, date '1960-01-01', 'female', now()
FROM generate_series(1, %(n)s) g;
INSERT INTO pathway_episode (patient_id, state, created_at)
SELECT p.id, 'selection', now() FROM patients_patient p WHERE p.mrn LIKE 'B%%';
INSERT INTO pathway_transition (episode_id, name, source, target, actor_id, recorded_at,
                                effective_on, reason)
SELECT e.id, 'open', '', 'selection', %(actor)s, now(), %(today)s::date - 3, ''
FROM pathway_episode e;
ANALYZE;
"""
STATES = [State.SELECTION, State.MDT_DISCUSSION, State.IMAGING, State.PROCEDURE, State.POST_OP]


def user(role: str):
    person, _ = get_user_model().objects.get_or_create(username=f"bench-{role}")
    person.groups.set([Group.objects.get(name=role)])
    return person


def fill() -> tuple:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SET pathway.allow_truncate = 'on';"  # bench's own database (pathway/migrations/0009)
            "TRUNCATE patients_patient, pathway_episode, pathway_transition RESTART IDENTITY "
            "CASCADE"
        )
    coordinator, nurse = user("coordinator"), user("nurse")
    with connection.cursor() as cursor:
        cursor.execute(
            BARE,
            {"n": EPISODES - WALKED, "actor": coordinator.id, "today": timezone.localdate()},
        )
    two_weeks_ago = timezone.localdate() - dt.timedelta(days=14)
    for i in range(WALKED):
        patient = Patient.objects.create(
            mrn=f"W{i:05d}",
            given_name=f"Walked{i}",
            family_name="Patient",
            birth_date=dt.date(1965, 1, 1),
            sex="male",
        )
        if i < 60:
            walk.walk_to(coordinator, patient, State.SURVEILLANCE, on=two_weeks_ago)
        else:
            walk.walk_to(coordinator, patient, STATES[i % len(STATES)])
    alerts = followups_sweep().alerts
    return coordinator, nurse, alerts


def timed(client: Client, url: str) -> list[float]:
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return samples


def main() -> None:
    started = time.perf_counter()
    coordinator, nurse, alerts = fill()
    print(
        f"filled {EPISODES:,} episodes ({WALKED} walked, {alerts} alerts) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    pages = [
        (coordinator, "/episodes/", "worklist (coordinator)"),
        (coordinator, "/api/episodes/", "API episode list"),
        (nurse, "/inbox/", "inbox (nurse)"),
        (nurse, "/api/alerts/", "API alert inbox"),
    ]
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8}  goal p95 <= {GOAL_MS} ms")
    for person, url, name in pages:
        client = Client()
        client.force_login(person)
        samples = sorted(timed(client, url))
        p50 = statistics.median(samples)
        p95 = samples[int(0.95 * (len(samples) - 1))]
        verdict = "met" if p95 <= GOAL_MS else "MISSED"
        print(f"{name:28} {p50:8.1f} {p95:8.1f}  {verdict}")


if __name__ == "__main__":
    main()
