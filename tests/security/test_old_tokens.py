"""DRF's never-expiring tokens, kept in clear in databases made before knox, are gone after
the upgrade: their table, content types and migration records (core 0004)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = [pytest.mark.django_db, pytest.mark.db_owner]  # migrations run as the owner
upgrade = importlib.import_module("core.migrations.0004_drop_drf_tokens").drop_drf_tokens


def test_the_upgrade_drops_the_old_clear_text_tokens(coordinator):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY,"
            " user_id integer NOT NULL REFERENCES auth_user (id))"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123abcd', %s)", [coordinator.id])
    ContentType.objects.create(app_label="authtoken", model="token")
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")

    with connection.schema_editor() as editor:
        upgrade(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()


def test_a_database_made_after_the_switch_upgrades_too():
    """It never had the table: nothing to drop, and no error for it."""
    with connection.schema_editor() as editor:
        upgrade(apps, editor)

    assert "core_apitoken" in connection.introspection.table_names()
