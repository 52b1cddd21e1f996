"""pathway.md section 7: INR checks count from the day the VKA course starts, not from the
discharge. The rule's anchor says so; INR checks already scheduled keep theirs (anchored on
the discharge, no course), and a VKA known only from the discharge plan is still counted from
the discharge (tasks/anchors.py)."""

from django.db import migrations


def inr_from_vka_start(apps, schema_editor):
    ScheduleRule = apps.get_model("tasks", "ScheduleRule")
    ScheduleRule.objects.filter(kind="inr_check", anchor="discharge").update(anchor="vka_start")


def inr_from_discharge(apps, schema_editor):
    ScheduleRule = apps.get_model("tasks", "ScheduleRule")
    ScheduleRule.objects.filter(kind="inr_check", anchor="vka_start").update(anchor="discharge")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0011_anticoagulation_journey")]
    operations = [migrations.RunPython(inr_from_vka_start, inr_from_discharge)]
