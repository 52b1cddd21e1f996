"""Indexes for the accent-insensitive patient search (core/text.py, core migration 0005): a name
word is matched with core_fold(name) LIKE '%word%' (a trigram GIN index answers it), a word of
one or two letters with LIKE 'wo%' (a btree index's). SQLite: no-op."""

from django.db import migrations

INDEXES = {
    "patient_given_fold_trgm": "USING gin (public.core_fold(given_name) gin_trgm_ops)",
    "patient_family_fold_trgm": "USING gin (public.core_fold(family_name) gin_trgm_ops)",
    "patient_given_fold_prefix": "(public.core_fold(given_name) text_pattern_ops)",
    "patient_family_fold_prefix": "(public.core_fold(family_name) text_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient {how}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_access_log_append_only"), ("core", "0005_unaccent_fold")]

    operations = [migrations.RunPython(create, drop)]
