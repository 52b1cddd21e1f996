"""PostgreSQL keeps the access log as it was written: no UPDATE, no DELETE, no TRUNCATE (the
last only in a transaction that says `pathway.allow_truncate`, as pathway/migrations/0009).
"Who has read my notes?" has no honest answer from a log that can be edited."""

from django.db import migrations

TABLE = "patients_patientaccess"

FUNCTION = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            FUNCTION
            + f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION access_log_append_only();\n"
            f"CREATE TRIGGER {TABLE}_refuses_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION history_refuses_truncate();",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};\n"
            f"DROP TRIGGER IF EXISTS {TABLE}_refuses_truncate ON {TABLE};\n"
            "DROP FUNCTION IF EXISTS access_log_append_only();",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_patient_access"),
        ("pathway", "0009_history_refuses_truncate"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
