from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import LookUpAdmin, LookUpInline, ReadOnly
from pathway import models


class HistoryInline(LookUpInline):
    model = models.Transition
    fk_name = "episode"
    fields = ["name", "source", "target", "actor", "recorded_at", "effective_on", "reason"]
    readonly_fields = fields  # type: ignore[assignment]  # plain names, as fields


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


class RecordAdmin(ReadOnly, SimpleHistoryAdmin):
    """A record and, under "History", its revisions: who, when, why; read-only, never reverted
    (SIMPLE_HISTORY_REVERT_DISABLED)."""

    list_display = ["id", "episode", "recorded_by", "recorded_at"]
    list_select_related = ["episode", "recorded_by"]
    history_list_display = ["history_change_reason"]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """An earlier version may be looked at, never saved back over the record: that would
        bypass the services, the reason and the timeline (the library only hides the button)."""
        if request.method != "GET":
            raise PermissionDenied("Records change through the pathway, never from the admin.")
        return super().history_form_view(request, object_id, version_id, extra_context)


for record in (
    models.SelectionAssessment,
    models.MdtDecision,
    models.ImagingStudy,
    models.PreProcedureAnticoagulation,
    models.ProcedureNote,
    models.DischargePlan,
    models.Complication,
    models.PostopCheck,
):
    admin.site.register(record, RecordAdmin)
