"""Accent- and case-insensitive search on PostgreSQL (core/text.py): the `unaccent` extension
(trusted since PostgreSQL 13, as pg_trgm) and `core_fold(text)`, lower(unaccent(text)) declared
IMMUTABLE so that expression indexes may use it (unaccent itself is only STABLE: its dictionary
could change; this one never does). Schema-qualified, so that a restore with an empty
search_path still builds the indexes. SQLite registers `core_fold` on each connection
instead (core.apps): no-op there."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE OR REPLACE FUNCTION public.core_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""
DROP = "DROP FUNCTION IF EXISTS public.core_fold(text);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_drop_drf_tokens")]

    operations = [migrations.RunPython(create, drop)]
