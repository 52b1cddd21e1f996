from django.contrib import admin

from core.admin_base import LookUpAdmin
from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(LookUpAdmin):
    list_display = ["mrn", "family_name", "given_name", "birth_date", "sex"]
    search_fields = ["mrn", "family_name", "given_name"]
