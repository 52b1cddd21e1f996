"""PostgreSQL keeps the access log as it was written: no UPDATE, no DELETE, no TRUNCATE (the
last only in a transaction that says `pathway.allow_truncate`, as pathway/migrations/0009).
"Who has read my notes?" has no honest answer from a log that can be edited."""

from django.db import migrations

# The SQL is written out here, as it was when this migration was made: a migration never
# imports the project's code, so it runs the same on a fresh database years from now.
FORWARDS = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER patients_patientaccess_append_only BEFORE UPDATE OR DELETE ON patients_patientaccess FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER patients_patientaccess_refuses_truncate BEFORE TRUNCATE ON patients_patientaccess FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS patients_patientaccess_append_only ON patients_patientaccess;
DROP TRIGGER IF EXISTS patients_patientaccess_refuses_truncate ON patients_patientaccess;
DROP FUNCTION IF EXISTS access_log_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_patient_access"),
        ("pathway", "0009_history_refuses_truncate"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
