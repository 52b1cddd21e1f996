"""PostgreSQL refuses TRUNCATE of the move history and of every record's revisions, even from
the tables' owner: the row triggers (0002, 0005, tasks 0006) refuse UPDATE and DELETE, but
TRUNCATE fires no row trigger, and `TRUNCATE pathway_episode CASCADE` would empty the history.
The tasks app's revision tables get the same trigger from its own migration (tasks 0015), so
this app's migrations depend on none of that app's.

One way through, for a deliberate act and never by accident: a transaction that first says
`SET LOCAL pathway.allow_truncate = 'on'` (the test runner's flush does, tests/conftest.py).
Any role may set that variable, but only the tables' owner may TRUNCATE at all: the app's role
holds no TRUNCATE privilege (core/db_roles.py), so for it the setting changes nothing."""

from django.db import migrations

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


# The SQL is written out here, as it was when this migration was made: a migration never
# imports the project's code, so it runs the same on a fresh database years from now.
FORWARDS_TRIGGERS = """
CREATE TRIGGER pathway_transition_refuses_truncate BEFORE TRUNCATE ON pathway_transition FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalselectionassessment_refuses_truncate BEFORE TRUNCATE ON pathway_historicalselectionassessment FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalmdtdecision_refuses_truncate BEFORE TRUNCATE ON pathway_historicalmdtdecision FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalimagingstudy_refuses_truncate BEFORE TRUNCATE ON pathway_historicalimagingstudy FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalpreprocedureanticoagulation_refuses_truncate BEFORE TRUNCATE ON pathway_historicalpreprocedureanticoagulation FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalprocedurenote_refuses_truncate BEFORE TRUNCATE ON pathway_historicalprocedurenote FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicaldischargeplan_refuses_truncate BEFORE TRUNCATE ON pathway_historicaldischargeplan FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalcomplication_refuses_truncate BEFORE TRUNCATE ON pathway_historicalcomplication FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
CREATE TRIGGER pathway_historicalpostopcheck_refuses_truncate BEFORE TRUNCATE ON pathway_historicalpostopcheck FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS pathway_transition_refuses_truncate ON pathway_transition;
DROP TRIGGER IF EXISTS pathway_historicalselectionassessment_refuses_truncate ON pathway_historicalselectionassessment;
DROP TRIGGER IF EXISTS pathway_historicalmdtdecision_refuses_truncate ON pathway_historicalmdtdecision;
DROP TRIGGER IF EXISTS pathway_historicalimagingstudy_refuses_truncate ON pathway_historicalimagingstudy;
DROP TRIGGER IF EXISTS pathway_historicalpreprocedureanticoagulation_refuses_truncate ON pathway_historicalpreprocedureanticoagulation;
DROP TRIGGER IF EXISTS pathway_historicalprocedurenote_refuses_truncate ON pathway_historicalprocedurenote;
DROP TRIGGER IF EXISTS pathway_historicaldischargeplan_refuses_truncate ON pathway_historicaldischargeplan;
DROP TRIGGER IF EXISTS pathway_historicalcomplication_refuses_truncate ON pathway_historicalcomplication;
DROP TRIGGER IF EXISTS pathway_historicalpostopcheck_refuses_truncate ON pathway_historicalpostopcheck;
DROP FUNCTION IF EXISTS history_refuses_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION + FORWARDS_TRIGGERS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0008_transition_stays_index"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
