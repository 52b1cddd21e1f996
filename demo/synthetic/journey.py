"""The anticoagulation journey of one synthetic patient (pathway.md section 7), written through
the course services along the story's cursor, never past today:

- at selection: the VTE-BLEED facts, pregnancy and contraception, a weight and a creatinine;
- in post-op: the long-term course after the pre-procedure heparin: warfarin bridged with
  enoxaparin (INR readings on the ward; a few stop the enoxaparin early), a DOAC (apixaban or
  rivaroxaban) or enoxaparin for active cancer; finite (3, 6, 12 months) or lifelong;
- at discharge: the plan of that course (so it names it); after a re-intervention a course
  stopped meanwhile restarts;
- in surveillance: a switch now and then (a DOAC to warfarin when antiphospholipid syndrome is
  found later, warfarin to apixaban at 6 months), the decision at a finite course's end, and a
  rare gastrointestinal bleed.

Its draws come from the patient's own second `Random` (`{seed}:{n}:anticoagulation`), so the
rest of the story keeps its draws. A patient dealt the `undecided` card gets a 3-month course
that reached its end recently with no decision recorded (the `course_ending` alert)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from core.dates import add_months
from demo.synthetic import draws
from pathway import services
from pathway.models import AnticoagulationCourse
from tasks.services import visit_record

CLASS_OF = {"warfarin": "vka", "apixaban": "doac", "rivaroxaban": "doac", "enoxaparin": "lmwh"}
DOSES = {  # agent: (dose, unit, frequency); enoxaparin's dose is by weight
    "warfarin": (Decimal(5), "mg", "once daily (evening), dose by INR"),
    "apixaban": (Decimal(5), "mg", "twice daily"),
    "rivaroxaban": (Decimal(20), "mg", "once daily with food"),
}
FINDINGS = (
    ("factor V Leiden", 45),
    ("prothrombin G20210A", 25),
    ("antiphospholipid syndrome", 15),
    ("protein C deficiency", 8),
    ("antithrombin deficiency", 7),
)
APS = "antiphospholipid syndrome"


@dataclass
class Course:
    """A course this story wrote, as the story knows it."""

    id: int
    agent: str
    started_on: dt.date
    months: int | None
    stopped_on: dt.date | None = None
    decided: bool = False

    @property
    def ends_on(self) -> dt.date | None:
        return None if self.months is None else add_months(self.started_on, self.months)


@dataclass
class Journey:
    rng: random.Random
    undecided: bool = False  # the card: a finite course at its end with no decision
    aps: str = ""  # "known" at selection, "later" (the screen pending at selection), or ""
    cancer: bool = False
    weight: Decimal | None = None
    clearance: float | None = None
    long_term: Course | None = None
    plan: tuple | None = None  # (anticoagulant, months) as last recorded
    switch: str = ""  # "to_warfarin" or "to_apixaban", once
    bleed_after: int | None = None  # days after the discharge, when drawn
    courses: list[Course] = field(default_factory=list)  # the long-term ones, in order


def inr_day(story, day: dt.date) -> dt.date:
    """The day an INR check due while a warfarin ran is done: `day`, or the warfarin's last
    day when it stopped before (the nurse took it before the switch or the stop)."""
    warfarin = [c for c in story.journey.courses if c.agent == "warfarin"]
    if not warfarin or any(c.started_on <= day <= (c.stopped_on or day) for c in warfarin):
        return day
    stops = [c.stopped_on for c in warfarin if c.stopped_on and c.stopped_on < day]
    return max(stops) if stops and max(stops) >= story.on else day


def selection_draw(story) -> None:
    """The selection's VTE-BLEED facts and pregnancy status, drawn with plausible shares."""
    j, sel = story.journey, story.selection
    rng = j.rng
    j.cancer = rng.random() < 0.06
    sel.update(
        active_cancer=j.cancer,
        uncontrolled_hypertension=rng.random() < 0.08,
        anaemia=rng.random() < 0.1,
        prior_bleeding=rng.random() < 0.05,
    )
    age = story.age_on(sel["assessed_on"])
    if story.sex == "female" and 16 <= age <= 50:
        sel["pregnancy"] = "not_pregnant"
        sel["contraception"] = draws.pick(rng, ((True, 85), (False, 7), (None, 8)))
    elif story.sex == "female" and rng.random() < 0.5:
        sel["pregnancy"] = "not_applicable"
    if sel["thrombophilia"] == "positive":
        sel["thrombophilia_finding"] = draws.pick(rng, FINDINGS)
        j.aps = "known" if sel["thrombophilia_finding"] == APS else ""
    elif sel["thrombophilia"] == "pending" and rng.random() < 0.1:
        j.aps = "later"


