"""The anticoagulation journey (pathway.md section 7): courses of anticoagulants, and the dated
renal function and weight that some of them depend on. Each keeps its revisions."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.dates import add_months
from core.revisions import revisions
from pathway.codes import COURSE_CLASS, CourseAgent, CourseDecision, CourseOrigin
from pathway.models.episode import Episode
from pathway.models.records import Recorded


class AnticoagulationCourse(Recorded):
    """One anticoagulant given: agent, dose, from when to when, and why it changed. Courses
    may overlap (bridging); the one running at discharge is the long-term plan."""

    revision_name = "anticoagulation_course"  # as GET /api/episodes/<id>/revisions/ names it

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="courses")
    agent = models.CharField(max_length=16, choices=CourseAgent.choices)
    dose = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    dose_unit = models.CharField(max_length=16, blank=True)
    frequency = models.CharField(max_length=40, blank=True)
    started_on = models.DateField()
    stopped_on = models.DateField(null=True, blank=True)
    target_inr_low = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    target_inr_high = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    # Null: lifelong (or not decided).
    planned_duration_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    # Why it started, changed or stopped: the latest reason (the revisions keep each one).
    reason = models.TextField(blank=True)
    # What was decided about a finite course near its planned end; blank while undecided.
    end_decision = models.CharField(
        max_length=8, choices=CourseDecision.choices, blank=True, default=""
    )

    # Written by an older endpoint (which it then follows) or entered as a course.
    origin = models.CharField(
        max_length=16, choices=CourseOrigin.choices, default=CourseOrigin.ENTERED, editable=False
    )

    history = revisions()

    class Meta:
        ordering = ["started_on", "id"]

    @property
    def agent_class(self) -> str:
        return COURSE_CLASS[self.agent]

    @property
    def planned_end(self):
        """The day a finite course is planned to end; None for a lifelong one."""
        if self.planned_duration_months is None:
            return None
        return add_months(self.started_on, self.planned_duration_months)

    def running_on(self, day) -> bool:
        return self.started_on <= day and (self.stopped_on is None or self.stopped_on >= day)


class Measurement(Recorded):
    """Renal function and weight on a date: creatinine or the creatinine clearance (given, or
    computed by Cockcroft–Gault from the creatinine), and the weight."""

    revision_name = "measurement"  # as GET /api/episodes/<id>/revisions/ names it

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(400)],
    )
    creatinine_umol_l = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(3000)],
    )
    creatinine_clearance_ml_min = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
    )

    history = revisions()

    class Meta:
        ordering = ["measured_on", "id"]
