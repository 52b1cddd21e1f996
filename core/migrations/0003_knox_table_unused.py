"""knox's own migrations create `knox_authtoken` even though its model is swapped for
core.ApiToken (KNOX_TOKEN_MODEL). Nothing reads it, and a table no installed model names is
left out of Django's flush, whose TRUNCATE of auth_user then fails on its foreign key."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_api_tokens"), ("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", reverse_sql=migrations.RunSQL.noop)
    ]
