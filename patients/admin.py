from django.contrib import admin

from core.admin_base import LookUpAdmin
from patients.models import Patient, PatientAccess


@admin.register(Patient)
class PatientAdmin(LookUpAdmin):
    list_display = ["mrn", "family_name", "given_name", "birth_date", "sex"]
    search_fields = ["mrn", "family_name", "given_name"]


@admin.register(PatientAccess)
class PatientAccessAdmin(admin.ModelAdmin):
    """Read-only: the access log is written by the reads themselves, never edited."""

    list_display = ["at", "user", "patient", "episode_id", "what"]
    list_filter = ["what"]
    date_hierarchy = "at"
    raw_id_fields = ["patient", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
