"""The anticoagulation journey read in one place (pathway.md section 7): the courses, the INR
readings, the INR checks and reviews still open, bridging, and the handover to the
anticoagulation clinic or GP built from them. Each read costs a fixed number of queries whatever
the number of courses, readings and follow-ups. Follow-ups and visits are rows of the tasks app,
whose facts its readers hand over (pathway/hooks.py), so this module reads none of its tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects
from django.utils import timezone

from core.errors import NotFound
from pathway import hooks, labels, rules, ttr
from pathway.codes import CourseClass
from pathway.models import AnticoagulationCourse, Episode
from pathway.rules import Unmet
from pathway.selectors.episodes import episode_list
from pathway.selectors.prefetched import RELATED, prefetched

# pathway.md section 7, bridging: the parenteral course runs at least this many days alongside
# the VKA, and until this many INR readings at least 24 hours apart are in range.
BRIDGING_OVERLAP_DAYS = 5
BRIDGING_INRS_IN_RANGE = 2
INR_CHECK, REVIEW = "inr_check", "anticoagulation_review"


@dataclass(frozen=True)
class InrReading:
    """One INR: a completed INR check or an INR visit, with the target range it was taken
    against (None when not on a VKA: then it is judged against nothing)."""

    performed_on: dt.date
    inr: str | None
    target: tuple[str, str] | None
    source: str  # "follow_up" or "visit"
    source_id: int

    @property
    def target_low(self) -> str | None:
        return self.target[0] if self.target else None

    @property
    def target_high(self) -> str | None:
        return self.target[1] if self.target else None

    @property
    def in_range(self) -> bool | None:
        if self.target is None or self.inr is None:
            return None
        try:
            low, high, value = (Decimal(v) for v in (*self.target, self.inr))
        except InvalidOperation:
            return None
        return low <= value <= high


def _reading(found: hooks.InrResult) -> InrReading:
    result = found.result or {}
    target = result.get("target")
    inr = result.get("inr")
    return InrReading(
        performed_on=found.performed_on,
        inr=None if inr is None else str(inr),
        target=(str(target[0]), str(target[1])) if target else None,
        source=found.source,
        source_id=found.id,
    )


def _readings(episode: Episode) -> list[InrReading]:
    """Every INR of the episode, oldest first: performed, uncancelled INR checks and INR
    visits (one query, the tasks app's reader)."""
    rows = [_reading(r) for r in hooks.read("inr_results", episode_ids=[episode.id])[episode.id]]
    return sorted(rows, key=lambda r: (r.performed_on, r.source, r.source_id))


@dataclass(frozen=True)
class Bridging:
    """A parenteral course running alongside a VKA: how long they have overlapped and how many
    INR readings in a row have been in range since the VKA started."""

    parenteral: AnticoagulationCourse
    vka: AnticoagulationCourse
    since: dt.date  # the first day both ran
    today: dt.date
    in_range_in_a_row: int

    @property
    def not_before(self) -> dt.date:
        return self.since + dt.timedelta(days=BRIDGING_OVERLAP_DAYS)

    @property
    def overlap_days(self) -> int:
        return max((self.today - self.since).days, 0)

    @property
    def met(self) -> bool:
        return (
            self.overlap_days >= BRIDGING_OVERLAP_DAYS
            and self.in_range_in_a_row >= BRIDGING_INRS_IN_RANGE
        )

    @property
    def text(self) -> str:
        parenteral, vka = _agent(self.parenteral), _agent(self.vka)
        low, high = self.vka.target_inr_low, self.vka.target_inr_high
        target = f" ({low}–{high})" if low is not None and high is not None else ""
        said = (
            f"Continue {parenteral} alongside {vka} until at least {BRIDGING_OVERLAP_DAYS} days "
            f"of overlap (not before {_day(self.not_before)}) and two INR readings at least "
            f"24 hours apart are in range{target}. "
            f"So far: {labels.days(self.overlap_days)} of overlap, "
            f"{self.in_range_in_a_row} INR reading{'s' if self.in_range_in_a_row != 1 else ''} "
            "in range in a row."
        )
        if self.met:
            said += f" Both are met: {parenteral} may stop."
        return said


def _agent(course: AnticoagulationCourse) -> str:
    return course.get_agent_display()


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _in_range_in_a_row(readings: list[InrReading], since: dt.date) -> int:
    """How many of the latest readings taken since `since` are in range, one a day."""
    count, last_day = 0, None
    for reading in reversed([r for r in readings if r.performed_on >= since]):
        if not reading.in_range:
            break
        if reading.performed_on != last_day:
            count, last_day = count + 1, reading.performed_on
    return count


@dataclass
class Journey:
    """Every course of the episode (oldest first) and every INR reading (oldest first)."""

    episode: Episode
    courses: list[AnticoagulationCourse]
    readings: list[InrReading]
    today: dt.date

    @property
    def current(self) -> list[AnticoagulationCourse]:
        """The courses not stopped: what the patient takes now."""
        return [c for c in self.courses if c.stopped_on is None]

    @property
    def stopped(self) -> list[AnticoagulationCourse]:
        return [c for c in self.courses if c.stopped_on is not None]

    def current_of(self, agent_class: str) -> list[AnticoagulationCourse]:
        return [c for c in self.current if c.agent_class == agent_class]

    @property
    def target(self) -> tuple[Decimal | None, Decimal | None] | None:
        """The target INR range of the VKA taken now (the latest started), if any."""
        vkas = self.current_of(CourseClass.VKA)
        if not vkas:
            return None
        vka = vkas[-1]
        return (vka.target_inr_low, vka.target_inr_high)

    @property
    def long_term(self) -> AnticoagulationCourse | None:
        """The course that is the long-term plan: a VKA or DOAC taken now, else a parenteral
        one taken alone (LMWH as the long-term treatment)."""
        oral = [c for c in self.current if c.agent_class != CourseClass.PARENTERAL]
        rest = oral or self.current_of(CourseClass.PARENTERAL)
        return rest[-1] if rest else None

    @property
    def bridging(self) -> list[Bridging]:
        """Each parenteral course taken now alongside a VKA taken now."""
        found = []
        for vka in self.current_of(CourseClass.VKA):
            for parenteral in self.current_of(CourseClass.PARENTERAL):
                since = max(vka.started_on, parenteral.started_on)
                run = _in_range_in_a_row(self.readings, vka.started_on)
                found.append(Bridging(parenteral, vka, since, self.today, run))
        return found


def _episode(actor, episode_id: int) -> Episode:
    episode = (
        episode_list(actor=actor)
        .select_related(*RELATED, "assigned_coordinator")
        .filter(id=episode_id)
        .first()
    )
    if episode is None:
        raise NotFound("No such episode.")
    return episode


def _journey(episode: Episode) -> Journey:
    prefetch_related_objects([episode], "courses")
    return Journey(
        episode=episode,
        courses=list(episode.courses.all()),
        readings=_readings(episode),
        today=timezone.localdate(),
    )


def episode_journey(*, actor, episode_id: int) -> Journey:
    """The episode's courses and INR readings, for its page's journey section (3 queries)."""
    return _journey(_episode(actor, episode_id))


# --- the handover (pathway.md section 7) -----------------------------------------------------
@dataclass(frozen=True)
class Contact:
    name: str
    email: str


def _contact(user) -> Contact | None:
    if user is None:
        return None
    return Contact(name=user.get_full_name() or user.username, email=user.email or "")


@dataclass
class Handover:
    """What the anticoagulation clinic or GP who takes over is given, on one page."""

    journey: Journey
    ttr: float | None
    next_inr_check: object | None  # the next open INR check (a tasks FollowUp)
    reviews: list = field(default_factory=list)  # open anticoagulation reviews, soonest first
    warnings: list[Unmet] = field(default_factory=list)
    discharged_on: dt.date | None = None
    discharged_by: Contact | None = None
    coordinator: Contact | None = None

    @property
    def episode(self) -> Episode:
        return self.journey.episode

    @property
    def patient(self):
        return self.journey.episode.patient


def episode_handover(*, actor, episode_id: int) -> Handover:
    """The handover of pathway.md section 7: the patient, the courses taken now, the target
    range, the INR readings so far, the next INR check, the planned duration and the review
    dates, the bridging instructions, the warnings in force and whom to call at the unit. A
    fixed number of queries (about 12, and what the warnings' rules read)."""
    episode = _episode(actor, episode_id)
    (seen,) = prefetched([episode])  # the rules read these relations once
    journey = _journey(episode)
    owed, _ = hooks.read("open_follow_ups", episode_id=episode.id, kinds=(INR_CHECK, REVIEW))
    discharge = seen.standing_move("discharge")  # the latest that stands
    discharger = None
    if discharge is not None:
        discharger = get_user_model().objects.filter(id=discharge.actor_id).first()
    in_range = ttr.vka_ttr(
        [(r.performed_on, {"inr": r.inr, "target": r.target}) for r in journey.readings]
    )
    return Handover(
        journey=journey,
        ttr=None if in_range is None else round(in_range, 1),
        next_inr_check=next((f for f in owed if f.kind == INR_CHECK), None),
        reviews=[f for f in owed if f.kind == REVIEW],
        warnings=rules.warnings(seen),
        discharged_on=discharge.effective_on if discharge else None,
        discharged_by=_contact(discharger),
        coordinator=_contact(episode.assigned_coordinator),
    )
