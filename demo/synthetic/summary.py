"""What a synthetic cohort holds, read back from the database: the command prints it and the
tests compare two cohorts by it (no ids: the same seed gives the same summary)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from core.dates import add_months
from demo.synthetic.cohort import mrn_prefix
from pathway.codes import COURSE_CLASS, UNNAMED_AGENTS
from pathway.models import (
    AnticoagulationCourse,
    Complication,
    Episode,
    Measurement,
    Reintervention,
    Transition,
)
from tasks.models import FollowUp, Visit


def cohort_summary(*, seed: int) -> dict:
    """Per state the episodes; the moves (name, effective date) of each patient by MRN; the
    follow-ups completed and open by kind; re-interventions, complications and visits."""
    episodes = Episode.objects.filter(patient__mrn__startswith=mrn_prefix(seed))
    follow_ups = FollowUp.objects.filter(episode__in=episodes)
    moves: dict[str, list] = {}
    for mrn, name, on in (
        Transition.objects.filter(episode__in=episodes)
        .order_by("episode__patient__mrn", "id")
        .values_list("episode__patient__mrn", "name", "effective_on")
    ):
        moves.setdefault(mrn, []).append((name, on.isoformat()))

    def by_kind(rows) -> dict:
        return dict(rows.values_list("kind").annotate(n=Count("id")).order_by("kind"))

    return {
        "states": dict(episodes.values_list("state").annotate(n=Count("id")).order_by("state")),
        "moves": moves,
        "completed": by_kind(follow_ups.filter(completed_at__isnull=False)),
        "open": by_kind(follow_ups.open()),
        "results": sorted(
            follow_ups.filter(completed_at__isnull=False).values_list(
                "episode__patient__mrn", "kind", "performed_on"
            )
        ),
        "reinterventions": Reintervention.objects.filter(move__episode__in=episodes).count(),
        "complications": Complication.objects.filter(episode__in=episodes).count(),
        "visits": Visit.objects.filter(episode__in=episodes).count(),
    }


def journey_summary(*, seed: int, today: dt.date | None = None) -> dict:
    """The anticoagulation journeys of a cohort (pathway.md section 7), in three queries whatever
    its size: episodes bridged to warfarin (and how many stopped the heparin before 5 days
    alongside), on a DOAC or on enoxaparin long term, switched DOAC to warfarin or warfarin to
    a DOAC, finite courses that reached their planned end decided (stop, continue) or not,
    courses a discharge plan made unnamed (none expected: every plan names its course),
    gastrointestinal bleeds, and the episodes with a weight and a creatinine."""
    today = today or timezone.localdate()
    episodes = Episode.objects.filter(patient__mrn__startswith=mrn_prefix(seed))
    by_episode = defaultdict(list)
    courses = AnticoagulationCourse.objects.filter(episode__in=episodes).select_related("episode")
    for course in courses.order_by("started_on", "id"):
        by_episode[course.episode_id].append(course)
    found: defaultdict[str, int] = defaultdict(int)
    for episode_courses in by_episode.values():
        entered = [c for c in episode_courses if c.origin == "entered"]
        warfarin = [c for c in entered if c.agent == "warfarin"]
        bridges = [
            (w, e)
            for w in warfarin
            for e in entered
            if e.agent == "enoxaparin" and abs((e.started_on - w.started_on).days) <= 1
        ]
        found["bridged_to_warfarin"] += bool(bridges)
        found["bridging_stopped_early"] += any(
            e.stopped_on is not None and (e.stopped_on - w.started_on).days + 1 < 5
            for w, e in bridges
        )
        oral = [c for c in entered if COURSE_CLASS[c.agent] in ("vka", "doac")]
        found["on_a_doac"] += any(COURSE_CLASS[c.agent] == "doac" for c in entered)
        found["enoxaparin_long_term"] += any(
            c.agent == "enoxaparin"
            and not any(w.started_on == c.started_on for w in warfarin)
            and (c.stopped_on is None or (c.stopped_on - c.started_on).days > 30)
            for c in entered
        )
        for before, after in zip(oral, oral[1:], strict=False):
            kinds = (COURSE_CLASS[before.agent], COURSE_CLASS[after.agent])
            if kinds == ("doac", "vka"):
                found["switched_doac_to_warfarin"] += 1
            elif kinds == ("vka", "doac"):
                found["switched_warfarin_to_doac"] += 1
        for c in episode_courses:
            found["unnamed_from_plan"] += c.agent in UNNAMED_AGENTS and c.origin == "discharge_plan"
            if c.planned_duration_months is None:
                continue
            found["finite_courses"] += 1
            if add_months(c.started_on, c.planned_duration_months) <= today:
                if c.end_decision:
                    found[f"ended_decided_{c.end_decision}"] += 1
                elif c.stopped_on is None and c.episode.state == "surveillance":
                    found["ended_undecided"] += 1
    found["gastrointestinal_bleeds"] = Complication.objects.filter(
        episode__in=episodes, kind="gastrointestinal_bleeding"
    ).count()
    found["weighed_with_creatinine"] = (
        Measurement.objects.filter(
            episode__in=episodes, weight_kg__isnull=False, creatinine_umol_l__isnull=False
        )
        .values("episode_id")
        .distinct()
        .count()
    )
    return dict(found)
