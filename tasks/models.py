"""Clinical work owed to a patient after discharge: follow-ups, alerts and their delivery.

Long delays live here as rows with dates, found by the sweep (tasks/services.py); follow-up
status (scheduled, due, overdue) is derived from the dates whenever it is read.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pathway.models import Episode, Transition
from tasks import windows

INTERVAL = RegexValidator(r"^[1-9][0-9]*[dwm]$", "Write an interval as 14d, 6w or 3m.")


class Kind(models.TextChoices):
    DUPLEX = "duplex", "Duplex ultrasound"
    ANTICOAGULATION_REVIEW = "anticoagulation_review", "Anticoagulation review"
    INR_CHECK = "inr_check", "INR check"


class Status(models.TextChoices):
    SCHEDULED = "scheduled"
    DUE = "due"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class UnitSettings(models.Model):
    """The unit's settings (one row), changeable in the admin without code."""

    horizon_months = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(12), MaxValueValidator(240)],
        help_text="How far ahead a discharge schedules repeating follow-ups.",
    )
    escalation_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days after a window closes before the coordinator is alerted."
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8,
        validators=[MaxValueValidator(23)],
        help_text="Local hour at which nurses get the daily digest of due and overdue alerts.",
    )
    default_inr_low = models.DecimalField(max_digits=3, decimal_places=1, default="2.0")
    default_inr_high = models.DecimalField(max_digits=3, decimal_places=1, default="3.0")

    class Meta:
        verbose_name_plural = "unit settings"

    def __str__(self) -> str:
        return "Unit settings"

    @classmethod
    def current(cls) -> "UnitSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ScheduleRule(models.Model):
    """One kind of follow-up: first offsets, then a repeat, from an anchor date (pathway.md §4)."""

    class Anchor(models.TextChoices):
        PROCEDURE = "procedure", "procedure date"
        DISCHARGE = "discharge", "discharge date"

    kind = models.CharField(max_length=24, choices=Kind.choices, unique=True)
    anchor = models.CharField(max_length=12, choices=Anchor.choices)
    first_offsets = models.JSONField(help_text='e.g. ["2w", "6w", "3m", "6m", "12m"]')
    then_every = models.CharField(max_length=8, validators=[INTERVAL], help_text="e.g. 12m")
    window_days = models.PositiveSmallIntegerField(validators=[MaxValueValidator(60)])
    vka_only = models.BooleanField(default=False, help_text="Only for patients on a VKA.")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.kind


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(completed_at__isnull=True, cancelled_at__isnull=True)

    def owed(self, *, today: dt.date):
        """Open follow-ups whose window has opened: due or overdue now."""
        return self.open().filter(window_opens_on__lte=today)


class FollowUp(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    due_on = models.DateField()
    # The window, due_on -/+ the rule's window days, kept as dates so the database can index
    # and compare them; window_days is derived from them.
    window_opens_on = models.DateField()
    window_closes_on = models.DateField()
    created_by = models.ForeignKey(Transition, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        Transition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performed_on = models.DateField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    # Sweep bookkeeping, like healthchecks' alert_after: the next alert stage owed and when.
    alert_stage = models.PositiveSmallIntegerField(default=0)
    next_alert_on = models.DateField(null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(  # the sweep reads it in order and stops at its batch size
                fields=["next_alert_on", "id"],
                name="followup_sweep_idx",
                condition=Q(next_alert_on__isnull=False),
            ),
            models.Index(fields=["episode", "due_on"], name="followup_episode_idx"),
        ]
        permissions = [("record_result", "Can record follow-up results")]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due_on}"

    @property
    def window_days(self) -> int:
        return (self.due_on - self.window_opens_on).days

    def status_on(self, today: dt.date) -> str:
        return windows.status_on(
            today,
            self.window_opens_on,
            self.window_closes_on,
            completed=bool(self.completed_at),
            cancelled=bool(self.cancelled_at),
        )

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())


class DuplexSegmentResult(models.Model):
    """The duplex result for one stented segment: the facts stent patency is computed from."""

    class Result(models.TextChoices):
        PATENT = "patent"
        STENOSIS = "stenosis"
        OCCLUDED = "occluded"

    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="segments")
    segment = models.CharField(max_length=24)
    result = models.CharField(max_length=10, choices=Result.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "segment"], name="one_result_per_segment")
        ]

    def __str__(self) -> str:
        return f"{self.segment}: {self.result}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        DUE = "due"
        OVERDUE = "overdue"
        ESCALATION = "escalation"
        URGENT_RESULT = "urgent_result"

    ROUTINE = (Kind.DUE, Kind.OVERDUE)

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="alerts")
    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "kind", "recipient"], name="one_alert_per_followup_kind"
            )
        ]
        indexes = [models.Index(fields=["recipient", "acknowledged_at"], name="alert_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.pk}"


class Delivery(models.Model):
    """One email owed for an alert. Sent once: sent_at is checked and set under a row lock."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="delivery")
    channel = models.CharField(max_length=8, default="email")
    digest = models.BooleanField(help_text="Routine alerts go out in the daily digest.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["digest", "created_at"],
                name="delivery_pending_idx",
                condition=Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"delivery of alert {self.alert_id}"
