"""Two-step sign-in (issue 21): the unit may require it of every role (admins always need it),
and an admin's reset of someone's authenticator (a lost phone) is recorded: who, whose, when.
The authenticators and recovery codes themselves are django-otp's tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_web_sessions_and_sign_in_settings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="signinsettings",
            name="second_factor_for_everyone",
            field=models.BooleanField(
                default=False,
                help_text="Admins always sign in with a code from an authenticator app after their password. Ticked, nurses and coordinators must too (from their next sign-in).",
                verbose_name="Two-step sign-in for everyone",
            ),
        ),
        migrations.CreateModel(
            name="SecondFactorReset",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reset_at", models.DateTimeField(db_index=True)),
                (
                    "reset_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "two-step sign-in reset",
                "ordering": ["-reset_at"],
            },
        ),
    ]