def measurements_write(story) -> None:
    """A weight and a creatinine at selection for most; a few with poor renal function."""
    j, rng = story.journey, story.journey.rng
    if rng.random() < 0.1:
        return
    base = 86 if story.sex == "male" else 74
    j.weight = Decimal(str(round(min(max(rng.gauss(base, 16), 44), 160), 1)))
    renal = rng.random() < 0.04
    creatinine = rng.randint(190, 320) if renal else round(min(max(rng.gauss(82, 16), 45), 160))
    age = story.age_on(story.selection["assessed_on"])
    factor = 1.23 if story.sex == "male" else 1.04
    j.clearance = (140 - age) * float(j.weight) * factor / creatinine
    services.measurement_add(
        actor=story.actors.coordinator,
        episode_id=story.episode_id,
        measured_on=story.selection["assessed_on"],
        weight_kg=j.weight,
        creatinine_umol_l=Decimal(creatinine),
    )


def _agent_draw(j: Journey) -> str:
    rng = j.rng
    if j.cancer:
        return "enoxaparin" if rng.random() < 0.75 else "apixaban"
    if j.aps == "known":
        return "warfarin" if rng.random() < 0.8 else "apixaban"  # a few left on a DOAC
    if j.clearance is not None and j.clearance < 30:
        return "warfarin" if rng.random() < 0.5 else "apixaban"
    kind = draws.pick(rng, (("vka", 32), ("doac", 60), ("lmwh", 8)))
    if kind == "doac":
        return "apixaban" if rng.random() < 0.6 else "rivaroxaban"
    return {"vka": "warfarin", "lmwh": "enoxaparin"}[kind]


def _months_draw(story, agent: str) -> int | None:
    j, rng = story.journey, story.journey.rng
    if j.undecided:
        return 3
    if agent == "enoxaparin":
        return draws.pick(rng, ((6, 50), (None, 50)))
    if story.selection["thrombophilia"] == "positive":
        return draws.pick(rng, ((12, 40), (None, 60)))
    return draws.pick(rng, ((3, 15), (6, 35), (12, 30), (None, 20)))


def _course_add(story, agent: str, on: dt.date, months: int | None, reason: str) -> Course:
    j = story.journey
    weight = j.weight or Decimal(80)
    if agent == "enoxaparin":  # 1.5 mg/kg once daily long term; 1 mg/kg twice daily bridging
        bridging = "warfarin" in reason.lower()
        per_kg = Decimal(1) if bridging else Decimal("1.5")
        dose = (weight * per_kg).quantize(Decimal(1))
        dose, unit, frequency = dose, "mg", "twice daily" if bridging else "once daily"
    else:
        dose, unit, frequency = DOSES[agent]
    added = services.course_add(
        actor=story.actors.coordinator,
        episode_id=story.episode_id,
        agent=agent,
        started_on=on,
        dose=dose,
        dose_unit=unit,
        frequency=frequency,
        planned_duration_months=months,
        reason=reason,
    )
    course = Course(added.id, agent, on, months)
    if not reason.startswith("Bridging"):
        j.courses.append(course)
    return course


def _stop(story, course_id: int, on: dt.date, reason: str, **changes) -> None:
    services.course_change(
        actor=story.actors.coordinator,
        episode_id=story.episode_id,
        course_id=course_id,
        reason=reason,
        stopped_on=on,
        **changes,
    )


