"""PostgreSQL refuses UPDATE and DELETE on the revisions of results and visits."""

from django.db import migrations

from pathway.migrations import _append_only

TABLES = ["tasks_historicalfollowup", "tasks_historicalvisit"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_append_only.FUNCTION + _append_only.triggers(TABLES), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_append_only.drop(TABLES))


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0005_records_revisions_and_events"),
        ("pathway", "0005_revisions_append_only"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
