"""Episode.entered_on and Transition.stay_days, backfilled from the history.

A stay is the time between two consecutive standing moves (neither corrections nor undone by
one); each standing move after the opening records the stay it ended. The history is
append-only, so in PostgreSQL its trigger is set aside for the backfill alone (the migration
runs as the tables' owner)."""

from django.db import migrations, models

STANDING = """
    SELECT t.id, t.episode_id, t.effective_on,
           lag(t.effective_on) OVER (PARTITION BY t.episode_id ORDER BY t.id) AS before_on,
           row_number() OVER (PARTITION BY t.episode_id ORDER BY t.id DESC) AS from_last
    FROM pathway_transition t
    WHERE t.corrects_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM pathway_transition c
                      WHERE c.corrects_id IS NOT NULL AND c.corrects_id = t.id)
"""

POSTGRESQL = f"""
ALTER TABLE pathway_transition DISABLE TRIGGER pathway_history_append_only;
UPDATE pathway_transition t SET stay_days = s.effective_on - s.before_on
FROM ({STANDING}) s WHERE s.id = t.id AND s.before_on IS NOT NULL;
ALTER TABLE pathway_transition ENABLE TRIGGER pathway_history_append_only;
UPDATE pathway_episode e SET entered_on = s.effective_on
FROM ({STANDING}) s WHERE s.episode_id = e.id AND s.from_last = 1;
"""

SQLITE = [
    f"""UPDATE pathway_transition SET stay_days = (
        SELECT CAST(julianday(s.effective_on) - julianday(s.before_on) AS INTEGER)
        FROM ({STANDING}) s WHERE s.id = pathway_transition.id)""",
    f"""UPDATE pathway_episode SET entered_on = (
        SELECT s.effective_on FROM ({STANDING}) s
        WHERE s.episode_id = pathway_episode.id AND s.from_last = 1)""",
]


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0005_revisions_append_only")]
    operations = [
        migrations.AddField(
            model_name="episode",
            name="entered_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="transition",
            name="stay_days",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
