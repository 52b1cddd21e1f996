"""The figures' counts kept in the database (outcomes.models EpisodeShare, EpisodeOutcomeCount,
StayCount), so that a cold dashboard sums a few thousand bucket rows instead of grouping
100,000 outcome rows, 10,000 complications and 600,000 moves per request.

Each episode's share (what it adds to the figures: its three patency observations, PTS
category, TTR band, complications early or late by kind, closed and open stays, under the
bucket of its time zero's month and lesion) is computed in SQL from its facts. A refresh
replaces an episode's shares and adds the difference, new shares minus old ones, to the bucket
counts, all in one statement (`episode_counts_refresh`), in the transaction of the fact that
changed: the after-move hook (every move opens and closes stays), the after-record hook (a
complication; a procedure note or discharge plan through the outcome row) and each outcome
row's refresh. The differences are added with INSERT ... ON CONFLICT DO UPDATE SET n = n +
excluded.n, in the counts' key order (two writers never lock the same rows in opposite
orders); the writers of one episode hold its lock, so no two refresh one episode's shares at
once. `outcome_counts_rebuild` writes every share and count again from the facts (after a
bulk load, a restore of some tables, or an episode deleted, which no service does: its shares
go with it, its counts stay until the rebuild).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from outcomes.maths import GOOD_TTR
from pathway.codes import EARLY_DAYS, TERMINAL

# What an episode adds, from its outcome row, complications, moves and state; `{where_*}` name
# the episodes (those of the `ids` CTE, or every one for the rebuild).
SHARES = """
SELECT o.episode_id, o.time_zero, o.lesion, v.part, v.label, v.days, NULL::date AS since, 1 AS n
FROM outcomes_episodeoutcome o
CROSS JOIN LATERAL (VALUES
    ('primary', CASE WHEN o.primary_event THEN 'event' ELSE 'censored' END, o.primary_days),
    ('assisted_primary', CASE WHEN o.assisted_primary_event THEN 'event' ELSE 'censored' END,
     o.assisted_primary_days),
    ('secondary', CASE WHEN o.secondary_event THEN 'event' ELSE 'censored' END,
     o.secondary_days),
    ('pts', o.pts, NULL),
    ('ttr_band', CASE WHEN o.vka AND o.ttr IS NOT NULL THEN '' END,
     CASE WHEN o.ttr >= 90 THEN 90 WHEN o.ttr >= 80 THEN 80 WHEN o.ttr >= 70 THEN 70
          WHEN o.ttr >= 60 THEN 60 WHEN o.ttr >= 50 THEN 50 WHEN o.ttr >= 40 THEN 40
          WHEN o.ttr >= 30 THEN 30 WHEN o.ttr >= 20 THEN 20 WHEN o.ttr >= 10 THEN 10 ELSE 0 END),
    ('ttr_good', CASE WHEN o.vka AND o.ttr >= {good_ttr} THEN '' END, NULL)
) v(part, label, days)
WHERE v.label IS NOT NULL AND {where_o}
UNION ALL
SELECT DISTINCT c.episode_id, o.time_zero, o.lesion,
       CASE WHEN c.occurred_on - f.date <= {early_days} THEN 'early' ELSE 'late' END,
       c.kind, NULL::int, NULL::date, 1
FROM pathway_complication c
JOIN outcomes_episodeoutcome o ON o.episode_id = c.episode_id
LEFT JOIN LATERAL (SELECT p.date FROM pathway_procedurenote p
                   WHERE p.episode_id = c.episode_id AND p.date <= c.occurred_on
                   ORDER BY p.date DESC LIMIT 1) f ON true
WHERE {where_c}
UNION ALL
SELECT t.episode_id, o.time_zero, o.lesion, 'stay', t.source, t.stay_days, NULL::date,
       count(*)::int
FROM pathway_transition t
LEFT JOIN outcomes_episodeoutcome o ON o.episode_id = t.episode_id
WHERE t.corrects_id IS NULL AND t.stay_days IS NOT NULL AND {where_t}
  AND NOT EXISTS (SELECT 1 FROM pathway_transition u WHERE u.corrects_id = t.id)
