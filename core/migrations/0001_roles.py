"""Create the coordinator, nurse and admin groups with the permission table of the API
contract. The table is written out here (not imported) so this migration never changes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = [
    ("patients", "view_patient"),
    ("pathway", "view_episode"),
    ("pathway", "view_transition"),
]
PATHWAY_WORK = [
    ("patients", "add_patient"),
    ("patients", "change_patient"),
    ("pathway", "add_episode"),
    ("pathway", "record_pathway_data"),
    ("pathway", "run_transition"),
]
ADMIN_ONLY = [
    ("pathway", "correct_transition"),
    ("pathway", "view_dashboard"),
    ("auth", "add_user"),
    ("auth", "view_user"),
]
TABLE = {
    "coordinator": READ + PATHWAY_WORK,
    "nurse": READ,
    "admin": READ + PATHWAY_WORK + ADMIN_ONLY,
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in TABLE.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=TABLE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0001_initial"),
        ("pathway", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
