"""The episode and its state machine, the records its guards read, and the append-only history.

Transitions carry no side effects: pathway/services.py locks, transitions, saves and writes the
history row in one transaction. `custom` on each transition says what the service must ask for.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from pathway import rules
from pathway.codes import (
    ACTIVE,
    TERMINAL,
    Anticoagulant,
    MdtOutcome,
    Modality,
    PreOpAgent,
    State,
    Technique,
    Thrombolytic,
)
from pathway.rules import guard
from patients.models import Patient

REASON = {"reason_required": True}


class Episode(FSMModelMixin, models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    state = FSMField(default=State.SELECTION, choices=State.choices, protected=True, db_index=True)
    assigned_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Transient: the reason given with the move being attempted, read by surveillance_finished.
    pending_reason: str | None = None

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(state__in=[s.value for s in TERMINAL]),
                name="one_open_episode_per_patient",
                violation_error_message="The patient already has an open episode.",
            )
        ]
        permissions = [
            ("run_transition", "Can move episodes through the pathway"),
            ("record_pathway_data", "Can record pathway data"),
            ("correct_transition", "Can correct the last transition"),
            ("view_dashboard", "Can view pathway dashboards"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk}"

    # --- derived facts read by rules -----------------------------------------------------
    def effective_history(self):
        """Moves that stand: not corrections, and not undone by one."""
        return self.history.filter(corrects__isnull=True, corrected_by__isnull=True)

    def last_move_into(self, state: str):
        return self.effective_history().filter(target=state).order_by("-id").first()

    def last_correctable_move(self):
        return self.effective_history().exclude(name="open").order_by("-id").first()

    def current_reintervention(self):
        return self.effective_history().filter(name="reintervene").order_by("-id").first()

    def current_procedure_note(self):
        return self.procedure_notes.filter(reintervention=self.current_reintervention()).first()

    def follow_ups_owed(self, *, today) -> int:
        """How many follow-ups are due or overdue (rows of the tasks app, read through their
        reverse relation so this module never imports it)."""
        return self.follow_ups.owed(today=today).count()

    # --- the state machine (pathway.md section 2) ----------------------------------------
    @transition(
        field=state,
        source=State.SELECTION,
        target=State.MDT_DISCUSSION,
        conditions=[
            guard(rules.indication_documented),
            guard(rules.no_absolute_contraindication),
            guard(rules.fit_for_procedure),
            guard(rules.symptom_window),
        ],
    )
    def refer_to_mdt(self):
        """Present the case to the multidisciplinary team."""

    @transition(
        field=state,
        source=State.MDT_DISCUSSION,
        target=State.IMAGING,
        conditions=[guard(rules.mdt_decision_recorded), guard(rules.mdt_quorum)],
    )
    def approve(self):
        """The MDT decided to proceed: start the pre-procedure work-up."""

    @transition(
        field=state,
        source=State.IMAGING,
        target=State.PROCEDURE,
        conditions=[
            guard(rules.duplex_done),
            guard(rules.cross_sectional_done),
            guard(rules.ivc_assessed),
            guard(rules.echo_if_pe),
            guard(rules.anticoagulated),
        ],
    )
    def schedule_procedure(self):
        """Book the thrombectomy."""

    @transition(
        field=state,
        source=State.PROCEDURE,
        target=State.POST_OP,
        conditions=[guard(rules.procedure_recorded)],
    )
    def complete_procedure(self):
        """The procedure is done and documented."""

    @transition(
        field=state,
        source=State.POST_OP,
        target=State.SURVEILLANCE,
        conditions=[guard(rules.predischarge_duplex), guard(rules.discharge_plan_recorded)],
    )
    def discharge(self):
        """Home, into duplex and anticoagulation surveillance."""

    @transition(
        field=state,
        source=State.SURVEILLANCE,
        target=State.COMPLETED,
        conditions=[guard(rules.surveillance_finished)],
    )
    def complete(self):
        """Surveillance finished."""

    @transition(field=state, source=State.IMAGING, target=State.MDT_DISCUSSION, custom=REASON)
    def return_to_mdt(self):
        """Back to the MDT, e.g. imaging shows an IVC anomaly."""

    @transition(field=state, source=State.PROCEDURE, target=State.IMAGING, custom=REASON)
    def postpone(self):
        """The procedure will not go ahead as booked."""

    @transition(
        field=state,
        source=[State.SELECTION, State.MDT_DISCUSSION, State.IMAGING],
        target=State.EXCLUDED,
        custom=REASON,
    )
    def exclude(self):
        """Not a candidate."""

    @transition(field=state, source=State.SURVEILLANCE, target=State.PROCEDURE, custom=REASON)
    def reintervene(self):
        """Back to the table, e.g. the duplex showed occlusion."""

    @transition(field=state, source=list(ACTIVE), target=State.WITHDRAWN, custom=REASON)
    def withdraw(self):
        """The patient declined or left the pathway."""

    @transition(
        field=state,
        source=list(ACTIVE),
        target=State.DECEASED,
        custom={"effective_on_required": True},
    )
    def record_death(self):
        """Died; the effective date is the date of death."""

    @transition(
        field=state,
        source="*",
        target=RETURN_VALUE(*State.values),
        conditions=[guard(rules.correctable_move)],
        custom={"reason_required": True, "admin_only": True},
    )
    def correct(self, back_to: str) -> str:
        """Undo the last move that stands; the service names the state it came from."""
        return back_to


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The pathway history is append-only.")

    def delete(self):
        raise PermissionError("The pathway history is append-only.")


class Transition(models.Model):
    """One move of an episode: who, when recorded, when effective, from, to and why.
    Append-only; in PostgreSQL a trigger rejects UPDATE and DELETE as well."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="history")
    name = models.CharField(max_length=40)
    source = models.CharField(max_length=20, blank=True)
    target = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField()
    reason = models.TextField(blank=True)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.source or '-'} -> {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The pathway history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The pathway history is append-only.")


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
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="selection")
    assessed_on = models.DateField()
    symptom_onset = models.DateField()
    indications = models.JSONField(default=list)
    contraindications = models.JSONField(default=list)
    fit_for_procedure = models.BooleanField()
    thrombus_segments = models.JSONField(default=list)
    pe_suspected = models.BooleanField(default=False)
    symptom_window_override = models.TextField(null=True, blank=True)  # noqa: DJ001 - contract's null
    thrombophilia = models.TextField(blank=True)
    comorbidities = models.TextField(blank=True)


