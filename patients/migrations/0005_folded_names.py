"""The names as a search compares them (core.text.fold: accents and case dropped), kept by
Patient.save(), filled here for the patients already registered; on PostgreSQL indexed like
the names were (patients/migrations/0002): a trigram index for a word inside a name, a pattern
index for a word that starts one."""

from django.db import migrations, models

from core.text import fold

INDEXES = [
    "CREATE INDEX IF NOT EXISTS patient_given_folded_trgm ON patients_patient "
    "USING gin (given_folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patient_family_folded_trgm ON patients_patient "
    "USING gin (family_folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patient_given_folded_prefix ON patients_patient "
    "(given_folded varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS patient_family_folded_prefix ON patients_patient "
    "(family_folded varchar_pattern_ops)",
]
NAMES = ["patient_given_folded_trgm", "patient_family_folded_trgm",
         "patient_given_folded_prefix", "patient_family_folded_prefix"]  # fmt: skip


def fill(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    batch = []
    for patient in Patient.objects.only("id", "given_name", "family_name").iterator(2000):
        patient.given_folded = fold(patient.given_name)
        patient.family_folded = fold(patient.family_name)
        batch.append(patient)
        if len(batch) >= 2000:
            Patient.objects.bulk_update(batch, ["given_folded", "family_folded"])
            batch = []
    Patient.objects.bulk_update(batch, ["given_folded", "family_folded"])


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_access_log_append_only")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="given_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="patient",
            name="family_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
