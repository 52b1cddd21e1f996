"""What every clinical rule shares: the Unmet answer, reading records, and the FSM wrapper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import contextmanager
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


# The latest MDT decision: the latest by its date, then the one recorded last. The guards, an
# exclusion's default reason and the stalled-episode sweep (a subquery) all read it so.
LATEST_MDT_FIRST = ("-date", "-id")


def latest_mdt(episode):
    """The episode's latest MDT decision, or None."""
    return remembered(
        episode, "latest_mdt", lambda: episode.mdt_decisions.order_by(*LATEST_MDT_FIRST).first()
    )


def studies(episode, *modalities):
    return episode.imaging_studies.filter(modality__in=modalities)


def since_onset(episode, found):
    """The studies of `found` done on or after the symptom onset (imaging_current): a scan from
    before the clot began cannot show it."""
    sel = selection_of(episode)
    return found if sel is None else found.filter(date__gte=sel.symptom_onset)


def move_day(episode) -> dt.date:
    """The day the move being judged takes effect: the effective date given with it (set by the
    move service, like `pending_reason`), else today."""
    return getattr(episode, "pending_effective_on", None) or timezone.localdate()


NO_SELECTION = "No selection assessment has been recorded."


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- asking each rule once per move ----------------------------------------------------------
# The move service asks a move's rules to explain a refusal, then django-fsm asks them again as
# the transition's conditions: within answered_once() both get the same answers, read once.
def remembered(episode, key, read: Callable[[], object]):
    """`read()`, once per key within answered_once(episode); every time outside it."""
    memo = getattr(episode, "_answers", None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def answer(rule: Rule, episode) -> Unmet | None:
    return remembered(episode, rule, lambda: rule(episode))


@contextmanager
def answered_once(episode):
    """Within it, each rule (and each record the rules share) is read once for the episode:
    for one move under the episode's lock, where nothing else can change what they read."""
    episode._answers = {}
    try:
        yield
    finally:
        del episode._answers


def guard(rule: Rule) -> Callable[..., bool]:
    """Wrap a rule as an FSM condition; the wrapper keeps the rule so it can be explained."""

    def condition(episode) -> bool:
        return answer(rule, episode) is None

    condition.__name__ = rule.__name__
    condition.rule = rule
    return condition


def date_problem(value: dt.date | None) -> str | None:
    if value is not None and value > timezone.localdate():
        return "This date is in the future."
    return None