def _ward_inr(story, day: dt.date, inr: float) -> None:
    visit = visit_record(
        actor=story.actors.nurse,
        episode_id=story.episode_id,
        kind="inr_check",
        performed_on=day,
        inr=Decimal(str(round(inr, 1))),
    )
    if visit.urgent and day < story.today - story.seen_after:
        story.seen(visit=visit)  # on the ward, days or years ago: seen then


def _bridge(story, start: dt.date, *, lifelong: bool = False) -> None:
    """Enoxaparin alongside warfarin from `start`, with 2-4 INR readings on the ward, stopped
    once it ran 5 days alongside and two INRs 24 h apart are in range; a few stop early (the
    `bridging_complete` warning). The ward stay lasts until then (story.ward_until)."""
    rng, today = story.journey.rng, story.today
    enoxaparin = _course_add(story, "enoxaparin", start, None, "Bridging to warfarin.")
    early = rng.random() < (0.2 if lifelong else 0.05)  # a lifelong VKA shows it for long
    stop = start + dt.timedelta(days=rng.randint(2, 3) if early else rng.randint(4, 6))
    count = rng.randint(2, 4)
    days = [stop - dt.timedelta(days=k) for k in range(count - 1, -1, -1)]
    days = [d for d in days if d > start]
    for n, day in enumerate(days):
        if day > today:
            break
        in_range = not early and n >= len(days) - 2
        _ward_inr(story, day, rng.uniform(2.1, 2.9) if in_range else rng.uniform(1.6, 1.9))
    if stop <= today:
        reason = (
            "Stopped early: the patient declined further injections."
            if early
            else "Bridging complete: 5 days alongside warfarin, two INRs in range 24 h apart."
        )
        _stop(story, enoxaparin.id, stop, reason)
        story.ward_until = stop


def postop_courses_write(story) -> None:
    """The long-term course started on the ward after the pre-procedure heparin."""
    j = story.journey
    start = min(story.procedure_on + dt.timedelta(days=j.rng.choice((0, 1, 1))), story.today)
    agent = _agent_draw(j)
    months = _months_draw(story, agent)
    if agent == "warfarin":
        j.long_term = _course_add(story, agent, start, months, "Long-term anticoagulation.")
        _bridge(story, start, lifelong=months is None)
    else:
        preop = (
            AnticoagulationCourse.objects.filter(
                episode_id=story.episode_id, origin="pre_procedure", stopped_on__isnull=True
            )
            .values_list("id", flat=True)
            .first()
        )
        if preop is not None and agent != "enoxaparin":  # enoxaparin takes over by itself
            _stop(story, preop, start, f"Changed to {agent}.")
        why = (
            "Cancer-associated thrombosis."
            if j.cancer and agent == "enoxaparin"
            else ("Long-term anticoagulation.")
        )
        j.long_term = _course_add(story, agent, start, months, why)
    if j.aps == "later" and agent in ("apixaban", "rivaroxaban"):
        j.switch = "to_warfarin"
    elif (
        agent == "warfarin"
        and j.aps != "known"
        and not j.undecided
        and (months is None or months >= 12)
        and (j.clearance is None or j.clearance >= 30)
        and j.rng.random() < 0.15
    ):
        j.switch = "to_apixaban"
    j.bleed_after = j.rng.randint(20, 500) if j.rng.random() < 0.02 else None


def discharge_courses_write(story, *, first: bool) -> tuple[str, int | None] | None:
    """Before a discharge: the long-term course runs (restarted after a re-intervention if it
    stopped meanwhile); returns the plan to record (anticoagulant, months), None when the plan
    already recorded says so."""
    j = story.journey
    course = j.long_term
    if course is None:
        return None
    if course.stopped_on is not None and course.stopped_on < story.on:
        agent = course.agent
        months = j.rng.choice((6, None))
        on = min(max(story.procedure_on, course.stopped_on + dt.timedelta(days=1)), story.on)
        j.long_term = _course_add(story, agent, on, months, "Restarted after the re-intervention.")
        if agent == "warfarin":
            _bridge(story, on, lifelong=months is None)
            story.on = max(story.on, story.ward_until or story.on)
            story.ward_until = None
    plan = (CLASS_OF[j.long_term.agent], j.long_term.months)
    if not first and plan == j.plan:
        return None
    j.plan = plan
    return plan


