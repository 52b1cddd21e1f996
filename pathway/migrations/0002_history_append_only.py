"""PostgreSQL refuses UPDATE and DELETE on the pathway history, whatever the client."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION pathway_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pathway history is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pathway_history_append_only
    BEFORE UPDATE OR DELETE ON pathway_transition
    FOR EACH ROW EXECUTE FUNCTION pathway_history_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS pathway_history_append_only ON pathway_transition;
DROP FUNCTION IF EXISTS pathway_history_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
