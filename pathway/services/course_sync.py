"""The older endpoints keep their meaning by writing the matching course (pathway.md section 7,
the contract's "Anticoagulation"): the pre-procedure anticoagulation record is the course it
started, and at discharge the plan's anticoagulant is the long-term course running then, made
from the plan when none of its kind is recorded. A named course of the same kind entered later
takes over from a course one of these records made. Each runs in its writer's transaction,
through record_write, so every course written keeps its revision and brings its INR checks,
review and alerts in line."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pathway.codes import (
    COURSE_CLASS,
    PLAN_AGENTS,
    UNNAMED_AGENTS,
    Anticoagulant,
    CourseAgent,
    CourseOrigin,
)
from pathway.models import (
    AnticoagulationCourse,
    DischargePlan,
    Episode,
    PreProcedureAnticoagulation,
)
from pathway.services.common import record_write

UFH = CourseAgent.UFH_INFUSION


def _locked_courses(episode: Episode) -> list[AnticoagulationCourse]:
    return list(
        AnticoagulationCourse.objects.select_for_update()
        .filter(episode=episode)
        .order_by("started_on", "id")
    )


def _stop(course, *, episode, actor, on: dt.date, reason: str) -> None:
    record_write(
        course,
        episode=episode,
        actor=actor,
        reason=reason,
        values={"stopped_on": max(on, course.started_on)},
    )


def courses_follow_preop_record(
    *, actor, episode: Episode, record: PreProcedureAnticoagulation, reason: str = ""
) -> AnticoagulationCourse:
    """The course the pre-procedure record stands for: made with it, changed with it."""
    course = next(
        (c for c in _locked_courses(episode) if c.origin == CourseOrigin.PRE_PROCEDURE), None
    )
    values = {"agent": record.agent, "started_on": timezone.localdate(record.started_at)}
    if course is None:
        course = AnticoagulationCourse(episode=episode, origin=CourseOrigin.PRE_PROCEDURE)
        values["reason"] = "From the pre-procedure anticoagulation record."
    reason = reason or "The pre-procedure anticoagulation record changed."
    course, _ = record_write(course, episode=episode, actor=actor, reason=reason, values=values)
    return course


def _plan_values(plan: DischargePlan) -> dict:
    return {
        "agent": plan.anticoagulant,
        "target_inr_low": plan.target_inr_low,
        "target_inr_high": plan.target_inr_high,
        "planned_duration_months": plan.planned_duration_months,
    }


def courses_follow_discharge_plan(
    *, actor, episode: Episode, plan: DischargePlan, on: dt.date, at_discharge: bool, reason=""
) -> AnticoagulationCourse:
    """The plan's anticoagulant as the long-term course running on `on` (the discharge, or a
    plan changed after it): a named course of its kind running then is it; else the course
    the plan made follows the plan (dated from the discharge when made at discharge); else
    one is made. A course the plan made earlier for another agent stops, and so does a
    pre-procedure heparin the plan replaces: a UFH infusion always (it does not go home),
    another heparin unless the plan is a VKA (it bridges)."""
    agents = PLAN_AGENTS[plan.anticoagulant]
    running = [c for c in _locked_courses(episode) if c.running_on(on)]
    matching = [c for c in running if c.agent in agents]
    named = [c for c in matching if c.origin != CourseOrigin.DISCHARGE_PLAN]
    made = [c for c in matching if c.origin == CourseOrigin.DISCHARGE_PLAN]
    why = reason or "From the discharge plan."
    if named:
        course = named[-1]
    else:
        course = (
            made[-1]
            if made
            else AnticoagulationCourse(episode=episode, origin=CourseOrigin.DISCHARGE_PLAN)
        )
        values = _plan_values(plan)
        if course._state.adding or at_discharge:
            values["started_on"] = on
        if course._state.adding:
            values["reason"] = "From the discharge plan."
        course, _ = record_write(course, episode=episode, actor=actor, reason=why, values=values)
    label = {"vka": "VKA", "doac": "DOAC", "lmwh": "LMWH"}[plan.anticoagulant]
    for other in running:
        if other.id == course.id:
            continue
        replaced = other.origin == CourseOrigin.DISCHARGE_PLAN or (
            other.origin == CourseOrigin.PRE_PROCEDURE
            and (other.agent == UFH or plan.anticoagulant != Anticoagulant.VKA)
        )
        if replaced:
            why = (
                reason
                if not at_discharge and reason
                else (f"Stopped at discharge: the discharge plan's {label} takes over.")
            )
            _stop(other, episode=episode, actor=actor, on=on, reason=why)
    return course


def courses_taken_over(*, actor, episode: Episode, agent: str, started_on: dt.date):
    """A named course entered while a course an older record made runs for its kind: on or
    before that course's start, it names it (returned, to be written with the new values);
    later, that course stops the day the new one starts. Returns None when nothing is named."""
    kind = COURSE_CLASS[agent]
    for course in _locked_courses(episode):
        if course.origin == CourseOrigin.ENTERED or COURSE_CLASS[course.agent] != kind:
            continue
        if course.agent == agent or (course.stopped_on and course.stopped_on < started_on):
            continue
        family = PLAN_AGENTS.get(course.agent, ())
        if course.agent in UNNAMED_AGENTS and agent in family and started_on <= course.started_on:
            return course
        if course.started_on <= started_on:
            _stop(
                course,
                episode=episode,
                actor=actor,
                on=started_on,
                reason=f"Replaced by {CourseAgent(agent).label}.",
            )
    return None
