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

from core.revisions import revisions
from pathway.models import Episode, PostopCheck, Transition
from tasks import windows
from tasks.urgency import Grade, Urgent

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
    urgent_escalation_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Hours an urgent result may stay unacknowledged before every coordinator and "
        "admin is alerted.",
    )
    # Stalled episodes (pathway.md section 6): how long an episode may wait before its
    # coordinator is told, once per stall.
    stalled_mdt_defer_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days in MDT discussion after a 'defer' decision."
    )
    stalled_imaging_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days in the imaging work-up."
    )
    stalled_procedure_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days booked for the procedure (after a re-intervention too)."
    )
    thrombophilia_pending_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days after discharge a thrombophilia result may stay pending."
    )

    bulk_export_expiry_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text="Hours a FHIR bulk export's files stay downloadable before they are deleted.",
    )

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
        # pathway.md section 7: INR checks count from the day the VKA course starts, and a
        # finite course's review is due before its planned end.
        VKA_START = "vka_start", "VKA course start"
        COURSE_END = "course_end", "planned end of the course"

    kind = models.CharField(max_length=24, choices=Kind.choices, unique=True)
    anchor = models.CharField(max_length=12, choices=Anchor.choices)
    first_offsets = models.JSONField(help_text='e.g. ["2w", "6w", "3m", "6m", "12m"]')
    then_every = models.CharField(max_length=8, validators=[INTERVAL], help_text="e.g. 12m")
    window_days = models.PositiveSmallIntegerField(validators=[MaxValueValidator(60)])
    # Days after the window closes before the coordinator is alerted (pathway.md section 6: a
    # missed INR sooner); blank: the unit's escalation_days.
    escalation_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(90)],
        help_text="Days after the window closes before the coordinator is alerted; blank: "
        "the unit's setting.",
    )
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
    revision_name = "follow_up"  # as GET /api/episodes/<id>/revisions/ names it
    urgent: "Urgent | None"  # transient: what its result raised, set by the result services
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # Where in the schedule it stands: `offset` after its anchor date (the procedure, or the
    # discharge). When the anchor is corrected the due date is computed again from these.
    anchor = models.CharField(
        max_length=12, choices=ScheduleRule.Anchor.choices, default=ScheduleRule.Anchor.PROCEDURE
    )
    # The anticoagulation course it is anchored on (VKA_START, COURSE_END), else null.
    course = models.ForeignKey(
        "pathway.AnticoagulationCourse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    offset_months = models.PositiveSmallIntegerField(default=0)
    offset_days = models.PositiveSmallIntegerField(default=0)
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
    cancel_reason = models.TextField(blank=True, help_text="Why, when no move cancelled it.")
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
    # The result's revisions (with its segment results as parts); the schedule's bookkeeping is
    # derived from moves and records, and not revised here.
    history = revisions(
        parts=True,
        excluded_fields=["alert_stage", "next_alert_on", "window_opens_on", "window_closes_on"],
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(  # the sweep reads it in order and stops at its batch size
                fields=["next_alert_on", "id"],
                name="followup_sweep_idx",
                condition=Q(next_alert_on__isnull=False),
            ),
            models.Index(fields=["episode", "due_on"], name="followup_episode_idx"),
            models.Index(  # the dashboard counts open follow-ups by status from it alone
                fields=["window_opens_on", "window_closes_on", "due_on"],
                name="followup_open_idx",
                condition=Q(completed_at__isnull=True, cancelled_at__isnull=True),
            ),
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

    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.PROTECT, related_name="segments"
    )
    visit = models.ForeignKey(
        "Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="segments"
    )
    segment = models.CharField(max_length=24)
    result = models.CharField(max_length=10, choices=Result.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "segment"], name="one_result_per_segment"),
            models.UniqueConstraint(fields=["visit", "segment"], name="one_segment_per_visit"),
            models.CheckConstraint(
                condition=Q(follow_up__isnull=True) ^ Q(visit__isnull=True),
                name="segment_result_of_followup_or_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment}: {self.result}"


class Visit(models.Model):
    """An unscheduled visit: a patient back with symptoms has a duplex or an INR outside the
    schedule. Same result fields as a follow-up; it counts for outcomes, raises the same urgent
    alerts and completes no scheduled follow-up."""

    revision_name = "visit"  # as GET /api/episodes/<id>/revisions/ names it
    urgent: "Urgent | None"  # transient: what its result raised, set by the result services

    class Kind(models.TextChoices):
        DUPLEX = "duplex", "Duplex ultrasound"
        INR_CHECK = "inr_check", "INR check"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    performed_on = models.DateField()
    result = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Why it was entered after the episode moved on (a result entered late, pathway.md
    # section 6); blank for a visit recorded in surveillance.
    late_reason = models.TextField(blank=True, db_default="")

    history = revisions(parts=True)

    class Meta:
        ordering = ["performed_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} visit on {self.performed_on}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        DUE = "due"
        OVERDUE = "overdue"
        ESCALATION = "escalation"
        URGENT_RESULT = "urgent_result"
        STALLED = "stalled"
        COURSE_ENDING = "course_ending"

    Grade = Grade  # tasks/urgency.py: the finding's grade, named there with the finding

    class Stall(models.TextChoices):
        MDT_DEFER = "mdt_defer", "deferred at MDT"
        IMAGING = "imaging", "in the imaging work-up"
        PROCEDURE = "procedure", "booked for the procedure"
        THROMBOPHILIA = "thrombophilia", "thrombophilia result pending"

    ROUTINE = (Kind.DUE, Kind.OVERDUE)

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="alerts")
    # What raised it: a follow-up (due, overdue, escalation, its urgent result), or an
    # unscheduled visit's or a post-op check's urgent finding.
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    postop_check = models.ForeignKey(
        PostopCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # An urgent result's grade and what was found (pathway.md section 6): {"text": in words,
    # and its numbers: "inr", "target_low", "target_high", or "segments": [{segment, result}]}.
    grade = models.CharField(max_length=12, choices=Grade.choices, blank=True, db_default="")
    finding = models.JSONField(null=True, blank=True)
    # A stalled episode: which wait, and the move that began it (one alert per stall).
    stall = models.CharField(max_length=16, choices=Stall.choices, blank=True, db_default="")
    stall_move = models.ForeignKey(
        Transition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A finite anticoagulation course that reached its planned end with no decision recorded.
    course = models.ForeignKey(
        "pathway.AnticoagulationCourse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Nobody active held the role (or the assignment) it was meant for: it went to the admins.
    unrouted = models.BooleanField(default=False)
    # An escalation of an urgent result nobody acknowledged points at that result's alert.
    escalates = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    # On one alert of each urgent finding: when to escalate it if nobody has acknowledged it.
    escalate_after = models.DateTimeField(null=True, blank=True)
    # Moot once its follow-up is completed or cancelled: it leaves every inbox, saying why.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_reason = models.TextField(blank=True, db_default="")
    resolved_by = models.ForeignKey(
        Transition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "kind", "recipient"],
                condition=Q(escalates__isnull=True),
                name="one_alert_per_followup_kind",
            ),
            models.UniqueConstraint(
                fields=["visit", "kind", "recipient"],
                condition=Q(escalates__isnull=True),
                name="one_alert_per_visit_kind",
            ),
            models.UniqueConstraint(
                fields=["postop_check", "kind", "recipient"],
                condition=Q(escalates__isnull=True),
                name="one_alert_per_check_kind",
            ),
            models.UniqueConstraint(
                fields=["escalates", "recipient"], name="one_escalation_per_recipient"
            ),
            models.UniqueConstraint(
                fields=["stall_move", "stall", "recipient"],
                condition=Q(kind="stalled"),
                name="one_alert_per_stall",
            ),
            models.UniqueConstraint(
                fields=["course", "recipient"],
                condition=Q(kind="course_ending"),
                name="one_course_end_alert_per_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "acknowledged_at"], name="alert_inbox_idx"),
            models.Index(  # the dashboard counts the open alerts from it alone
                fields=["kind", "unrouted"],
                name="alert_open_idx",
                condition=Q(acknowledged_at__isnull=True, resolved_at__isnull=True),
            ),
            models.Index(
                fields=["escalate_after", "id"],
                name="alert_escalate_idx",
                condition=Q(escalate_after__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.pk}"


class Delivery(models.Model):
    """One email owed for an alert. Claimed (claimed_until), sent outside any transaction, then
    marked sent: a crash between the send and the mark sends it again (at least once)."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="delivery")
    channel = models.CharField(max_length=8, default="email")
    digest = models.BooleanField(help_text="Routine alerts go out in the daily digest.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
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


from tasks.models.nurses import AlertAcknowledgement, CalendarFeed  # noqa: E402, F401
