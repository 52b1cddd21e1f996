"""Surveillance never runs out silently (pathway.md section 4): the daily top-up.

Discharge schedules the repeating follow-ups up to the unit's horizon (`horizon_months`, 60 by
default) ahead. Every day the top-up finds the episodes in surveillance whose latest scheduled
follow-up of a repeating kind is due less than a lead time ahead, and creates the next ones up
to today + the horizon: same anchor, offsets continuing the schedule (tasks/schedule.py
`positions`, so the dates never drift), windows from tasks/windows.py, made by the standing
discharge. It only creates: it never moves nor cancels a row.

- Lead time: a year (the longest repeat of the defaults), at most half the horizon. With the
  defaults an episode is topped up once every four years, with four more yearly visits and four
  years of INR checks, and a whole next duplex and review always stand at least a year ahead,
  even if the job stopped for months.
- Which kinds: each active schedule rule; a VKA-only rule (INR checks) per VKA course, counted
  from its start, while it runs and up to its planned duration (none beyond it; lifelong when
  it is null); for a VKA known only from the discharge plan (no VKA course recorded), from the
  discharge up to the plan's duration (tasks/anchors.py). A finite course's review is a single
  row made with its course (tasks/services/schedule.py), never topped up.
- Not a backlog: a follow-up whose window had already closed when the top-up would make it is
  not made (it would be overdue on creation, like the INR checks `followups_follow_courses` adds
  from the day of a switch). Run daily, nothing is ever skipped; a unit starting the top-up with
  schedules that ran out long ago gets the next visits, the one in its window included.
- Cheap: one query finds the episodes running low: an anti-join per rule on the follow-ups of
  the episodes in surveillance (for 100,000 episodes and 2.4 million follow-ups, about 1.3 s
  once a day on a 2-core machine, with PostgreSQL's JIT off for it: compiling the plan took
  longer than running it). Then, in batches, the episodes are locked (`SELECT ... FOR UPDATE
  SKIP LOCKED`, so two top-ups, or a top-up and a pathway writer, never work on one episode at
  once), their facts read in six queries, and the new rows written with one `bulk_create`.
  Under the lock the latest follow-up is read again, so a second run (or a concurrent one)
  creates nothing more.
- The one query reads no history: in surveillance, every open follow-up is the standing
  discharge's (exits cancel them, a discharge after a re-intervention replaces what the earlier
  schedule left open, a correction cancels what it undid), and one completed under
  an earlier discharge is never due more than its window after today, so neither hides an
  episode running low. The locked pass counts only the standing discharge's follow-ups.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import DateField, Exists, F, Func, Max, OuterRef, Q, Subquery, Value
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from core.dates import add_months
from pathway.codes import Anticoagulant, CourseDecision, State
from pathway.models import (
    AnticoagulationCourse,
    DischargePlan,
    Episode,
    ProcedureNote,
    Transition,
)
from tasks import windows
from tasks.anchors import VKA_AGENTS, VKA_START, Anchor, rule_anchors
from tasks.models import FollowUp, ScheduleRule, UnitSettings
from tasks.schedule import parse, positions
from tasks.services.schedule import Slot, followup_of

if TYPE_CHECKING:
    from django.db.models.expressions import NegatedExpression

log = logging.getLogger(__name__)

LEAD_MONTHS = 12


def lead_months(horizon_months: int) -> int:
    """How close the latest scheduled follow-up of a kind may come before more are made."""
    return min(LEAD_MONTHS, horizon_months // 2)


class AddMonths(Func):
    """`date` + `months` calendar months (clamped to the month's end, as core.dates.add_months
    and PostgreSQL do) + `days` days, in SQL."""

    output_field = DateField()

    def __init__(self, date, months, days: int = 0):
        super().__init__(date, months, Value(days))

    def _compiled(self, compiler):
        parts = [compiler.compile(e) for e in self.source_expressions]
        return [sql for sql, _ in parts], tuple(p for _, params in parts for p in params)

    def as_postgresql(self, compiler, connection, **extra):
        (date, months, days), params = self._compiled(compiler)
        interval = f"make_interval(months => {months}::integer, days => {days}::integer)"
        return f"CAST({date} + {interval} AS date)", params

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite rolls 31 Jan + 1 month over to 2 or 3 March: a few days late at most, which
        # only keeps an episode a candidate a little longer; the locked pass computes exactly.
        (date, months, days), params = self._compiled(compiler)
        return f"date({date}, '+' || {months} || ' months', {days} || ' days')", params


def _min_gap_days(rule: ScheduleRule) -> int:
    """The shortest the rule's repeat can be, in days (a month is at least 28 days)."""
    every = parse(rule.then_every)
    return every.months * 28 + every.days


