"""Each operated episode's outcome facts, reduced once per change instead of once per request.

A row is derived, never entered: outcomes.services writes it from the recorded facts (the
procedure notes, duplex results, re-interventions, INR readings, the discharge plan) in the
transaction that changes any of them, with the same pure functions of outcomes.maths that the
figures use, and `manage.py outcomes_rebuild` writes every row again from scratch. The admin's
outcome figures then aggregate one narrow row per episode in SQL.
"""

from django.db import models
from django.db.models import Q

from pathway.codes import UnderlyingLesion
from pathway.models import Episode


class EpisodeOutcome(models.Model):
    episode = models.OneToOneField(
        Episode, primary_key=True, on_delete=models.CASCADE, related_name="outcome"
    )
    time_zero = models.DateField(help_text="The index procedure's date.")
    lesion = models.CharField(  # noqa: DJ001 - null: not recorded, as on the note
        max_length=20, choices=UnderlyingLesion.choices, null=True, blank=True
    )
    # Patency, per form: days from time zero to the event or the censoring, and whether the
    # event happened (outcomes.maths.patency).
    primary_days = models.IntegerField()
    primary_event = models.BooleanField()
    assisted_primary_days = models.IntegerField()
    assisted_primary_event = models.BooleanField()
    secondary_days = models.IntegerField()
    secondary_event = models.BooleanField()
    pts = models.CharField(  # noqa: DJ001 - null: no assessment 3 months or more after
        max_length=10,
        null=True,
        blank=True,
        help_text="Villalta category at the latest assessment 3 months or more after time zero.",
    )
    vka = models.BooleanField(default=False, help_text="Discharged on a VKA.")
    ttr = models.FloatField(null=True, blank=True, help_text="Rosendaal TTR, a percentage.")
    # When the row was last written: the cached figures are those of the newest (with the
    # newest rows of the fact tables, outcomes.selectors.kept.facts_version).
    reduced_at = models.DateTimeField(editable=False)

    class Meta:
        # The table was tasks_episodeoutcome until the model moved here (tasks 0014 renames it).
        indexes = [
            models.Index(fields=["time_zero"], name="outcome_time_zero"),
            models.Index(fields=["reduced_at"], name="outcome_reduced_at"),
            # The median TTR reads the middle one or two (outcomes.selectors.groups), a
            # filtered cohort's from the index alone.
            models.Index(
                fields=["ttr"],
                include=["time_zero", "lesion"],
                name="outcome_vka_ttr_cohort",
                condition=Q(vka=True, ttr__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome of episode {self.episode_id}"


# --- the figures' counts, kept (outcomes.services.counts) -----------------------------------
# What each episode adds to the figures, as rows (its share), and their sums by the cohort's
# bucket: the month of time zero and the lesion (both null for an episode without an index
# procedure, which counts in the stays of the unfiltered figures only). Derived like the
# outcome rows: written in the transaction of the fact that changes them, rebuilt by
# `manage.py outcomes_rebuild`.
class EpisodeShare(models.Model):
    """One count an episode adds to the figures: `part` (a patency form, pts, ttr_band,
    ttr_good, early, late, stay, open), `label` (event or censored, a category, a kind, a
    state), `days` (patency days, a TTR band's start, a closed stay's days), `since` (an open
    stay's start), `n` (how many)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    time_zero = models.DateField(null=True)
    lesion = models.CharField(max_length=20, null=True)  # noqa: DJ001 - as on the outcome row
    part = models.CharField(max_length=20)
    label = models.CharField(max_length=32)
    days = models.IntegerField(null=True)
    since = models.DateField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [
            # The filters' partial months are summed from the shares of their days: each part's
            # in a range of days, read from the index alone.
            models.Index(
                fields=["part", "time_zero"],
                include=["lesion", "label", "days", "since", "n"],
                name="share_part_time_zero",
                condition=Q(time_zero__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.label} of episode {self.episode_id}"


class EpisodeOutcomeCount(models.Model):
    """The outcome rows counted by bucket (month of time zero, lesion): patency (part = form,
    label = event | censored, days), PTS (label = category), TTR bands (days = the band's start)
    and TTRs >= 65% (ttr_good), episodes with a complication of a kind (part = early | late,
    label = kind)."""

    month = models.DateField(null=True)
    lesion = models.CharField(max_length=20, null=True)  # noqa: DJ001 - as on the outcome row
    part = models.CharField(max_length=20)
    label = models.CharField(max_length=32)
    days = models.IntegerField(null=True)
    n = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "lesion", "part", "label", "days"],
                name="outcome_count_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.label} in {self.month}, {self.lesion}: {self.n}"


class StayCount(models.Model):
    """The standing moves' closed stays (stay_days) and the open episodes' stays (entered_on)
    counted by state and bucket (month of time zero and lesion, null without an index
    procedure)."""

    month = models.DateField(null=True)
    lesion = models.CharField(max_length=20, null=True)  # noqa: DJ001 - as on the outcome row
    state = models.CharField(max_length=32)
    stay_days = models.IntegerField(null=True)
    entered_on = models.DateField(null=True)
    n = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "lesion", "state", "stay_days", "entered_on"],
                name="stay_count_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"Stays in {self.state} in {self.month}, {self.lesion}: {self.n}"
