"""What every clinical rule shares: the Unmet answer, reading records, and the FSM wrapper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

if TYPE_CHECKING:
    from pathway.models import Episode, ImagingStudy, MdtDecision, SelectionAssessment

T = TypeVar("T")


@dataclass(frozen=True)
class Unmet:
    rule: str
    message: str


Rule = Callable[["Episode"], "Unmet | None"]


def record_of(read: Callable[[], T]) -> T | None:
    """The one-to-one record `read()` returns (`lambda: episode.selection`), or None when none
    is recorded."""
    try:
        return read()
    except ObjectDoesNotExist:
        return None


def unmet(rule: Callable[..., object], message: str) -> Unmet:
    return Unmet(rule.__name__, message)


def selection_of(episode: Episode) -> SelectionAssessment | None:
    return record_of(lambda: episode.selection)


# The latest MDT decision: the latest by its date, then the one recorded last. The guards, an
# exclusion's default reason and the stalled-episode sweep (a subquery) all read it so.
LATEST_MDT_FIRST = ("-date", "-id")


def latest_mdt(episode: Episode) -> MdtDecision | None:
    """The episode's latest MDT decision, or None."""
    return remembered(
        episode, "latest_mdt", lambda: episode.mdt_decisions.order_by(*LATEST_MDT_FIRST).first()
    )


def studies(episode: Episode, *modalities: str) -> QuerySet[ImagingStudy]:
    return episode.imaging_studies.filter(modality__in=modalities)


def since_onset(episode: Episode, found: QuerySet[ImagingStudy]) -> QuerySet[ImagingStudy]:
    """The studies of `found` done on or after the symptom onset (imaging_current): a scan from
    before the clot began cannot show it."""
    sel = selection_of(episode)
    return found if sel is None else found.filter(date__gte=sel.symptom_onset)


def move_day(episode: Episode) -> dt.date:
    """The day the move being judged takes effect: the effective date given with it (set by the
    move service, like `pending_reason`), else today."""
    given: dt.date | None = getattr(episode, "pending_effective_on", None)
    return given or timezone.localdate()


NO_SELECTION = "No selection assessment has been recorded."


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- asking each rule once per move ----------------------------------------------------------
# The move service asks a move's rules to explain a refusal, then django-fsm asks them again as
# the transition's conditions: within answered_once() both get the same answers, read once.
def remembered(episode: Episode, key: object, read: Callable[[], T]) -> T:
    """`read()`, once per key within answered_once(episode); every time outside it."""
    memo: dict[object, object] | None = getattr(episode, "_answers", None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return cast(T, memo[key])  # stored by this function under this key, from `read`


def answer(rule: Rule, episode: Episode) -> Unmet | None:
    return remembered(episode, rule, lambda: rule(episode))


@contextmanager
def answered_once(episode: Episode) -> Iterator[None]:
    """Within it, each rule (and each record the rules share) is read once for the episode:
    for one move under the episode's lock, where nothing else can change what they read."""
    carrier = cast(Any, episode)  # the memo is transient, not a field of the model
    carrier._answers = {}
    try:
        yield
    finally:
        del carrier._answers


def date_problem(value: dt.date | None) -> str | None:
    if value is not None and value > timezone.localdate():
        return "This date is in the future."
    return None