class MdtDecision(Recorded):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="mdt_decisions")
    date = models.DateField()
    attendees = models.JSONField(default=list)
    decision = models.CharField(max_length=24, choices=MdtOutcome.choices)
    rationale = models.TextField(blank=True)
    anaesthetic_risk = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date", "id"]


class ImagingStudy(Recorded):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="imaging_studies")
    modality = models.CharField(max_length=20, choices=Modality.choices)
    date = models.DateField()
    ivc_anomaly = models.BooleanField(null=True, blank=True)
    ivc_filter = models.BooleanField(null=True, blank=True)
    right_heart_strain = models.BooleanField(null=True, blank=True)
    thrombus_segments = models.JSONField(default=list, blank=True)
    findings = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "imaging studies"


class PreProcedureAnticoagulation(Recorded):
    episode = models.OneToOneField(
        Episode, on_delete=models.CASCADE, related_name="anticoagulation"
    )
    agent = models.CharField(max_length=16, choices=PreOpAgent.choices)
    started_at = models.DateTimeField()


class ProcedureNote(Recorded):
    """The note of one procedure; a re-intervention gets a new note and keeps the earlier."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="procedure_notes")
    reintervention = models.OneToOneField(
        Transition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField()
    access = models.JSONField(default=list)
    technique = models.CharField(max_length=24, choices=Technique.choices)
    device = models.CharField(max_length=100, blank=True)
    thrombolytic_agent = models.CharField(  # noqa: DJ001 - null: no agent
        max_length=16, choices=Thrombolytic.choices, null=True, blank=True
    )
    thrombolytic_dose = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    thrombolytic_dose_unit = models.CharField(max_length=4, null=True, blank=True)  # noqa: DJ001
    angioplasty = models.BooleanField(default=False)
    ivus = models.BooleanField(default=False)
    completion_patent = models.BooleanField(null=True)
    residual_stenosis_pct = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    dissection = models.BooleanField(default=False)
    complications = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(reintervention__isnull=True),
                name="one_index_procedure_note_per_episode",
            )
        ]


class Stent(models.Model):
    note = models.ForeignKey(ProcedureNote, on_delete=models.CASCADE, related_name="stents")
    product = models.CharField(max_length=100)
    diameter_mm = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(6), MaxValueValidator(36)]
    )
    length_mm = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(10), MaxValueValidator(250)]
    )
    segment = models.CharField(max_length=24)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product} {self.diameter_mm}x{self.length_mm} mm"


class DischargePlan(Recorded):
    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="discharge_plan")
    anticoagulant = models.CharField(max_length=8, choices=Anticoagulant.choices)
    target_inr_low = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    target_inr_high = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    planned_duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    compression_stockings = models.BooleanField()
    compression_reason = models.TextField(blank=True)
