"""Web sessions naming their user (so "sign out everywhere" ends them), and the unit's sign-in
settings (how long an idle web sign-in lasts), seeded with the default and changeable by the
admin role in the Django admin. Values are written out here so this migration never changes.
The sessions of the old table (django_session) are not carried over: everyone signs in again
once."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

ADMIN_MAY = ("view_signinsettings", "change_signinsettings")


def seed(apps, schema_editor):
    apps.get_model("core", "SignInSettings").objects.get_or_create(pk=1)
    app_config = apps.get_app_config("core")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    admins = apps.get_model("auth", "Group").objects.filter(name="admin").first()
    if admins is not None:
        admins.permissions.add(
            *Permission.objects.filter(content_type__app_label="core", codename__in=ADMIN_MAY)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_saved_answers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "idle_minutes",
                    models.PositiveSmallIntegerField(
                        default=15,
                        help_text="Minutes without activity after which a web sign-in ends (a warning shows a minute before); 0 never ends one for idleness. API tokens are not affected.",
                        validators=[django.core.validators.MaxValueValidator(720)],
                    ),
                ),
            ],
            options={
                "verbose_name": "sign-in settings",
                "verbose_name_plural": "sign-in settings",
            },
        ),
        migrations.CreateModel(
            name="WebSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "web session",
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