def _switch_event(story, day: dt.date):
    j = story.journey
    old = j.long_term

    def run():
        if j.switch == "to_warfarin":
            story.selection.update(thrombophilia="positive", thrombophilia_finding=APS)
            services.selection_record(
                actor=story.actors.coordinator,
                episode_id=story.episode_id,
                **story.selection,
                reason="Thrombophilia screen back: antiphospholipid syndrome.",
            )
            j.long_term = _course_add(
                story,
                "warfarin",
                day,
                None,
                "Antiphospholipid syndrome found: a DOAC is not recommended.",
            )
            if old.stopped_on is None:  # overlapping until the INR is in range
                stop = min(day + dt.timedelta(days=3), story.today)
                _stop(story, old.id, stop, "Changed to warfarin (antiphospholipid syndrome).")
                old.stopped_on = stop
        else:
            months = None if old.months is None else max(old.months - 6, 3)
            why = j.rng.choice(("Labile INR at 6 months", "Patient preference at 6 months"))
            _stop(story, old.id, day, f"{why}: changed to apixaban.")
            old.stopped_on = day
            j.long_term = _course_add(story, "apixaban", day, months, f"{why}.")
        j.switch = ""

    return run


def _decision_event(story, course: Course):
    rng = story.journey.rng

    def run():
        if course.decided or course.stopped_on is not None:
            return  # switched before its end
        if rng.random() < 0.7:
            _stop(
                story,
                course.id,
                course.ends_on,
                "Planned duration completed; stent patent.",
                end_decision="stop",
            )
            course.stopped_on = course.ends_on
        else:
            services.course_change(
                actor=story.actors.coordinator,
                episode_id=story.episode_id,
                course_id=course.id,
                end_decision="continue",
                reason="Reviewed at its end: continue (post-thrombotic lesion, stents in place).",
            )
        course.decided = True

    return run


def _bleed_event(story, day: dt.date):
    rng = story.journey.rng

    def run():
        major = rng.random() < 0.5
        services.complication_add(
            actor=story.actors.coordinator,
            episode_id=story.episode_id,
            kind="gastrointestinal_bleeding",
            occurred_on=day,
            severity="severe" if major else "moderate",
            bleeding_class="major" if major else "crnm",
            notes="Melaena on anticoagulation; endoscopy.",
        )
        story.journey.bleed_after = None

    return run


def surveillance_events(story, since: dt.date) -> list[tuple[dt.date, str, object]]:
    """The journey's writes owed from `since` to today, each (day, key, write): a switch, the
    decision at the end of a finite course that reached it, a bleed."""
    j, today = story.journey, story.today
    course = j.long_term
    if course is None:
        return []
    events: list[tuple[dt.date, str, Callable[..., object]]] = []
    if j.switch == "to_warfarin":
        day = story.discharged_on + dt.timedelta(days=j.rng.randint(42, 120))
        events.append((day, "switch", _switch_event))
    elif j.switch == "to_apixaban":
        day = add_months(course.started_on, 6) + dt.timedelta(days=j.rng.randint(-10, 14))
        events.append((day, "switch", _switch_event))
    ends_on = course.ends_on
    if ends_on is not None and ends_on <= today and not (course.decided or j.undecided):
        day = min(ends_on + dt.timedelta(days=j.rng.randint(-14, 7)), today)
        events.append((day, f"decision:{course.id}", lambda s, d: _decision_event(s, course)))
    if j.bleed_after is not None:
        day = story.discharged_on + dt.timedelta(days=j.bleed_after)
        events.append((day, "bleed", _bleed_event))
    found = []
    for day, key, make in events:
        day = max(day, since)
        if day <= today:
            found.append((day, key, make(story, day)))
    return found