def _per_course(rule: ScheduleRule) -> bool:
    return rule.vka_only or rule.anchor == VKA_START


def _vka_courses_running_low(rule: ScheduleRule, *, today: dt.date, low: dt.date):
    """The episode's VKA courses whose latest check of `rule` is due before `low` (or that have
    none) and that may still owe one: one more repeat fits before the stop date and before the
    planned end (unless decided to continue), and neither is past a window open today."""
    gap, window = _min_gap_days(rule), rule.window_days
    checks = FollowUp.objects.filter(
        course=OuterRef("pk"), kind=rule.kind, cancelled_at__isnull=True
    )
    courses = AnticoagulationCourse.objects.filter(episode=OuterRef("pk"), agent__in=VKA_AGENTS)
    courses = courses.annotate(
        topup_fits_stop=AddMonths(F("stopped_on"), Value(0), -gap),
        topup_fits_end=AddMonths(F("started_on"), F("planned_duration_months"), -gap),
        topup_ends_on=AddMonths(F("started_on"), F("planned_duration_months"), window),
    )
    return courses.filter(
        ~Exists(checks.filter(due_on__gte=low)),
        Q(stopped_on__isnull=True)
        | (
            Q(stopped_on__gte=today - dt.timedelta(days=window))
            & ~Exists(checks.filter(due_on__gt=OuterRef("topup_fits_stop")))
        ),
        Q(planned_duration_months__isnull=True)
        | Q(end_decision=CourseDecision.CONTINUE)
        | (
            Q(GreaterThanOrEqual(F("topup_ends_on"), today))
            & ~Exists(checks.filter(due_on__gt=OuterRef("topup_fits_end")))
        ),
    )


def _episodes_running_low(*, rules: list[ScheduleRule], today: dt.date, lead: int):
    """Episodes in surveillance with a rule that applies and whose latest open or completed
    follow-up of its kind (of each VKA course, for a VKA-only rule) is due before today + lead
    (or that has none): one query, an anti-join per rule. For a VKA-only rule with a planned
    duration or a stop date, the episode counts only while one more repeat fits before it
    (else it would be found every day)."""
    low = add_months(today, lead)
    episodes = Episode.objects.filter(state=State.SURVEILLANCE)
    conditions: list[Q | Exists | NegatedExpression[Any]] = []
    for rule in rules:
        kind_rows = FollowUp.objects.filter(
            episode=OuterRef("pk"), kind=rule.kind, course__isnull=True, cancelled_at__isnull=True
        )
        if not _per_course(rule):
            conditions.append(~Exists(kind_rows.filter(due_on__gte=low)))
            continue
        if "topup_discharged_on" not in episodes.query.annotations:
            standing_discharge = Transition.objects.filter(
                episode=OuterRef("pk"),
                name="discharge",
                corrects__isnull=True,
                corrected_by__isnull=True,
            ).order_by("-id")
            plan = DischargePlan.objects.filter(episode=OuterRef("pk"))
            vka_courses = AnticoagulationCourse.objects.filter(
                episode=OuterRef("pk"), agent__in=VKA_AGENTS
            )
            episodes = episodes.annotate(
                topup_discharged_on=Subquery(standing_discharge.values("effective_on")[:1]),
                topup_months=Subquery(plan.values("planned_duration_months")[:1]),
                topup_on_vka=Exists(plan.filter(anticoagulant=Anticoagulant.VKA)),
                topup_vka_courses=Exists(vka_courses),
            )
        # A VKA known only from the plan: one more INR check fits in the planned duration while
        # the latest is due on or before its end less one repeat; and none is made once the end
        # is past a window open today.
        fits = f"topup_{rule.kind}_fits_until"
        episodes = episodes.annotate(
            **{fits: AddMonths(F("topup_discharged_on"), F("topup_months"), -_min_gap_days(rule))}
        )
        ends_on = AddMonths(F("topup_discharged_on"), F("topup_months"), rule.window_days)
        plan_only = (
            Q(topup_on_vka=True)
            & Q(topup_vka_courses=False)
            & ~Exists(kind_rows.filter(due_on__gte=low))
            & (
                Q(topup_months__isnull=True)
                | (
                    Q(GreaterThanOrEqual(ends_on, today))
                    & ~Exists(kind_rows.filter(due_on__gt=OuterRef(fits)))
                )
            )
        )
        conditions.append(Exists(_vka_courses_running_low(rule, today=today, low=low)) | plan_only)
    return episodes.filter(reduce(or_, conditions))


