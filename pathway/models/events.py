"""What happens to the patient around and after the procedure: complications, post-op checks."""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator
from django.db import models

from core.revisions import revisions
from pathway.codes import (
    EARLY_DAYS,
    BleedingClass,
    ComplicationKind,
    LimbPerfusion,
    Severity,
)
from pathway.models.episode import Episode
from pathway.models.records import Recorded

if TYPE_CHECKING:
    from pathway.models.procedure import ProcedureNote


class Complication(Recorded):
    """A coded complication with its SIR severity. Whether it is early is derived from the
    procedure it follows, never entered."""

    revision_name = "complication"  # as GET /api/episodes/<id>/revisions/ names it
    early: bool  # derived (early_after), set where the records are read

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="complications")
    kind = models.CharField(max_length=32, choices=ComplicationKind.choices)
    occurred_on = models.DateField()
    severity = models.CharField(max_length=16, choices=Severity.choices)
    bleeding_class = models.CharField(  # noqa: DJ001 - null: not a bleed
        max_length=8, choices=BleedingClass.choices, null=True, blank=True
    )
    notes = models.TextField(blank=True)

    history = revisions()

    class Meta:
        ordering = ["occurred_on", "id"]

    def follows(self, notes: "Iterable[ProcedureNote]") -> "ProcedureNote | None":
        """The procedure this follows: the latest of `notes` dated on or before it."""
        before = [n for n in notes if n.date <= self.occurred_on]
        return max(before, key=lambda n: (n.date, n.id)) if before else None

    def early_after(self, notes: "Iterable[ProcedureNote]") -> bool:
        note = self.follows(notes)
        return note is not None and self.occurred_on - note.date <= dt.timedelta(EARLY_DAYS)


class PostopCheck(Recorded):
    """A vital-sign and limb check in post-op; rules.postop_check_alarming reads it."""

    revision_name = "postop_check"  # as GET /api/episodes/<id>/revisions/ names it
    urgent: Any  # transient: what an alarming check raised, set by the tasks app

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="postop_checks")
    at = models.DateTimeField()
    limb_perfusion = models.CharField(max_length=8, choices=LimbPerfusion.choices)
    compartment_signs = models.BooleanField()
    access_bleeding = models.BooleanField()
    pain_score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    mobilised = models.BooleanField()

    history = revisions()

    class Meta:
        ordering = ["at", "id"]