GROUP BY t.episode_id, o.time_zero, o.lesion, t.source, t.stay_days
UNION ALL
SELECT e.id, o.time_zero, o.lesion, 'open', e.state, NULL::int, e.entered_on, 1
FROM pathway_episode e
LEFT JOIN outcomes_episodeoutcome o ON o.episode_id = e.id
WHERE e.entered_on IS NOT NULL AND e.state NOT IN ({terminal}) AND {where_e}
"""
SHARE_COLUMNS = "episode_id, time_zero, lesion, part, label, days, since, n"
STAY_PARTS = ("stay", "open")

# Sums of shares (rows of time_zero, lesion, part, label, days, since, n) added to
# the counts, in key order.
ADD_TO_COUNTS = """
delta AS (
    SELECT date_trunc('month', d.time_zero)::date AS month, d.lesion, d.part, d.label, d.days,
           d.since, sum(d.n) AS n
    FROM ({deltas}) d
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.n) <> 0
),
outcome_counts AS (
    INSERT INTO outcomes_episodeoutcomecount AS c (month, lesion, part, label, days, n)
    SELECT month, lesion, part, label, days, n FROM delta WHERE part NOT IN ('stay', 'open')
    ORDER BY month, lesion, part, label, days
    ON CONFLICT (month, lesion, part, label, days) DO UPDATE SET n = c.n + excluded.n
    RETURNING 1
)
INSERT INTO outcomes_staycount AS c (month, lesion, state, stay_days, entered_on, n)
SELECT month, lesion, label, days, since, n FROM delta WHERE part IN ('stay', 'open')
ORDER BY month, lesion, label, days, since
ON CONFLICT (month, lesion, state, stay_days, entered_on) DO UPDATE SET n = c.n + excluded.n
"""

CONSTANTS = {
    "good_ttr": int(GOOD_TTR),
    "early_days": int(EARLY_DAYS),
    "terminal": ", ".join(f"'{state}'" for state in TERMINAL),  # our own codes, quoted
}
# Each refresh is ordered by key within its statement, but a transaction that refreshes twice
# (a patient's whole journey written at once, a move then a record) would take count rows in
# two orders, and two such transactions deadlock (seen: the synthetic cohort's two writers).
# So a transaction takes this lock (PostgreSQL's two-key advisory space; the idempotency keys
# use the one-key space) before its first count row and keeps it to its end: writers of counts
# take turns from their first refresh to their commit, a few milliseconds for a move.
COUNTS_LOCK = (19, 0)
# One parameter, the episodes' ids (an array), so that a move's statements replay as they are
# with another episode's id (bench/moves.py).
IN_IDS = "IN (SELECT id FROM ids)"
REFRESH = (
    f"""
WITH ids AS (SELECT unnest(%s::integer[]) AS id),
counts_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock({COUNTS_LOCK[0]}, {COUNTS_LOCK[1]})),
fresh AS ("""
    + SHARES.format(
        where_o=f"o.episode_id {IN_IDS}",
        where_c=f"c.episode_id {IN_IDS}",
        where_t=f"t.episode_id {IN_IDS}",
        where_e=f"e.id {IN_IDS}",
        **CONSTANTS,
    )
    + f"""),
old AS (
    DELETE FROM outcomes_episodeshare s WHERE s.episode_id {IN_IDS}
    RETURNING s.time_zero, s.lesion, s.part, s.label, s.days, s.since, -s.n AS n
),
added AS (
    INSERT INTO outcomes_episodeshare ({SHARE_COLUMNS}) SELECT * FROM fresh
    RETURNING time_zero, lesion, part, label, days, since, n
),
"""
    + ADD_TO_COUNTS.format(
        deltas="SELECT old.* FROM old, counts_lock UNION ALL SELECT added.* FROM added, counts_lock"
    )
)

REBUILD = [
    "DELETE FROM outcomes_episodeshare",
    "DELETE FROM outcomes_episodeoutcomecount",
    "DELETE FROM outcomes_staycount",
    f"INSERT INTO outcomes_episodeshare ({SHARE_COLUMNS})"
    + SHARES.format(where_o="true", where_c="true", where_t="true", where_e="true", **CONSTANTS),
    "WITH "
    + ADD_TO_COUNTS.format(
        deltas="SELECT time_zero, lesion, part, label, days, since, n FROM outcomes_episodeshare"
    ),
]


def episode_counts_refresh(*, episode_ids: Iterable[int]) -> None:
    """Replace these episodes' shares from their facts and add the difference to the counts,
    in one statement, inside the caller's transaction (which holds the episodes' locks)."""
    ids = sorted(set(episode_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(REFRESH, [ids])


def outcome_counts_rebuild() -> None:
    """Every share and count again from the facts (after the outcome rows are rebuilt), in one
    transaction that keeps the writers of counts waiting until it commits."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "LOCK TABLE outcomes_episodeshare, outcomes_episodeoutcomecount, outcomes_staycount "
            "IN SHARE ROW EXCLUSIVE MODE"
        )
        for statement in REBUILD:
            cursor.execute(statement)
