from django import forms
from django.contrib import admin

from core.admin_base import LookUpAdmin
from tasks import models, schedule, services


@admin.register(models.UnitSettings)
class UnitSettingsAdmin(admin.ModelAdmin):
    """The unit changes its intervals and hours here, without code."""

    def has_add_permission(self, request):
        return not models.UnitSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        services.unit_settings_save(unit=obj)

    def has_delete_permission(self, request, obj=None):
        return False


def _interval(text) -> str:
    try:
        schedule.parse(text)
    except ValueError:
        raise forms.ValidationError(
            f"Write each interval as 14d, 6w or 3m, at most ten years "
            f"({', '.join(f'{n}{unit}' for unit, n in schedule.LONGEST.items())})."
        ) from None
    return text


class ScheduleRuleForm(forms.ModelForm):
    """The offsets are read as the schedule reads them (tasks/schedule.py `parse`): one the
    schedule could not read would fail each discharge; one of a thousand years, each sweep."""

    class Meta:
        model = models.ScheduleRule
        fields = [
            "kind",
            "anchor",
            "first_offsets",
            "then_every",
            "window_days",
            "escalation_days",
            "vka_only",
            "active",
        ]

    def clean_first_offsets(self):
        offsets = self.cleaned_data["first_offsets"]
        if not isinstance(offsets, list):
            raise forms.ValidationError('A list of intervals, e.g. ["2w", "6w", "3m"].')
        return [_interval(offset) for offset in offsets]

    def clean_then_every(self):
        return _interval(self.cleaned_data["then_every"])


@admin.register(models.ScheduleRule)
class ScheduleRuleAdmin(admin.ModelAdmin):
    form = ScheduleRuleForm
    list_display = tuple(ScheduleRuleForm.Meta.fields)  # every field the unit edits, in order

    def save_model(self, request, obj, form, change):
        services.schedule_rule_save(rule=obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.FollowUp)
class FollowUpAdmin(LookUpAdmin):
    list_display = [
        "id",
        "episode",
        "kind",
        "anchor",
        "offset_months",
        "offset_days",
        "due_on",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
    ]
    list_filter = ["kind", "anchor"]


@admin.register(models.Visit)
class VisitAdmin(LookUpAdmin):
    list_display = ["id", "episode", "kind", "performed_on", "recorded_by", "recorded_at"]
    list_filter = ["kind"]


@admin.register(models.Alert)
class AlertAdmin(LookUpAdmin):
    list_display = [
        "id",
        "episode",
        "follow_up",
        "visit",
        "postop_check",
        "kind",
        "recipient",
        "created_at",
        "acknowledged_at",
    ]
    list_filter = ["kind"]


@admin.register(models.Delivery)
class DeliveryAdmin(LookUpAdmin):
    list_display = ["id", "alert", "digest", "sent_at", "attempts", "last_error"]
