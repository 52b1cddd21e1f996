"""Anticoagulation never stops silently (pathway.md section 7): a finite course that reaches its
planned end with no decision recorded (stop, continue, change) and no stop date raises one
`course_ending` alert for the coordinator.

Found by the sweep in a fixed number of queries whatever the number of courses: one finds every
course at its end without a decision and not yet alerted (its planned end computed in SQL), the
recipients are looked up once, and one statement writes the alerts and their deliveries, each
sent at once. Once per course and recipient: the unique constraint
`one_course_end_alert_per_recipient`, inserted with ON CONFLICT DO NOTHING, so two sweeps at
once write it once. Not for a closed episode nor a patient whose death is recorded. Recording
the decision or the stop resolves it (course_end_alerts_resolve, in the writer's transaction).
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from pathway.codes import CourseAgent
from pathway.models import AnticoagulationCourse
from tasks.models import Alert
from tasks.services.alert_rows import alerts_with_deliveries_insert
from tasks.services.alerts import Recipients, enqueue, silenced
from tasks.services.topup import AddMonths

log = logging.getLogger(__name__)
KIND = Alert.Kind.COURSE_ENDING
# Each row: (episode, course, recipient, unrouted, finding); once per course and recipient.
COLUMNS = (
    ("episode_id", "bigint"),
    ("course_id", "bigint"),
    ("recipient_id", "int"),
    ("unrouted", "boolean"),
    ("finding", "jsonb"),
)
ONCE = "ON CONFLICT (course_id, recipient_id) WHERE kind = 'course_ending' DO NOTHING"


def course_end_words(agent: str, started_on: dt.date, months: int, ends_on: dt.date) -> str:
    """What the alert says: the course, its planned end, and what is wanted."""
    return (
        f"{CourseAgent(agent).label} (started {started_on.isoformat()}, planned for {months} "
        f"months) reached its planned end on {ends_on.isoformat()} with no decision recorded: "
        "stop, continue or change"
    )


def courses_owing_end_alert(today: dt.date):
    """Every course at or past its planned end with no decision and no stop, of an open episode
    of a living patient, not yet alerted (the sweep asks only whether there is one)."""
    alerted = Alert.objects.filter(course=OuterRef("pk"), kind=KIND)
    return (
        AnticoagulationCourse.objects.filter(
            planned_duration_months__isnull=False, stopped_on__isnull=True, end_decision=""
        )
        .annotate(ends_on=AddMonths(F("started_on"), F("planned_duration_months")))
        .filter(ends_on__lte=today)
        .exclude(silenced())
        .exclude(Exists(alerted))
    )


def courses_at_their_end(today: dt.date):
    """The courses owing their end alert (courses_owing_end_alert), with what it says: one
    query."""
    return (
        courses_owing_end_alert(today)
        .values(
            "id",
            "episode_id",
            "agent",
            "started_on",
            "planned_duration_months",
            "ends_on",
            "episode__assigned_coordinator_id",
        )
        .order_by("id")
    )


def course_endings_alert(*, today: dt.date, now: dt.datetime | None = None) -> int:
    """Alert the coordinator (the assigned one, else every active coordinator, else the admins,
    unrouted) of every finite course at its planned end with no decision recorded, once, with
    an email sent at once. Returns how many alerts were written."""
    now = now or timezone.now()
    recipients = Recipients()
    rows, sent = [], []
    with transaction.atomic():
        for course in courses_at_their_end(today):
            route = recipients.of(KIND, None, course["episode__assigned_coordinator_id"])
            if not route.ids:
                log.error("Course %s reached its end and nobody can be told.", course["id"])
                continue
            words = course_end_words(
                course["agent"],
                course["started_on"],
                course["planned_duration_months"],
                course["ends_on"],
            )
            finding = json.dumps({"text": words})
            rows += [
                (course["episode_id"], course["id"], uid, route.unrouted, finding)
                for uid in route.ids
            ]
        if rows:
            sent = alerts_with_deliveries_insert(
                kind=KIND, columns=COLUMNS, rows=rows, conflict=ONCE, now=now
            )
            enqueue(sent)
    return len(sent)


def course_end_alerts_resolve(*, course, reason: str) -> int:
    """A decision or a stop recorded for a course answers its end alert: the open ones are
    resolved, saying why (one UPDATE; a course_ending alert is never a digest). Only these: an
    alert once raised stays until answered or acknowledged (a course whose planned end moved
    on is not alerted twice: the constraint holds one per course and recipient)."""
    if not course.end_decision and course.stopped_on is None:
        return 0
    return Alert.objects.filter(course=course, kind=KIND, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_reason=reason
    )
