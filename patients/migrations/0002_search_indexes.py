"""Indexes for patient search on PostgreSQL (pg_trgm, a trusted extension): the name words
are matched with UPPER(name) LIKE UPPER('%word%'), which a trigram GIN index answers (a word of
one or two letters with LIKE 'WO%', a btree index's), and the MRN with UPPER(mrn) = UPPER(word). SQLite, the first run's database, has neither: no-op."""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS patient_given_trgm ON patients_patient "
    "USING gin (UPPER(given_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patient_family_trgm ON patients_patient "
    "USING gin (UPPER(family_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patient_mrn_upper ON patients_patient (UPPER(mrn))",
    # A word of one or two letters starts a name: UPPER(name) LIKE 'LI%'.
    "CREATE INDEX IF NOT EXISTS patient_given_prefix ON patients_patient "
    "(UPPER(given_name) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS patient_family_prefix ON patients_patient "
    "(UPPER(family_name) text_pattern_ops)",
]
NAMES = [
    "patient_given_trgm",
    "patient_family_trgm",
    "patient_mrn_upper",
    "patient_given_prefix",
    "patient_family_prefix",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
