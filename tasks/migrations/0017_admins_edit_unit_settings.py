"""The admin role may look up and change the unit's settings and follow-up schedule rules in
the Django admin (an admin made in the app is staff: core.services sets is_staff with the
role). The permissions are written out here, not imported, so this migration never changes.
The tasks app's, since the models are (core's migrations name no app above core)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

UNIT_SETTINGS = [
    ("tasks", "view_unitsettings"),
    ("tasks", "change_unitsettings"),
    ("tasks", "view_schedulerule"),
    ("tasks", "change_schedulerule"),
]


def _permissions(apps):
    app_config = apps.get_app_config("tasks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in UNIT_SETTINGS
    ]


def grant(apps, schema_editor):
    admins = apps.get_model("auth", "Group").objects.filter(name="admin").first()
    if admins is not None:
        admins.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    admins = apps.get_model("auth", "Group").objects.filter(name="admin").first()
    if admins is not None:
        admins.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_roles"),  # the admin group
        ("tasks", "0016_unitsettings_bulk_export_expiry_hours"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
