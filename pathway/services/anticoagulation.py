"""The anticoagulation journey (pathway.md section 7): courses start, change and stop, each
write kept as a revision; what follows from them (INR checks, reviews, alerts) is brought in
line by the after-record handlers in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from core.errors import InvalidInput, NotFound
from pathway.codes import (
    COURSE_CLASS,
    DEFAULT_TARGET_INR,
    CourseAgent,
    CourseClass,
    CourseDecision,
    CourseOrigin,
)
from pathway.models import AnticoagulationCourse
from pathway.rules import inr_range_problem
from pathway.services.common import Writer, after_referral, editable, no_future, record_write
from pathway.services.course_sync import courses_taken_over

CHANGEABLE = (
    "agent",
    "dose",
    "dose_unit",
    "frequency",
    "started_on",
    "stopped_on",
    "target_inr_low",
    "target_inr_high",
    "planned_duration_months",
    "end_decision",
)


def _checked(values: dict) -> dict:
    """A course's values as they will be kept: targets only on a VKA (2.0-3.0 by default),
    a stop not before the start, known codes. Raises InvalidInput naming the field."""
    if values["agent"] not in CourseAgent.values:
        raise InvalidInput({"agent": f"Unknown agent. Known: {', '.join(CourseAgent.values)}."})
    vka = COURSE_CLASS[values["agent"]] == CourseClass.VKA
    low, high = values.get("target_inr_low"), values.get("target_inr_high")
    if vka:
        if low is None and high is None:
            low, high = (Decimal(v) for v in DEFAULT_TARGET_INR)
        if problem := inr_range_problem(low, high):
            raise InvalidInput({"target_inr_low": problem})
    elif low is not None or high is not None:
        raise InvalidInput({"target_inr_low": "A target INR range is for a VKA only."})
    values["target_inr_low"], values["target_inr_high"] = low, high
    stopped, started = values.get("stopped_on"), values["started_on"]
    if stopped is not None and stopped < started:
        raise InvalidInput({"stopped_on": "A course cannot stop before it starts."})
    decision = values.get("end_decision") or ""
    if decision and decision not in CourseDecision.values:
        raise InvalidInput({"end_decision": f"One of: {', '.join(CourseDecision.values)}."})
    values["end_decision"] = decision
    return values


def course_add(
    *,
    actor,
    episode_id: int,
    agent: str,
    started_on: dt.date,
    dose: Decimal | None = None,
    dose_unit: str = "",
    frequency: str = "",
    stopped_on: dt.date | None = None,
    target_inr_low: Decimal | None = None,
    target_inr_high: Decimal | None = None,
    planned_duration_months: int | None = None,
    reason: str = "",
) -> AnticoagulationCourse:
    """Start a course (overlapping ones are bridging); dated within the episode's timeline. A
    course an older record made for the same kind is taken over (course_sync)."""
    no_future(started_on=started_on, stopped_on=stopped_on)
    with transaction.atomic():
        episode = editable(
            episode_id, actor, states=WRITERS["course"].open_in, dates={"started_on": started_on}
        )
        after_referral(episode, started_on=started_on)
        values = _checked(
            dict(
                agent=agent,
                dose=dose,
                dose_unit=dose_unit or "",
                frequency=frequency or "",
                started_on=started_on,
                stopped_on=stopped_on,
                target_inr_low=target_inr_low,
                target_inr_high=target_inr_high,
                planned_duration_months=planned_duration_months,
                reason=(reason or "").strip(),
            )
        )
        named = courses_taken_over(actor=actor, episode=episode, agent=agent, started_on=started_on)
        if named is not None:
            values["origin"] = CourseOrigin.ENTERED
        record, _ = record_write(
            named or AnticoagulationCourse(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            values=values,
        )
    return record


def course_change(
    *, actor, episode_id: int, course_id: int, reason: str, **changes
) -> AnticoagulationCourse:
    """Change or stop a course, always with a reason (kept with the revision). A changed
    target range applies from now on: readings already recorded keep the range they were
    judged by."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Say why the course changes or stops."})
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InvalidInput({name: "This field cannot be changed here." for name in unknown})
    no_future(**{k: changes[k] for k in ("started_on", "stopped_on") if k in changes})
    with transaction.atomic():
        dates = {k: changes[k] for k in ("started_on", "stopped_on") if changes.get(k)}
        episode = editable(episode_id, actor, states=WRITERS["course"].open_in, dates=dates)
        course = (
            AnticoagulationCourse.objects.select_for_update()
            .filter(id=course_id, episode=episode)
            .first()
        )
        if course is None:
            raise NotFound("No such course in this episode.")
        values = {name: getattr(course, name) for name in CHANGEABLE}
        if COURSE_CLASS.get(changes.get("agent") or "") not in (None, CourseClass.VKA):
            values["target_inr_low"] = values["target_inr_high"] = None  # no longer a VKA
        values.update(changes)
        if "started_on" in changes:
            after_referral(episode, started_on=values["started_on"])
        values = _checked(values)
        values["reason"] = reason
        record, _ = record_write(course, episode=episode, actor=actor, reason=reason, values=values)
    return record


# What the journey section reads of these writers (common.Writer): a course is started, changed
# or stopped at any stage of an open episode (section 7); the changes keep each revision.
WRITERS = {"course": Writer(course_add)}
