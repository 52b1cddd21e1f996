"""PostgreSQL refuses UPDATE and DELETE on the record revisions, as on the move history; a
selection recorded before thrombophilia was coded reads as not tested."""

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
CREATE TRIGGER pathway_historicalselectionassessment_append_only BEFORE UPDATE OR DELETE ON pathway_historicalselectionassessment FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicalmdtdecision_append_only BEFORE UPDATE OR DELETE ON pathway_historicalmdtdecision FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicalimagingstudy_append_only BEFORE UPDATE OR DELETE ON pathway_historicalimagingstudy FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicalpreprocedureanticoagulation_append_only BEFORE UPDATE OR DELETE ON pathway_historicalpreprocedureanticoagulation FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicalprocedurenote_append_only BEFORE UPDATE OR DELETE ON pathway_historicalprocedurenote FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicaldischargeplan_append_only BEFORE UPDATE OR DELETE ON pathway_historicaldischargeplan FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicalcomplication_append_only BEFORE UPDATE OR DELETE ON pathway_historicalcomplication FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
CREATE TRIGGER pathway_historicalpostopcheck_append_only BEFORE UPDATE OR DELETE ON pathway_historicalpostopcheck FOR EACH ROW EXECUTE FUNCTION revisions_append_only();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS pathway_historicalselectionassessment_append_only ON pathway_historicalselectionassessment;
DROP TRIGGER IF EXISTS pathway_historicalmdtdecision_append_only ON pathway_historicalmdtdecision;
DROP TRIGGER IF EXISTS pathway_historicalimagingstudy_append_only ON pathway_historicalimagingstudy;
DROP TRIGGER IF EXISTS pathway_historicalpreprocedureanticoagulation_append_only ON pathway_historicalpreprocedureanticoagulation;
DROP TRIGGER IF EXISTS pathway_historicalprocedurenote_append_only ON pathway_historicalprocedurenote;
DROP TRIGGER IF EXISTS pathway_historicaldischargeplan_append_only ON pathway_historicaldischargeplan;
DROP TRIGGER IF EXISTS pathway_historicalcomplication_append_only ON pathway_historicalcomplication;
DROP TRIGGER IF EXISTS pathway_historicalpostopcheck_append_only ON pathway_historicalpostopcheck;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS, params=None)


def thrombophilia_coded(apps, schema_editor):
    apps.get_model("pathway", "SelectionAssessment").objects.filter(thrombophilia="").update(
        thrombophilia="not_tested"
    )


class Migration(migrations.Migration):
    dependencies = [("pathway", "0004_reintervention_visit")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(thrombophilia_coded, migrations.RunPython.noop),
    ]