@dataclass(frozen=True)
class _Facts:
    """What an episode's next follow-ups are computed from, read under its lock."""

    discharge_id: int
    discharged_on: dt.date
    procedure_on: dt.date | None
    plan: DischargePlan | None
    courses: list[AnticoagulationCourse]
    # (kind, course id or None) -> due date of the latest open or completed follow-up
    latest: dict[tuple[str, int | None], dt.date]


def next_slots(
    rule: ScheduleRule,
    *,
    anchors: list[Anchor],
    discharged_on: dt.date,
    latest: dict[int | None, dt.date],
    today: dt.date,
    horizon: int,
    lead: int,
) -> list[Slot]:
    """The follow-ups of `rule` to create, for each of its anchors (tasks/anchors.py
    rule_anchors), after the latest one scheduled from it (`latest`, by course id): none unless
    that is due before today + lead; else every position of the series due after it, from the
    discharge on, up to today + horizon and not beyond the anchor's end (a VKA course's stop or
    planned end), leaving out those whose window has already closed."""
    slots: dict[tuple, Slot] = {}
    for anchor in anchors:
        last = latest.get(anchor.course_id)
        if last is not None and last >= add_months(today, lead):
            continue
        until = add_months(today, horizon)
        if anchor.ends_on is not None:
            until = min(until, anchor.ends_on)
        for offset, due in positions(anchor.on, rule.first_offsets, rule.then_every, until):
            if due < discharged_on or (last is not None and due <= last):
                continue
            if windows.window(due, rule.window_days).closes_on < today:
                continue
            slot = Slot(rule.kind, anchor.name, offset, due, rule.window_days, anchor.course_id)
            slots.setdefault(slot.key, slot)
    return list(slots.values())


