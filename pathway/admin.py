from django.contrib import admin

from core.admin_base import LookUpAdmin, LookUpInline
from pathway import models


class HistoryInline(LookUpInline):
    model = models.Transition
    fk_name = "episode"
    fields = ["name", "source", "target", "actor", "recorded_at", "effective_on", "reason"]
    readonly_fields = fields


class MdtInline(LookUpInline):
    model = models.MdtDecision
    exclude = ["recorded_by"]


class ImagingInline(LookUpInline):
    model = models.ImagingStudy
    exclude = ["recorded_by"]


@admin.register(models.Episode)
class EpisodeAdmin(LookUpAdmin):
    list_display = ["id", "patient", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["patient"]
    search_fields = ["patient__mrn"]
    inlines = [MdtInline, ImagingInline, HistoryInline]


@admin.register(models.Transition)
class TransitionAdmin(LookUpAdmin):
    """The history, read-only: no add, change or delete, here or anywhere."""

    list_display = [
        "id",
        "episode",
        "name",
        "source",
        "target",
        "actor",
        "recorded_at",
        "effective_on",
    ]
    list_filter = ["name", "target"]
    list_select_related = ["actor", "episode"]
    search_fields = ["episode__patient__mrn"]


for record in (
    models.SelectionAssessment,
    models.PreProcedureAnticoagulation,
    models.ProcedureNote,
    models.DischargePlan,
):
    admin.site.register(record, LookUpAdmin)
