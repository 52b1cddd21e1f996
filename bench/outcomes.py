"""Benchmark the admin's outcomes figures, GET /api/dashboard/outcomes/ and the page
/dashboard/outcomes/, over 100,000 episodes with their index procedure, discharge, duplex
results (about 15% showing stenosis or occlusion at some point, a few re-interventions), INR
results for the 30% on a VKA, Villalta scores and complications for about 10%. Goal: p95 <= 300
ms. Each is timed cold (figures computed from the outcome rows, charts drawn: every request
after a fact changed) and warm (the figures and charts kept for unchanged facts). The page
names its three charts by URL: each is timed too, cold (drawn) and warm (kept).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pathway_bench_outcomes \
        .venv/bin/python bench/outcomes.py

The database named by DATABASE_URL is created if missing, migrated and EMPTIED first. The rows
are written in bulk SQL (the tables and columns the services write, without their revision
history), not through the services; then the stays and outcome rows the services would have
derived are written as the migrations and `manage.py outcomes_rebuild` write them.
BENCH_EPISODES sets the size, BENCH_REQUESTS the timed requests; BENCH_REUSE=1 keeps a
database already filled with BENCH_EPISODES episodes (migrated, not emptied: filling 100,000
takes minutes).
"""

import importlib
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pathway_bench_outcomes")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

