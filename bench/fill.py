"""One fill for the page benchmarks at any size, built from bench/outcomes.py's (the most
complete: operated episodes with their notes, follow-ups, results, stays and outcome rows).

Beside those, a tenth of the episodes are open referrals in selection (the worklist's bulk),
and WALKED episodes are walked through the real services to every stage, some discharged two
weeks ago so that the sweep gives the nurse's inbox their alerts.
"""

from __future__ import annotations

import datetime as dt
import os
import time

WALKED = int(os.environ.get("BENCH_WALKED", "100"))

OPEN = """
INSERT INTO patients_patient (mrn, given_name, family_name, birth_date, sex, created_at)
SELECT 'S' || g, 'Given' || g, 'Family' || g, date '1962-01-01', 'male', now()
FROM generate_series(1, %(n)s) g;
INSERT INTO pathway_episode (patient_id, state, created_at)
SELECT p.id, 'selection', now() FROM patients_patient p WHERE p.mrn LIKE 'S%%' ORDER BY p.id;
INSERT INTO pathway_transition (episode_id, name, source, target, actor_id, recorded_at,
                                effective_on, reason)
SELECT e.id, 'open', '', 'selection', %(actor)s, now(), %(today)s::date - (e.id %% 40)::int, ''
FROM pathway_episode e WHERE e.state = 'selection' ORDER BY e.id;
"""


def user(role: str):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    person, _ = get_user_model().objects.get_or_create(username=f"bench-{role}")
    person.groups.set([Group.objects.get(name=role)])
    return person


def _walk(actor, count: int) -> None:
    from demo import walk
    from pathway.codes import State
    from patients.models import Patient

    stages = [
        State.SELECTION,
        State.MDT_DISCUSSION,
        State.IMAGING,
        State.PROCEDURE,
        State.POST_OP,
        State.SURVEILLANCE,
    ]
    two_weeks_ago = dt.date.today() - dt.timedelta(days=14)
    for i in range(count):
        patient = Patient.objects.create(
            mrn=f"W{i:05d}",
            given_name=f"Walked{i}",
            family_name="Patient",
            birth_date=dt.date(1965, 1, 1),
            sex="male",
        )
        if i < count * 3 // 10:
            walk.walk_to(actor, patient, State.SURVEILLANCE, on=two_weeks_ago)
        else:
            walk.walk_to(actor, patient, stages[i % len(stages)])


def fill(n: int) -> dict:
    """Empty the app's tables and fill `n` episodes; returns what the fill took and made."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import outcomes
    from outcomes.services import episode_outcomes_rebuild
    from tasks.services import followups_sweep

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    admin, coordinator = user("admin"), user("coordinator")
    user("nurse")
    walked = min(WALKED, n // 10)
    opened = n // 10
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(outcomes.FILL, {"n": n - opened - walked, "actor": admin.id, "today": today})
        cursor.execute(OPEN, {"n": opened, "actor": coordinator.id, "today": today})
        cursor.execute("UPDATE pathway_episode SET entered_on = NULL")
        cursor.execute(outcomes.STAYS.POSTGRESQL)
    episode_outcomes_rebuild()
    _walk(coordinator, walked)
    alerts = followups_sweep().alerts
    with connection.cursor() as cursor:
        # What autovacuum does to a table in use: statistics, and the visibility map that lets
        # the dashboard's counts read their partial indexes alone (a bulk load leaves it unset).
        cursor.execute("VACUUM ANALYZE")
    return {"seconds": time.perf_counter() - started, "alerts": alerts, "walked": walked}


def targets() -> dict:
    """What the page benchmarks ask for: a walked episode in surveillance (the fullest page)."""
    from pathway.models import Episode

    episode = (
        Episode.objects.filter(patient__mrn__startswith="W", state="surveillance")
        .order_by("id")
        .first()
    )
    assert episode is not None, "fill a database first"  # bench/run.py fills before it asks
    return {"episode": episode.id}
