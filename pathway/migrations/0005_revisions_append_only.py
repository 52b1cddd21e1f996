"""PostgreSQL refuses UPDATE and DELETE on the record revisions, as on the move history; a
selection recorded before thrombophilia was coded reads as not tested."""

from django.db import migrations

from pathway.migrations import _append_only

TABLES = [
    "pathway_historicalselectionassessment",
    "pathway_historicalmdtdecision",
    "pathway_historicalimagingstudy",
    "pathway_historicalpreprocedureanticoagulation",
    "pathway_historicalprocedurenote",
    "pathway_historicaldischargeplan",
    "pathway_historicalcomplication",
    "pathway_historicalpostopcheck",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_append_only.FUNCTION + _append_only.triggers(TABLES), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_append_only.drop(TABLES))


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
