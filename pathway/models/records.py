"""The records read by the guards before the procedure. Each keeps its revisions."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.revisions import revisions
from pathway.codes import MdtOutcome, Modality, Pregnancy, PreOpAgent, Thrombophilia


class Recorded(models.Model):
    """Who recorded a pathway record, and when."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class SelectionAssessment(Recorded):
    revision_name = "selection"  # as GET /api/episodes/<id>/revisions/ names it
    episode = models.OneToOneField(
        "pathway.Episode", on_delete=models.CASCADE, related_name="selection"
    )
    assessed_on = models.DateField()
    symptom_onset = models.DateField()
    indications = models.JSONField(default=list)
    contraindications = models.JSONField(default=list)
    fit_for_procedure = models.BooleanField()
    thrombus_segments = models.JSONField(default=list)
    pe_suspected = models.BooleanField(default=False)
    symptom_window_override = models.TextField(null=True, blank=True)  # noqa: DJ001 - contract's null
    thrombophilia = models.CharField(
        max_length=12, choices=Thrombophilia.choices, default=Thrombophilia.NOT_TESTED
    )
    thrombophilia_finding = models.TextField(blank=True)
    comorbidities = models.TextField(blank=True)
    # VTE-BLEED's parts (pathway.md section 7); age, sex and renal function come from elsewhere.
    active_cancer = models.BooleanField(default=False)
    uncontrolled_hypertension = models.BooleanField(default=False)
    anaemia = models.BooleanField(default=False)
    prior_bleeding = models.BooleanField(default=False)
    # For a woman of childbearing age on a VKA or a DOAC: blank and null when not recorded.
    pregnancy = models.CharField(max_length=16, choices=Pregnancy.choices, blank=True, default="")
    contraception = models.BooleanField(null=True, blank=True)

    history = revisions()


class MdtDecision(Recorded):
    revision_name = "mdt_decision"  # as GET /api/episodes/<id>/revisions/ names it
    episode = models.ForeignKey(
        "pathway.Episode", on_delete=models.CASCADE, related_name="mdt_decisions"
    )
    date = models.DateField()
    attendees = models.JSONField(default=list)
    decision = models.CharField(max_length=24, choices=MdtOutcome.choices)
    rationale = models.TextField(blank=True)
    anaesthetic_risk = models.CharField(max_length=100, blank=True)

    history = revisions()

    class Meta:
        ordering = ["date", "id"]


class ImagingStudy(Recorded):
    revision_name = "imaging_study"  # as GET /api/episodes/<id>/revisions/ names it
    episode = models.ForeignKey(
        "pathway.Episode", on_delete=models.CASCADE, related_name="imaging_studies"
    )
    modality = models.CharField(max_length=20, choices=Modality.choices)
    date = models.DateField()
    ivc_anomaly = models.BooleanField(null=True, blank=True)
    ivc_filter = models.BooleanField(null=True, blank=True)
    right_heart_strain = models.BooleanField(null=True, blank=True)
    thrombus_segments = models.JSONField(default=list, blank=True)
    findings = models.TextField(blank=True)

    history = revisions()

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "imaging studies"


class PreProcedureAnticoagulation(Recorded):
    revision_name = "anticoagulation"  # as GET /api/episodes/<id>/revisions/ names it
    episode = models.OneToOneField(
        "pathway.Episode", on_delete=models.CASCADE, related_name="anticoagulation"
    )
    agent = models.CharField(max_length=16, choices=PreOpAgent.choices)
    started_at = models.DateTimeField()

    history = revisions()
