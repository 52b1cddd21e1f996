"""PostgreSQL keeps the access log as it was written: no UPDATE, no DELETE, no TRUNCATE (the
last only in a transaction that says `pathway.allow_truncate`, as pathway/migrations/0009).
"Who has read my notes?" has no honest answer from a log that can be edited."""

from django.db import migrations

from pathway.migrations import _append_only

TABLES = ["patients_patientaccess"]
FUNCTION = "access_log_append_only"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            _append_only.refusing_function(FUNCTION, "the access log is")
            + _append_only.triggers(TABLES, function=FUNCTION)
            + _append_only.truncate_guards(TABLES),
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            _append_only.drop(TABLES)
            + _append_only.truncate_guards_drop(TABLES)
            + f"DROP FUNCTION IF EXISTS {FUNCTION}();"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_patient_access"),
        ("pathway", "0009_history_refuses_truncate"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
