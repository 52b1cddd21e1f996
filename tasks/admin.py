from django.contrib import admin

from core.admin_base import LookUpAdmin
from tasks import models, services


@admin.register(models.UnitSettings)
class UnitSettingsAdmin(admin.ModelAdmin):
    """The unit changes its intervals and hours here, without code."""

    def has_add_permission(self, request):
        return not models.UnitSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        services.unit_settings_save(unit=obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.ScheduleRule)
class ScheduleRuleAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "anchor",
        "first_offsets",
        "then_every",
        "window_days",
        "escalation_days",
        "vka_only",
        "active",
    ]

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
