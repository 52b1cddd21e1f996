"""Benchmark the follow-up sweep on PostgreSQL.

Fills a database with 100,000 episodes in surveillance (1,000,000 follow-ups, 10 each), of
which 10,000 owe a 'due' alert today, then times (a) one raw indexed SQL statement selecting
the owed rows and (b) one sweep that claims them and writes the 10,000 alerts with their
deliveries. Goal: sweep <= 2 x raw query + alerts / 2,000 per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pathway_bench .venv/bin/python bench/sweep.py

The database named by DATABASE_URL is created if missing, migrated and EMPTIED first.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pathway_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


EPISODES = int(os.environ.get("BENCH_EPISODES", "100000"))
PER_EPISODE = 10
OWED = int(os.environ.get("BENCH_OWED", "10000"))

from bench.common import ensure_database  # noqa: E402

ensure_database()
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tasks import services  # noqa: E402

FILL = """
SET pathway.allow_truncate = 'on';  -- bench's own database (pathway/migrations/0009)
TRUNCATE tasks_delivery, tasks_alert, tasks_duplexsegmentresult, tasks_followup,
         pathway_transition, pathway_episode, patients_patient RESTART IDENTITY CASCADE;
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                       is_active, date_joined)
VALUES ('!', false, 'bench-nurse', '', '', 'nurse@unit.example', false, true, now())
ON CONFLICT (username) DO NOTHING;
INSERT INTO patients_patient (mrn, given_name, family_name, birth_date, sex, created_at)
SELECT 'B' || g, 'Given', 'Family', date '1960-01-01', 'female', now()
FROM generate_series(1, %(episodes)s) g;
INSERT INTO pathway_episode (patient_id, state, created_at, assigned_nurse_id)
SELECT g, 'surveillance', now(), (SELECT id FROM auth_user WHERE username = 'bench-nurse')
FROM generate_series(1, %(episodes)s) g;
INSERT INTO pathway_transition (episode_id, name, source, target, actor_id, recorded_at,
                                effective_on, reason)
SELECT g, 'discharge', 'post_op', 'surveillance', (SELECT id FROM auth_user
       WHERE username = 'bench-nurse'), now(), %(today)s::date - 30, ''
FROM generate_series(1, %(episodes)s) g;
-- Ten follow-ups per episode; the first OWED rows (by id) open their window today.
INSERT INTO tasks_followup (episode_id, kind, anchor, offset_months, offset_days, due_on,
                            window_opens_on, window_closes_on, created_by_id, cancel_reason,
                            alert_stage, next_alert_on)
SELECT e, k, 'procedure', 0, d - %(today)s::date + 7, d + 7, d, d + 14, e, '', 0, d
FROM (
  SELECT e,
         CASE WHEN (e - 1) * %(per)s + k_i <= %(owed)s THEN %(today)s::date
              ELSE %(today)s::date + 1 + ((e * 37 + k_i * 101) %% 700) END AS d,
         (ARRAY['duplex','anticoagulation_review','inr_check'])[1 + k_i %% 3] AS k
  FROM generate_series(1, %(episodes)s) e, generate_series(1, %(per)s) k_i
) s;
ANALYZE;
"""

RAW = """
SELECT f.id, f.episode_id, f.window_opens_on, f.window_closes_on, f.alert_stage,
       e.assigned_nurse_id, e.assigned_coordinator_id
FROM tasks_followup f JOIN pathway_episode e ON e.id = f.episode_id
WHERE f.next_alert_on <= %s
ORDER BY f.next_alert_on, f.id
"""


class ClaimTimer:
    """Adds up the time of the sweep's claiming statements."""

    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        if "FOR UPDATE" not in sql:
            return execute(sql, params, many, context)
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t
            self.count += 1


def fill(episodes: int = EPISODES, owed: int = OWED) -> tuple[float, int]:
    """Empty the tables and write the episodes and follow-ups; returns (seconds, follow-ups)."""
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            FILL,
            {"episodes": episodes, "per": PER_EPISODE, "owed": owed, "today": timezone.localdate()},
        )
        cursor.execute("SELECT count(*) FROM tasks_followup")
        total = cursor.fetchone()[0]
    return time.perf_counter() - t0, total


def measure() -> dict:
    """The raw indexed select (median of 5), then one sweep with its claiming statements timed
    apart, then a second sweep the same day. Seconds throughout."""
    today = timezone.localdate()
    raw_times = []
    for _ in range(5):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(RAW, [today])
            rows = cursor.fetchall()
        raw_times.append(time.perf_counter() - t)
    claim = ClaimTimer()
    t = time.perf_counter()
    with connection.execute_wrapper(claim):
        result = services.followups_sweep(today=today, batch_size=1000)
    sweep = time.perf_counter() - t
    t = time.perf_counter()
    again = services.followups_sweep(today=today)
    return {
        "owed": len(rows),
        "raw": statistics.median(raw_times),
        "sweep": sweep,
        "alerts": result.alerts,
        "follow_ups": result.follow_ups,
        "batches": result.batches,
        "claim": claim.seconds,
        "claims": claim.count,
        "again": time.perf_counter() - t,
        "again_alerts": again.alerts,
    }


def main() -> None:
    seconds, total = fill()
    print(f"filled {EPISODES:,} episodes, {total:,} follow-ups in {seconds:.1f} s")
    m = measure()
    raw, sweep, claim = m["raw"], m["sweep"], m["claim"]
    print(f"raw indexed select: {m['owed']:,} owed rows, median of 5: {raw * 1000:.1f} ms")
    rate = m["alerts"] / sweep if sweep else float("inf")
    budget = 2 * raw + m["alerts"] / 2000
    print(
        f"sweep: {m['follow_ups']:,} follow-ups claimed in {m['batches']} batches, "
        f"{m['alerts']:,} alerts written in {sweep:.2f} s ({rate:,.0f} alerts/s)"
    )
    print(
        f"the sweep's own selection (its {m['claims']} claiming SELECT ... FOR UPDATE SKIP "
        f"LOCKED statements): {claim * 1000:.1f} ms = {claim / raw:.2f}x the raw "
        f"select -> {'met' if claim <= 2 * raw else 'NOT met'} (goal <= 2x)"
    )
    writing = sweep - claim
    print(
        f"writing (alerts, deliveries, follow-up stages, commits): {writing:.2f} s = "
        f"{m['alerts'] / writing:,.0f} alerts/s"
    )
    print(
        f"goal: sweep <= 2 x raw + alerts / 2,000/s = {budget:.2f} s -> "
        f"{'met' if sweep <= budget else 'NOT met'}; "
        f"alerts/s >= 2,000 -> {'met' if rate >= 2000 else 'NOT met'}"
    )
    print(f"second sweep the same day: {m['again_alerts']} alerts in {m['again']:.3f} s")


if __name__ == "__main__":
    main()