EPISODES = int(os.environ.get("BENCH_EPISODES", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
REUSE = os.environ.get("BENCH_REUSE") == "1"
GOAL_MS = 300

from bench.common import ensure_database, signed_in  # noqa: E402

ensure_database()
import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from outcomes import maths  # noqa: E402
from outcomes.selectors import outcomes_get  # noqa: E402
from outcomes.services import episode_outcomes_rebuild  # noqa: E402
from pathway.villalta import VILLALTA_ITEMS  # noqa: E402

STAYS = importlib.import_module("pathway.migrations.0006_entered_on_stay_days")

VILLALTA = ", ".join(
    f"'{item}', (pg_temp.hashint(x.episode_id * {i + 3} + x.k) %% {3 if i < 5 else 2})"
    for i, item in enumerate(VILLALTA_ITEMS)
)

# Episode e: index procedure on day d (spread over the last 3 years), discharged on d + 2.
# hashint(x) is a cheap deterministic pseudo-random number in [0, 1000).
FILL = """
CREATE OR REPLACE FUNCTION pg_temp.hashint(x bigint) RETURNS int LANGUAGE sql IMMUTABLE AS
  $$ SELECT ((x * 2654435761) %% 1000003 %% 1000)::int $$;
SET pathway.allow_truncate = 'on';  -- bench's own database (pathway/migrations/0009)
TRUNCATE tasks_delivery, tasks_alert, tasks_duplexsegmentresult, tasks_visit, tasks_followup,
         pathway_reintervention, pathway_stent, pathway_procedurenote, pathway_complication,
         pathway_dischargeplan, pathway_transition, pathway_episode, patients_patient
         RESTART IDENTITY CASCADE;
INSERT INTO patients_patient (mrn, given_name, family_name, birth_date, sex, created_at)
SELECT 'B' || g, 'Given', 'Family', date '1960-01-01', 'female', now()
FROM generate_series(1, %(n)s) g;
INSERT INTO pathway_episode (patient_id, state, created_at)
SELECT g, 'surveillance', now() FROM generate_series(1, %(n)s) g;
CREATE TEMP TABLE bench_ep AS
SELECT id, %(today)s::date - 30 - (id * 7919 %% 1100)::int AS d,
       pg_temp.hashint(id) AS r, (id %% 10 < 3) AS vka
FROM pathway_episode;
-- The moves along the way, in order (ids grow with time within an episode).
INSERT INTO pathway_transition (episode_id, name, source, target, actor_id, recorded_at,
                                effective_on, reason)
SELECT e.id, m.name, m.source, m.target, %(actor)s, now(), e.d + m.shift, ''
FROM bench_ep e, (VALUES
    (1, 'open', '', 'selection', -40), (2, 'refer_to_mdt', 'selection', 'mdt_discussion', -35),
    (3, 'approve', 'mdt_discussion', 'imaging', -30),
    (4, 'schedule_procedure', 'imaging', 'procedure', -20),
    (5, 'complete_procedure', 'procedure', 'post_op', 0),
    (6, 'discharge', 'post_op', 'surveillance', 2)) m(step, name, source, target, shift)
ORDER BY e.id, m.step;
CREATE TEMP TABLE bench_dis AS
SELECT episode_id, id FROM pathway_transition WHERE name = 'discharge';
INSERT INTO pathway_procedurenote (recorded_at, date, access, technique, device,
    thrombolytic_agent, thrombolytic_dose, thrombolytic_dose_unit, angioplasty, ivus,
    completion_patent, residual_stenosis_pct, dissection, complications, episode_id,
    recorded_by_id, inflow, underlying_lesion)
SELECT now(), e.d, '[{"vein": "popliteal", "side": "left", "ultrasound_guided": true}]',
       'pharmacomechanical', 'AngioJet', 'alteplase', 10, 'mg', true, true, true, 10, false, '',
       e.id, %(actor)s, 'good',
       (ARRAY['none', 'compression', 'post_thrombotic'])[1 + e.id %% 3]
FROM bench_ep e ORDER BY e.id;
INSERT INTO pathway_stent (product, diameter_mm, length_mm, segment, note_id, lot, udi)
SELECT 'Wallstent', 16, 90, s.segment, n.id, '', ''
FROM pathway_procedurenote n, (VALUES ('left_common_iliac'), ('left_external_iliac')) s(segment)
WHERE s.segment = 'left_common_iliac' OR n.episode_id %% 3 = 0;
INSERT INTO pathway_stentsegment (stent_id, segment, position)
SELECT s.id, s.segment, 0 FROM pathway_stent s
WHERE NOT EXISTS (SELECT 1 FROM pathway_stentsegment x WHERE x.stent_id = s.id);
INSERT INTO pathway_dischargeplan (recorded_at, anticoagulant, target_inr_low, target_inr_high,
    planned_duration_months, compression_stockings, compression_reason, recorded_by_id,
    episode_id)
SELECT now(), CASE WHEN e.vka THEN 'vka' WHEN e.id %% 2 = 0 THEN 'doac' ELSE 'lmwh' END,
       CASE WHEN e.vka THEN 2.0 END, CASE WHEN e.vka THEN 3.0 END, 6, true, '', %(actor)s, e.id
FROM bench_ep e;
-- Duplex follow-ups from the procedure (2w, 6w, 3m, 6m, 12m, 24m, 36m): those due by today
-- and within the episode's 3 to 6 performed ones are done, the next one stays open.
CREATE TEMP TABLE bench_duplex AS
SELECT e.id AS episode_id, e.d, e.r, o.k, o.months, o.days,
       (e.d + make_interval(months => o.months) + o.days * interval '1 day')::date AS due
FROM bench_ep e, (VALUES (1, 0, 14), (2, 0, 42), (3, 3, 0), (4, 6, 0), (5, 12, 0),
                         (6, 24, 0), (7, 36, 0)) o(k, months, days);
INSERT INTO tasks_followup (episode_id, kind, anchor, offset_months, offset_days, due_on,
    window_opens_on, window_closes_on, created_by_id, cancel_reason, alert_stage,
    completed_at, completed_by_id, performed_on, result)
SELECT x.episode_id, 'duplex', 'procedure', x.months, x.days, x.due, x.due - 7, x.due + 7,
       dis.id, '', 0,
       CASE WHEN x.done THEN now() END, CASE WHEN x.done THEN %(actor)s END,
       CASE WHEN x.done THEN x.due + (x.r %% 5) - 2 END,
       CASE WHEN x.done THEN jsonb_build_object(
           'villalta', CASE WHEN x.k >= 3 THEN jsonb_build_object({villalta}) END,
           'vcss', NULL, 'ceap', NULL, 'procedure_on', x.d::text) END
FROM (SELECT z.*, lag(z.done, 1, true) OVER (PARTITION BY z.episode_id ORDER BY z.k) AS prev
      FROM (SELECT b.*, (b.k <= 3 + b.r %% 4 AND b.due + 2 <= %(today)s::date) AS done
            FROM bench_duplex b) z) x
JOIN bench_dis dis ON dis.episode_id = x.episode_id
WHERE x.done OR x.prev;
-- Segment results: 15%% of episodes turn bad from their 2nd to 4th duplex on (10%% stenosis,
-- 5%% occlusion of the common iliac stent); the rest stay patent.
INSERT INTO tasks_duplexsegmentresult (segment, result, follow_up_id)
SELECT s.segment,
       CASE WHEN s.segment = 'left_common_iliac' AND e.r < 150
                 AND f.offset_months * 31 + f.offset_days >= (ARRAY[42, 91, 182])[1 + e.id %% 3]
            THEN CASE WHEN e.r < 100 THEN 'stenosis' ELSE 'occluded' END
            ELSE 'patent' END, f.id
FROM tasks_followup f JOIN bench_ep e ON e.id = f.episode_id
JOIN pathway_stent s ON s.note_id = e.id
WHERE f.kind = 'duplex' AND f.performed_on IS NOT NULL;
-- INR checks from discharge (7, 14, 21, 28 days, then every 28) for VKA patients: those due by
-- today, up to 12, done with an INR of 1.5 to 3.9; the next one open.
INSERT INTO tasks_followup (episode_id, kind, anchor, offset_months, offset_days, due_on,
    window_opens_on, window_closes_on, created_by_id, cancel_reason, alert_stage,
    completed_at, completed_by_id, performed_on, result)
SELECT x.id, 'inr_check', 'discharge', 0, x.off, x.due, x.due - 3, x.due + 3,
       dis.id, '', 0, CASE WHEN x.done THEN now() END, CASE WHEN x.done THEN %(actor)s END,
       CASE WHEN x.done THEN x.due END,
       CASE WHEN x.done THEN jsonb_build_object(
           'inr', (1.5 + pg_temp.hashint(x.id * 31 + x.k) * 0.0024)::numeric(3, 1)::text,
           'target', '["2.0", "3.0"]'::jsonb) END
FROM (SELECT z.*, lag(z.done, 1, true) OVER (PARTITION BY z.id ORDER BY z.k) AS prev
      FROM (SELECT e.id, g.k, o.off, e.d + 2 + o.off AS due,
                   (e.d + 2 + o.off <= %(today)s::date AND g.k <= 12) AS done
            FROM bench_ep e, generate_series(1, 13) g(k),
                 LATERAL (SELECT CASE WHEN g.k <= 4 THEN 7 * g.k ELSE 28 * (g.k - 3) END) o(off)
            WHERE e.vka) z) x
JOIN bench_dis dis ON dis.episode_id = x.id
WHERE x.done OR x.prev;
-- An unscheduled duplex visit for 2%% (patent), to exercise the visits' path.
INSERT INTO tasks_visit (kind, performed_on, result, recorded_at, episode_id, recorded_by_id)
SELECT 'duplex', LEAST(e.d + 100, %(today)s::date), jsonb_build_object('villalta', NULL,
       'vcss', NULL, 'ceap', NULL, 'procedure_on', e.d::text), now(), e.id, %(actor)s
FROM bench_ep e WHERE e.r >= 980;
INSERT INTO tasks_duplexsegmentresult (segment, result, visit_id)
SELECT s.segment, 'patent', v.id
FROM tasks_visit v JOIN pathway_stent s ON s.note_id = v.episode_id;
-- Re-interventions for a third of the bad ones (5%% of episodes): 5 days after the first bad
-- duplex, back to procedure, a new note with a stent, then post-op and surveillance again.
CREATE TEMP TABLE bench_redo AS
SELECT DISTINCT ON (f.episode_id) f.episode_id, f.id AS follow_up_id, f.performed_on + 5 AS on_,
       CASE WHEN s.result = 'occluded' THEN 'occlusion' ELSE 'stenosis' END AS cause
FROM tasks_followup f JOIN tasks_duplexsegmentresult s ON s.follow_up_id = f.id
WHERE s.result <> 'patent' AND f.episode_id %% 3 = 1 AND f.performed_on + 7 <= %(today)s::date
ORDER BY f.episode_id, f.performed_on;
INSERT INTO pathway_transition (episode_id, name, source, target, actor_id, recorded_at,
                                effective_on, reason)
SELECT r.episode_id, 'reintervene', 'surveillance', 'procedure', %(actor)s, now(), r.on_,
       'Duplex showed ' || r.cause || '.'
FROM bench_redo r ORDER BY r.episode_id;
INSERT INTO pathway_reintervention (cause, segments, follow_up_id, move_id)
SELECT r.cause, '["left_common_iliac"]', r.follow_up_id, t.id
FROM bench_redo r JOIN pathway_transition t ON t.episode_id = r.episode_id
     AND t.name = 'reintervene';
INSERT INTO pathway_procedurenote (recorded_at, date, access, technique, device,
    angioplasty, ivus, completion_patent, residual_stenosis_pct, dissection, complications,
    episode_id, recorded_by_id, reintervention_id, inflow, underlying_lesion)
SELECT now(), r.on_ + 1, '[{"vein": "popliteal", "side": "left", "ultrasound_guided": true}]',
       'aspiration', '', true, true, (r.episode_id %% 5 <> 0), 20, false, '', r.episode_id,
       %(actor)s, t.id, 'good', NULL
FROM bench_redo r JOIN pathway_transition t ON t.episode_id = r.episode_id
     AND t.name = 'reintervene';
INSERT INTO pathway_stent (product, diameter_mm, length_mm, segment, note_id, lot, udi)
SELECT 'Viabahn', 14, 60, 'left_common_iliac', n.id, '', ''
FROM pathway_procedurenote n WHERE n.reintervention_id IS NOT NULL;
INSERT INTO pathway_stentsegment (stent_id, segment, position)
SELECT s.id, s.segment, 0 FROM pathway_stent s
WHERE NOT EXISTS (SELECT 1 FROM pathway_stentsegment x WHERE x.stent_id = s.id);
INSERT INTO pathway_transition (episode_id, name, source, target, actor_id, recorded_at,
                                effective_on, reason)
SELECT r.episode_id, m.name, m.source, m.target, %(actor)s, now(), r.on_ + m.shift, ''
FROM bench_redo r, (VALUES (1, 'complete_procedure', 'procedure', 'post_op', 1),
                           (2, 'discharge', 'post_op', 'surveillance', 3)) m(step, name,
                                                                           source, target,
                                                                           shift)
ORDER BY r.episode_id, m.step;
-- Complications for 10%%: early (bleeding, haematoma) or late (restenosis, PTS).
INSERT INTO pathway_complication (recorded_at, kind, occurred_on, severity, bleeding_class,
                                  notes, episode_id, recorded_by_id)
SELECT now(), (ARRAY['access_site_bleeding', 'haematoma', 'stent_restenosis', 'pts'])
               [1 + e.id %% 4],
       LEAST(e.d + CASE WHEN e.id %% 4 < 2 THEN 1 ELSE 200 END, %(today)s::date), 'mild',
       CASE WHEN e.id %% 4 = 0 THEN 'minor' END, '', e.id, %(actor)s
FROM bench_ep e WHERE e.id %% 10 = 7;
ANALYZE;
""".replace("{villalta}", VILLALTA)


def fill(n: int) -> float:
    """The rows in bulk SQL, then what the services would have derived as they went: each
    move's stay and each episode's entry into its state (the migration's backfill), and each
    episode's outcome facts (the rebuild). Returns the rebuild's seconds."""
    call_command("migrate", verbosity=0)
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin")
    admin.groups.set([Group.objects.get(name="admin")])
    with connection.cursor() as cursor:
        cursor.execute(FILL, {"n": n, "actor": admin.id, "today": timezone.localdate()})
        cursor.execute("UPDATE pathway_episode SET entered_on = NULL")
        cursor.execute(STAYS.POSTGRESQL)
    start = time.perf_counter()
    episode_outcomes_rebuild()
    rebuilt = time.perf_counter() - start
    with connection.cursor() as cursor:
        # What autovacuum does to a table in use: statistics, and the visibility map that lets
        # the dashboard's counts read their partial indexes alone (a bulk load leaves it unset).
        cursor.execute("VACUUM ANALYZE")
    return rebuilt


def counts() -> dict:
    tables = [
        "pathway_episode",
        "pathway_procedurenote",
        "pathway_stent",
        "pathway_stentsegment",
        "pathway_transition",
        "pathway_reintervention",
        "pathway_dischargeplan",
        "pathway_complication",
        "tasks_followup",
        "tasks_duplexsegmentresult",
        "tasks_visit",
    ]
    with connection.cursor() as cursor:
        out = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            out[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FILTER (WHERE performed_on IS NOT NULL AND kind = 'duplex'), "
            "count(*) FILTER (WHERE performed_on IS NOT NULL AND kind = 'inr_check') "
            "FROM tasks_followup"
        )
        out["duplex results"], out["INR results"] = cursor.fetchone()
    return out


def pct(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def timed(fn, times: int) -> list[float]:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


class Phases:
    """Where one outcomes_get call spends its time: SQL (execute, which with psycopg's
    client-side cursors includes the transfer), the pure outcome functions (by name), and
    the rest (rows to Python, the selector's own work)."""

    NAMES = ("km_table", "complication_rates_of", "ttr_figures_of", "time_in_stage_of_counts")

    def __init__(self):
        self.spent = defaultdict(float)
        self.queries = 0

    def _sql(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.spent["sql"] += time.perf_counter() - start
            self.queries += 1

    def _wrap(self, name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] += time.perf_counter() - start

        return wrapper

    def run(self, admin) -> dict:
        originals = {name: getattr(maths, name) for name in self.NAMES}
        for name, fn in originals.items():
            setattr(maths, name, self._wrap(name, fn))
        try:
            start = time.perf_counter()
            with connection.execute_wrapper(self._sql):
                outcomes_get(actor=admin)
            total = time.perf_counter() - start
        finally:
            for name, fn in originals.items():
                setattr(maths, name, fn)
        compute = sum(self.spent[name] for name in self.NAMES)
        return {
            "total": total * 1000,
            "sql": self.spent["sql"] * 1000,
            "compute": compute * 1000,
            "the rest": (total - compute - self.spent["sql"]) * 1000,
            **{name: self.spent[name] * 1000 for name in self.NAMES},
        }


def measure(client, label: str, url: str, query: dict, cold: bool) -> tuple[float, float]:
    """p50/p95 of REQUESTS requests after a warm-up; `cold`: the cache emptied before each, so
    every request computes the figures (and draws the charts) from the rows."""
    response = client.get(url, query)  # warm-up
    assert response.status_code == 200, response.content[:500]

    def request():
        if cold:
            cache.clear()
        client.get(url, query)

    samples = timed(request, REQUESTS)
    p50, p95 = statistics.median(samples), pct(samples, 95)
    verdict = "met" if p95 <= GOAL_MS else "MISSED"
    label = f"{label} ({'cold' if cold else 'warm'})"
    print(
        f"  {label:52} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {len(response.content):>7,} B"
        f"   {verdict}"
    )
    return p50, p95


def filled() -> bool:
    """Whether the database holds the bench's EPISODES episodes, each with its outcome row."""
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pathway_episode), "
            "(SELECT count(*) FROM outcomes_episodeoutcome)"
        )
        episodes, rows = cursor.fetchone()
        # A migration may have just filled the kept counts: what autovacuum would do next.
        for table in (
            "outcomes_episodeshare",
            "outcomes_episodeoutcomecount",
            "outcomes_staycount",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return episodes == EPISODES and rows == EPISODES


def main() -> None:
    start = time.perf_counter()
    if REUSE and filled():
        print(f"kept the {EPISODES:,} episodes already filled (BENCH_REUSE=1)", flush=True)
    else:
        rebuilt = fill(EPISODES)
        print(
            f"filled {EPISODES:,} episodes in {time.perf_counter() - start:.1f} s, of which "
            f"{rebuilt:.1f} s reducing every episode's outcome facts",
            flush=True,
        )
    for table, count in counts().items():
        print(f"  {table:28} {count:>10,}")

    admin = get_user_model().objects.get(username="bench-admin")
    client = signed_in(admin)
    body = client.get("/api/dashboard/outcomes/").json()
    primary = body["patency"]["primary"]
    print(
        f"episodes {body['episodes']:,}; primary patency 12 m {primary['12']['estimate']}, "
        f"24 m {primary['24']['estimate']}; VKA patients with a TTR "
        f"{body['anticoagulation']['patients']:,}, median {body['anticoagulation']['median_ttr']}"
    )
    today = timezone.localdate()
    filters = {
        "lesion": "compression",
        "procedure_from": str(today.replace(year=today.year - 2)),
        "procedure_to": str(today),
    }
    print(
        f"\n{REQUESTS} requests each after a warm-up (goal p95 <= {GOAL_MS} ms); cold: "
        "computed from the rows each time (after every change of the facts), warm: the "
        "figures kept for facts that have not changed"
    )
    for cold in (True, False):
        measure(client, "GET /api/dashboard/outcomes/", "/api/dashboard/outcomes/", {}, cold)
        measure(
            client,
            "GET /api/dashboard/outcomes/, lesion + 2 years",
            "/api/dashboard/outcomes/",
            filters,
            cold,
        )
        measure(client, "page /dashboard/outcomes/", "/dashboard/outcomes/", {}, cold)
        measure(
            client,
            "page /dashboard/outcomes/, lesion + 2 years",
            "/dashboard/outcomes/",
            filters,
            cold,
        )
        measure(
            client,
            "chart /dashboard/outcomes/charts/primary.svg",
            "/dashboard/outcomes/charts/primary.svg",
            {},
            cold,
        )

    cache.clear()
    phases = Phases()
    breakdown = phases.run(admin)
    print(f"\none outcomes_get call, {phases.queries} queries, by phase (ms):")
    for name, ms in breakdown.items():
        print(f"  {name:26} {ms:8.1f}")


if __name__ == "__main__":
    main()
