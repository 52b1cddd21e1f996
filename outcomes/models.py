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
            # The median TTR reads the middle one or two (outcomes.selectors.groups).
            models.Index(
                fields=["ttr"], name="outcome_vka_ttr", condition=Q(vka=True, ttr__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome of episode {self.episode_id}"
