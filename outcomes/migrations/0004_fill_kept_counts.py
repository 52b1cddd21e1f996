# The figures' counts kept in the database (outcomes.services.counts), filled here, after 0003
# made the tables and their keys, from the outcome rows, the complications, the moves and the
# episodes as they stand: the statements of `outcome_counts_rebuild` at this migration, with
# its constants written out (65% a good TTR, 30 days early, the terminal states). Episodes whose
# outcome rows are reduced after `migrate` (outcomes_after_migrate) get theirs refreshed then.

from django.db import migrations

FILL = """
INSERT INTO outcomes_episodeshare (episode_id, time_zero, lesion, part, label, days, since, n)
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
    ('ttr_good', CASE WHEN o.vka AND o.ttr >= 65 THEN '' END, NULL)
) v(part, label, days)
WHERE v.label IS NOT NULL AND true
UNION ALL
SELECT DISTINCT c.episode_id, o.time_zero, o.lesion,
       CASE WHEN c.occurred_on - f.date <= 30 THEN 'early' ELSE 'late' END,
       c.kind, NULL::int, NULL::date, 1
FROM pathway_complication c
JOIN outcomes_episodeoutcome o ON o.episode_id = c.episode_id
LEFT JOIN LATERAL (SELECT p.date FROM pathway_procedurenote p
                   WHERE p.episode_id = c.episode_id AND p.date <= c.occurred_on
                   ORDER BY p.date DESC LIMIT 1) f ON true
WHERE true
UNION ALL
SELECT t.episode_id, o.time_zero, o.lesion, 'stay', t.source, t.stay_days, NULL::date,
       count(*)::int
FROM pathway_transition t
LEFT JOIN outcomes_episodeoutcome o ON o.episode_id = t.episode_id
WHERE t.corrects_id IS NULL AND t.stay_days IS NOT NULL AND true
  AND NOT EXISTS (SELECT 1 FROM pathway_transition u WHERE u.corrects_id = t.id)
GROUP BY t.episode_id, o.time_zero, o.lesion, t.source, t.stay_days
UNION ALL
SELECT e.id, o.time_zero, o.lesion, 'open', e.state, NULL::int, e.entered_on, 1
FROM pathway_episode e
LEFT JOIN outcomes_episodeoutcome o ON o.episode_id = e.id
WHERE e.entered_on IS NOT NULL AND e.state NOT IN ('completed', 'excluded', 'withdrawn', 'deceased') AND true
;
WITH
delta AS (
    SELECT date_trunc('month', d.time_zero)::date AS month, d.lesion, d.part, d.label, d.days,
           d.since, sum(d.n) AS n
    FROM (SELECT time_zero, lesion, part, label, days, since, n FROM outcomes_episodeshare) d
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
;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0003_kept_counts"),
    ]

    operations = [
        migrations.RunSQL(sql=FILL, reverse_sql=migrations.RunSQL.noop),
    ]
