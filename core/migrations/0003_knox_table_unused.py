"""knox's own migrations create `knox_authtoken` even though its model is swapped for
core.ApiToken (KNOX_TOKEN_MODEL); a database from before knox has DRF's `authtoken_token`, whose
never-expiring tokens are no longer accepted. Nothing reads either, and a table no installed
model names is left out of Django's flush (whose TRUNCATE of auth_user then fails on its
foreign key) and would refuse the deletion of a user who had a token."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_api_tokens"), ("knox", "0009_extend_authtoken_field")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
