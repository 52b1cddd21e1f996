"""Patients with their episodes: the patient search page's read (the patients app knows no
episode)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pathway.models import Episode
from patients.models import Patient
from patients.selectors import patient_search


def patient_search_with_episodes(*, actor, text: str) -> QuerySet[Patient]:
    """patient_search, each patient with their episodes (newest first) to link to."""
    return patient_search(actor=actor, text=text).prefetch_related(
        Prefetch("episodes", queryset=Episode.objects.order_by("-id"))
    )