def _facts_of(episode_ids: list[int]) -> dict[int, _Facts]:
    """The standing discharge, the current procedure's date, the discharge plan, the courses
    and the latest follow-up of each kind and course (of the standing discharge) of each
    episode: six queries."""
    moves = Transition.objects.filter(
        episode_id__in=episode_ids,
        name__in=["discharge", "reintervene"],
        corrects__isnull=True,
        corrected_by__isnull=True,
    ).values_list("episode_id", "name", "id", "effective_on")
    last: dict[tuple[int, str], tuple[int, dt.date]] = {}
    for episode_id, name, move_id, effective_on in moves.order_by("id"):
        last[(episode_id, name)] = (move_id, effective_on)
    notes: dict[tuple[int, int | None], dt.date] = {
        (episode_id, reintervention_id): date
        for episode_id, reintervention_id, date in ProcedureNote.objects.filter(
            episode_id__in=episode_ids
        ).values_list("episode_id", "reintervention_id", "date")
    }
    plans = {p.episode_id: p for p in DischargePlan.objects.filter(episode_id__in=episode_ids)}
    courses: dict[int, list[AnticoagulationCourse]] = {}
    for course in AnticoagulationCourse.objects.filter(episode_id__in=episode_ids):
        courses.setdefault(course.episode_id, []).append(course)
    discharges = {e: last[(e, "discharge")] for e in episode_ids if (e, "discharge") in last}
    latest: dict[int, dict[tuple[str, int | None], dt.date]] = {}
    for episode_id, kind, course_id, due_on in (
        FollowUp.objects.filter(
            created_by_id__in=[move_id for move_id, _ in discharges.values()],
            cancelled_at__isnull=True,
        )
        .values("episode_id", "kind", "course_id")
        .annotate(latest=Max("due_on"))
        .values_list("episode_id", "kind", "course_id", "latest")
        .order_by()
    ):
        latest.setdefault(episode_id, {})[(kind, course_id)] = due_on
    facts = {}
    for episode_id, (discharge_id, discharged_on) in discharges.items():
        reintervention = last.get((episode_id, "reintervene"))
        if reintervention is not None and reintervention[0] > discharge_id:
            continue  # not discharged since the re-intervention: no schedule stands
        current = reintervention[0] if reintervention else None
        facts[episode_id] = _Facts(
            discharge_id=discharge_id,
            discharged_on=discharged_on,
            procedure_on=notes.get((episode_id, current)),
            plan=plans.get(episode_id),
            courses=courses.get(episode_id, []),
            latest=latest.get(episode_id, {}),
        )
    return facts


def _top_up_batch(
    episode_ids: list[int], *, rules: list[ScheduleRule], today: dt.date, horizon: int, lead: int
) -> int:
    with transaction.atomic():
        locked = list(
            Episode.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=episode_ids, state=State.SURVEILLANCE)
            .values_list("id", flat=True)
        )
        rows = []
        for episode_id, facts in _facts_of(locked).items():
            for rule in rules:
                anchors = rule_anchors(
                    rule,
                    procedure_on=facts.procedure_on,
                    discharged_on=facts.discharged_on,
                    courses=facts.courses,
                    plan=facts.plan,
                )
                latest = {
                    course: on for (kind, course), on in facts.latest.items() if kind == rule.kind
                }
                for slot in next_slots(
                    rule,
                    anchors=anchors,
                    discharged_on=facts.discharged_on,
                    latest=latest,
                    today=today,
                    horizon=horizon,
                    lead=lead,
                ):
                    rows.append(
                        followup_of(slot, episode_id=episode_id, created_by_id=facts.discharge_id)
                    )
        FollowUp.objects.bulk_create(rows)
    return len(rows)


def followups_top_up(*, today: dt.date | None = None, batch_size: int = 500) -> int:
    """Keep every episode in surveillance scheduled at least `lead_months` ahead (pathway.md
    section 4): create the next repeating follow-ups of the episodes running low, up to
    today + the unit's horizon. Idempotent and safe to run concurrently. Returns how many
    follow-ups were created."""
    today = today or timezone.localdate()
    horizon = UnitSettings.current().horizon_months
    lead = lead_months(horizon)
    rules = list(ScheduleRule.objects.filter(active=True).order_by("id"))
    if not rules:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The correlated anti-joins inflate the planner's cost estimate far above
            # jit_above_cost; compiling the plan took longer than running it (0.6 s of 1 s).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        episode_ids = list(
            _episodes_running_low(rules=rules, today=today, lead=lead)
            .order_by("id")
            .values_list("id", flat=True)
        )
    created = 0
    for start in range(0, len(episode_ids), batch_size):
        created += _top_up_batch(
            episode_ids[start : start + batch_size],
            rules=rules,
            today=today,
            horizon=horizon,
            lead=lead,
        )
    log.info("top-up: %d episode(s) running low, %d follow-up(s) made", len(episode_ids), created)
    return created
