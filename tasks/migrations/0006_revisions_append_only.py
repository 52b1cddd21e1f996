"""PostgreSQL refuses UPDATE and DELETE on the revisions of results and visits."""

from django.db import migrations

# The SQL is written out here, as it was when this migration was made: a migration never
# imports the project's code, so it runs the same on a fresh database years from now.
FORWARDS = """
CREATE OR REPLACE FUNCTION revisions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'record revisions are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tasks_historicalfollowup_append_only BEFORE UPDATE OR DELETE ON tasks_historicalfollowup FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER tasks_historicalvisit_append_only BEFORE UPDATE OR DELETE ON tasks_historicalvisit FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS tasks_historicalfollowup_append_only ON tasks_historicalfollowup;
DROP TRIGGER IF EXISTS tasks_historicalvisit_append_only ON tasks_historicalvisit;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0005_records_revisions_and_events"),
        ("pathway", "0005_revisions_append_only"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
