"""Seed pathway.md section 4's default schedule and unit settings, and let every role record
follow-up results. Values are written out here so this migration never changes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RULES = [
    dict(
        kind="duplex",
        anchor="procedure",
        first_offsets=["2w", "6w", "3m", "6m", "12m"],
        then_every="12m",
        window_days=7,
        vka_only=False,
    ),
    dict(
        kind="anticoagulation_review",
        anchor="procedure",
        first_offsets=["2w", "6w", "3m", "6m", "12m"],
        then_every="12m",
        window_days=7,
        vka_only=False,
    ),
    dict(
        kind="inr_check",
        anchor="discharge",
        first_offsets=["7d", "14d", "21d", "28d"],
        then_every="28d",
        window_days=3,
        vka_only=True,
    ),
]


def seed(apps, schema_editor):
    ScheduleRule = apps.get_model("tasks", "ScheduleRule")
    for rule in RULES:
        ScheduleRule.objects.get_or_create(kind=rule["kind"], defaults=rule)
    apps.get_model("tasks", "UnitSettings").objects.get_or_create(pk=1)
    app_config = apps.get_app_config("tasks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    record = Permission.objects.get(content_type__app_label="tasks", codename="record_result")
    view = [
        Permission.objects.get(content_type__app_label="tasks", codename=f"view_{m}")
        for m in ("followup", "alert")
    ]
    for group in apps.get_model("auth", "Group").objects.filter(
        name__in=["coordinator", "nurse", "admin"]
    ):
        group.permissions.add(record, *view)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial"), ("core", "0001_roles")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
