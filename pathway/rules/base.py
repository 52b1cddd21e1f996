"""What every clinical rule shares: the Unmet answer, reading records, and the FSM wrapper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone


@dataclass(frozen=True)
class Unmet:
    rule: str
    message: str


Rule = Callable[..., "Unmet | None"]


def record_of(episode, name):
    try:
        return getattr(episode, name)
    except ObjectDoesNotExist:
        return None


def unmet(rule: Rule, message: str) -> Unmet:
    return Unmet(rule.__name__, message)


def selection_of(episode):
    return record_of(episode, "selection")


def latest_mdt(episode):
    return episode.mdt_decisions.order_by("-date", "-id").first()


def studies(episode, *modalities):
    return episode.imaging_studies.filter(modality__in=modalities)


NO_SELECTION = "No selection assessment has been recorded."


def guard(rule: Rule) -> Callable[..., bool]:
    """Wrap a rule as an FSM condition; the wrapper keeps the rule so it can be explained."""

    def condition(episode) -> bool:
        return rule(episode) is None

    condition.__name__ = rule.__name__
    condition.rule = rule
    return condition


def date_problem(value: dt.date | None) -> str | None:
    if value is not None and value > timezone.localdate():
        return "This date is in the future."
    return None
