"""The procedure notes, with their stents, and the discharge plan. Each keeps its revisions."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.revisions import revisions
from pathway.codes import (
    Anticoagulant,
    Inflow,
    Segment,
    Technique,
    Thrombolytic,
    UnderlyingLesion,
)
from pathway.models.records import Recorded


class ProcedureNote(Recorded):
    """The note of one procedure; a re-intervention gets a new note and keeps the earlier."""

    revision_name = "procedure_note"  # as GET /api/episodes/<id>/revisions/ names it

    episode = models.ForeignKey(
        "pathway.Episode", on_delete=models.CASCADE, related_name="procedure_notes"
    )
    reintervention = models.OneToOneField(
        "pathway.Transition", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    inflow = models.CharField(max_length=8, choices=Inflow.choices, null=True, blank=True)  # noqa: DJ001
    underlying_lesion = models.CharField(  # noqa: DJ001 - null: not stated
        max_length=16, choices=UnderlyingLesion.choices, null=True, blank=True
    )

    history = revisions(parts=True)  # parts: the stents as written with the note

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(reintervention__isnull=True),
                name="one_index_procedure_note_per_episode",
            )
        ]


class StandingStents(models.Manager):
    """The stents as the note says now: a note written again supersedes its stents rather than
    deleting them (clinical rows are corrected, never deleted; the app's role may not DELETE
    them, core/db_roles.py)."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_at__isnull=True)


class Stent(models.Model):
    """One stent as placed: the segments it spans (its `spans`, in order; `segment` is the
    first, kept for the clients that know one segment) and its lot number or UDI, so that a
    recall finds every patient who carries it. A stent superseded by the note's correction
    stays, with `superseded_at`; `objects` (and `note.stents`) read the standing ones only."""

    note = models.ForeignKey(ProcedureNote, on_delete=models.CASCADE, related_name="stents")
    product = models.CharField(max_length=100)
    diameter_mm = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(6), MaxValueValidator(36)]
    )
    length_mm = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(10), MaxValueValidator(250)]
    )
    segment = models.CharField(max_length=24, choices=Segment.choices)  # the first it spans
    lot = models.CharField(max_length=100, blank=True, db_index=True)
    udi = models.CharField(max_length=100, blank=True, db_index=True)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = StandingStents()  # Stent._base_manager reads the superseded ones too

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product} {self.diameter_mm}x{self.length_mm} mm"

    @property
    def segments(self) -> list[str]:
        """The segments it spans, in the order written (prefetch `spans` to read many)."""
        return [span.segment for span in self.spans.all()]


class StandingSpans(models.Manager):
    """The segments the standing stents span (a superseded stent keeps its spans)."""

    def get_queryset(self):
        return super().get_queryset().filter(stent__superseded_at__isnull=True)


class StentSegment(models.Model):
    """A segment a stent spans: the rows "stented segments" are read from (a stent across
    the common and external iliac veins stents both). `objects` reads the standing stents'
    spans; StentSegment._base_manager every one."""

    stent = models.ForeignKey(Stent, on_delete=models.CASCADE, related_name="spans")
    segment = models.CharField(max_length=24, choices=Segment.choices)
    position = models.PositiveSmallIntegerField()

    objects = StandingSpans()

    class Meta:
        ordering = ["stent_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stent", "segment"], name="one_span_per_segment"),
        ]

    def __str__(self) -> str:
        return self.segment

    @classmethod
    def of_episode(cls, episode) -> models.QuerySet:
        """The episode's stented segments, a span a row: every segment spanned by a stent of
        any of its procedure notes (the index procedure and each re-intervention). `episode`:
        its id, an OuterRef to one (a subquery), or a list of ids. Read them through
        pathway.selectors.stented_segments; here for the subqueries that cannot."""
        if isinstance(episode, list | tuple | set | frozenset):
            return cls.objects.filter(stent__note__episode_id__in=episode)
        return cls.objects.filter(stent__note__episode_id=episode)


class DischargePlan(Recorded):
    revision_name = "discharge_plan"  # as GET /api/episodes/<id>/revisions/ names it
    episode = models.OneToOneField(
        "pathway.Episode", on_delete=models.CASCADE, related_name="discharge_plan"
    )
    anticoagulant = models.CharField(max_length=8, choices=Anticoagulant.choices)
    target_inr_low = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    target_inr_high = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    planned_duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    compression_stockings = models.BooleanField()
    compression_reason = models.TextField(blank=True)

    history = revisions()
