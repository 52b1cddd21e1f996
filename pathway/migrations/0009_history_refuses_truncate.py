"""PostgreSQL refuses TRUNCATE of the move history and of every record's revisions, even from
the tables' owner: the row triggers (0002, 0005, tasks 0006) refuse UPDATE and DELETE, but
TRUNCATE fires no row trigger, and `TRUNCATE pathway_episode CASCADE` would empty the history.

One way through, for a deliberate act and never by accident: a transaction that first says
`SET LOCAL pathway.allow_truncate = 'on'` (the test runner's flush does, tests/conftest.py).
Any role may set that variable, but only the tables' owner may TRUNCATE at all: the app's role
holds no TRUNCATE privilege (core/db_roles.py), so for it the setting changes nothing."""

from django.db import migrations

from pathway.migrations import _append_only

TABLES = [
    "pathway_transition",
    "pathway_historicalselectionassessment",
    "pathway_historicalmdtdecision",
    "pathway_historicalimagingstudy",
    "pathway_historicalpreprocedureanticoagulation",
    "pathway_historicalprocedurenote",
    "pathway_historicaldischargeplan",
    "pathway_historicalcomplication",
    "pathway_historicalpostopcheck",
    "tasks_historicalfollowup",
    "tasks_historicalvisit",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION history_refuses_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('pathway.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'TRUNCATE of % refused: the pathway history and record revisions are kept for good', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'To start again, restore a backup into a new database (README, Backup and restore).';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION + _append_only.truncate_guards(TABLES), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            _append_only.truncate_guards_drop(TABLES)
            + "DROP FUNCTION IF EXISTS history_refuses_truncate();"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0008_transition_stays_index"),
        ("tasks", "0006_revisions_append_only"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
