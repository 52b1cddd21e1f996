"""Where each series of follow-ups counts from (pathway.md sections 4 and 7): the procedure or
the discharge; INR checks from the start of each VKA course (section 7: "its INR checks count
from the day it starts"), while it runs and for its planned duration; a finite course's review
from its planned end. Pure functions of records already read: no database here.

A VKA known only from the discharge plan (no VKA course recorded: an episode discharged before
courses were kept) keeps its INR checks counted from the discharge, for the plan's duration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.dates import add_months
from pathway.codes import COURSE_CLASS, Anticoagulant, CourseClass, CourseDecision
from tasks.models import ScheduleRule

PROCEDURE, DISCHARGE = ScheduleRule.Anchor.PROCEDURE, ScheduleRule.Anchor.DISCHARGE
VKA_START, COURSE_END = ScheduleRule.Anchor.VKA_START, ScheduleRule.Anchor.COURSE_END
VKA_AGENTS = sorted(agent for agent, cls in COURSE_CLASS.items() if cls == CourseClass.VKA)
# A finite course's review is due 4 weeks before its planned end: a `course_end` follow-up's
# offset counts back from the end.
REVIEW_BEFORE_END_DAYS = 28


@dataclass(frozen=True)
class Anchor:
    """One series' starting point: the anchor's name and date, the course it belongs to (None
    for the procedure, the discharge, or a VKA known only from the plan), and the last day one
    of its follow-ups may be due (None: lifelong, bounded only by the unit's horizon)."""

    name: str
    on: dt.date
    course_id: int | None = None
    ends_on: dt.date | None = None


def course_runs_until(course) -> dt.date | None:
    """The last day a course is given as recorded: its stop date, else its planned end unless
    the decision at the end was to continue; None while lifelong (or continued)."""
    planned = None if course.end_decision == CourseDecision.CONTINUE else course.planned_end
    ends = [day for day in (course.stopped_on, planned) if day is not None]
    return min(ends) if ends else None


def vka_anchors(*, courses, plan, discharged_on: dt.date) -> list[Anchor]:
    """Each VKA course still running on or after the discharge, counted from its start; with no
    VKA course recorded at all, a VKA discharge plan counted from the discharge."""
    vka = [c for c in courses if COURSE_CLASS[c.agent] == CourseClass.VKA]
    if vka:
        return [
            Anchor(VKA_START, c.started_on, c.id, course_runs_until(c))
            for c in vka
            if c.stopped_on is None or c.stopped_on >= discharged_on
        ]
    if plan is not None and plan.anticoagulant == Anticoagulant.VKA:
        months = plan.planned_duration_months
        ends_on = add_months(discharged_on, months) if months else None
        return [Anchor(DISCHARGE, discharged_on, None, ends_on)]
    return []


def rule_anchors(
    rule: ScheduleRule, *, procedure_on: dt.date | None, discharged_on: dt.date, courses, plan
) -> list[Anchor]:
    """Where a schedule rule's series count from: one per VKA course for a VKA-only rule (or one
    anchored on the VKA's start), else the procedure or the discharge."""
    if rule.vka_only or rule.anchor == VKA_START:
        return vka_anchors(courses=courses, plan=plan, discharged_on=discharged_on)
    on = procedure_on if rule.anchor == PROCEDURE else discharged_on
    return [] if on is None else [Anchor(rule.anchor, on)]


def course_review_due(course) -> dt.date | None:
    """When a finite course's review is due: 4 weeks before its planned end; None for a
    lifelong course or one stopped before its planned end (nothing left to decide)."""
    end = course.planned_end
    if end is None or (course.stopped_on is not None and course.stopped_on < end):
        return None
    return end - dt.timedelta(days=REVIEW_BEFORE_END_DAYS)
