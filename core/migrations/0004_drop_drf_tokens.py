"""DRF's authtoken app is no longer installed (knox's core.ApiToken replaced it), but databases
made before the switch keep its table: every old key in clear, never expiring, alive again if the
app were ever installed again, and a foreign key to auth_user that Django's flush does not know
of. The table, the app's content types (so its permissions) and its migration records go."""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder


def drop_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name('authtoken_token')}")
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_knox_table_unused"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(drop_drf_tokens, migrations.RunPython.noop)]
