"""What follows when a pathway record is written: the schedule follows a corrected procedure
date or an anticoagulation course (the discharge plan writes its course: pathway's
course_sync), a course's end alert is answered by its decision or stop, and an alarming post-op
check alerts the coordinator at once.

One after-record handler, registered in TasksConfig.ready() through pathway/hooks.py, runs in
the writer's transaction, so a record and its consequences commit together or not at all.
"""

from __future__ import annotations

from django.utils import timezone

from core.revisions import facts_of
from pathway import rules
from pathway.codes import CourseAgent
from pathway.models import (
    AnticoagulationCourse,
    Episode,
    PostopCheck,
    ProcedureNote,
)
from tasks.services.alerts import enqueue, urgent_alerts_insert
from tasks.services.course_end import course_end_alerts_resolve
from tasks.services.findings import postop_check_finding
from tasks.services.schedule import (
    followups_follow_courses,
    followups_follow_procedure_date,
)

# What a course's INR checks, its review and its end alert depend on.
COURSE_FACTS = ("agent", "started_on", "stopped_on", "planned_duration_months", "end_decision")


def postop_check_alert(*, episode: Episode, check: PostopCheck) -> list[int]:
    """An impaired limb, compartment signs or bleeding: an urgent alert for the coordinator
    at once, graded (critical unless bleeding alone), its email sent after commit. Returns the
    alert deliveries enqueued; the check carries `urgent` (what was found, who was alerted)."""
    check.urgent = None
    finding = postop_check_finding(check)
    if not rules.postop_check_alarming(check) or finding is None:  # alarming: a finding
        return []
    raised = urgent_alerts_insert(
        episode=episode, now=timezone.now(), urgent=finding, postop_check=check
    )
    enqueue(raised.deliveries)
    check.urgent = raised.told[0]
    return raised.deliveries


def course_change_words(course: AnticoagulationCourse, before: dict | None, reason: str) -> str:
    """Why a course's follow-ups changed, in words: what happened to it, then the reason."""
    agent = course.get_agent_display()
    if before is None:
        what = f"{agent} started on {course.started_on.isoformat()}."
    elif course.stopped_on is not None and before.get("stopped_on") is None:
        what = f"{agent} stopped on {course.stopped_on.isoformat()}."
    elif before.get("agent") != course.agent:
        what = f"{CourseAgent(before['agent']).label} changed to {agent.lower()}."
    elif course.end_decision and not before.get("end_decision"):
        what = f"{agent}: decided at its planned end to {course.end_decision}."
    elif before.get("planned_duration_months") != course.planned_duration_months:
        months = course.planned_duration_months
        what = f"{agent}: now planned for {months} months." if months else f"{agent}: now lifelong."
    else:
        what = f"The {agent} course changed."
    return f"{what} {reason}" if reason else what


def course_consequences(
    *, episode: Episode, course: AnticoagulationCourse, before: dict | None, reason: str
) -> None:
    """A course started, changed or stopped: its INR checks and review follow it (in
    surveillance), and a decision or a stop answers its end alert."""
    after = facts_of(course)
    if before is not None and all(before.get(f) == after.get(f) for f in COURSE_FACTS):
        return  # a dose or a frequency: no date depends on it
    words = course_change_words(course, before, (reason or "").strip())
    followups_follow_courses(episode=episode, reason=words)
    course_end_alerts_resolve(course=course, reason=words)


def _current_note_date_changed(episode: Episode, note: ProcedureNote, before: dict) -> bool:
    current = episode.current_procedure_note()
    return (
        current is not None
        and current.id == note.id
        and before.get("date") != note.date.isoformat()
    )


def followups_after_record_change(*, episode: Episode, record, before, actor, reason) -> None:
    """What a written pathway record changes in the tasks app (registered in
    TasksConfig.ready). The consequences check for themselves that the episode is in
    surveillance: before discharge there is no schedule to follow the facts."""
    if isinstance(record, PostopCheck):
        if before is None:
            postop_check_alert(episode=episode, check=record)
    elif isinstance(record, ProcedureNote):
        if before is not None and _current_note_date_changed(episode, record, before):
            reason = reason or "The procedure date was corrected."
            followups_follow_procedure_date(episode=episode, reason=reason)
    elif isinstance(record, AnticoagulationCourse):
        course_consequences(episode=episode, course=record, before=before, reason=reason)
