"""The outcome figures of pathway.md section 5 for the admin's dashboard.

The facts are read in a fixed number of values() queries, whatever the number of episodes, and
fed to the pure functions of pathway.outcomes. The cohort is the episodes with an index
procedure (the first procedure note), optionally those whose index procedure falls in a date
range and whose underlying lesion (as that note records it) is the one asked for. Time in stage
reads every episode when no filter is given, else the cohort's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from core import roles
from pathway import outcomes
from pathway.codes import DEFAULT_TARGET_INR, Anticoagulant
from pathway.models import Complication, DischargePlan, ProcedureNote, Reintervention, Transition
from pathway.outcomes import Duplex, PatencyFacts, Redo
from tasks.models import DuplexSegmentResult, FollowUp, Visit


def _cohort(procedure_from, procedure_to, lesion):
    index = ProcedureNote.objects.filter(reintervention__isnull=True)
    if procedure_from is not None:
        index = index.filter(date__gte=procedure_from)
    if procedure_to is not None:
        index = index.filter(date__lte=procedure_to)
    if lesion is not None:
        index = index.filter(underlying_lesion=lesion)
    return index.values("episode_id")


def _records(cohort):
    """Performed follow-ups and visits (duplex and INR), with their duplex findings: three
    queries. {(table, id): record dict} where a record has episode, kind, on, result, and
    stenosis/occluded flags from its segment results."""
    records = {}
    follow_ups = FollowUp.objects.filter(
        episode_id__in=cohort, performed_on__isnull=False, cancelled_at__isnull=True
    ).values("id", "episode_id", "kind", "performed_on", "result")
    for row in follow_ups:
        records["f", row["id"]] = row
    for row in Visit.objects.filter(episode_id__in=cohort).values(
        "id", "episode_id", "kind", "performed_on", "result"
    ):
        records["v", row["id"]] = row
    segments = DuplexSegmentResult.objects.filter(
        Q(follow_up__episode_id__in=cohort) | Q(visit__episode_id__in=cohort)
    ).values("follow_up_id", "visit_id", "result")
    for row in segments:
        key = ("f", row["follow_up_id"]) if row["follow_up_id"] else ("v", row["visit_id"])
        record = records.get(key)
        if record is None:
            continue
        record["segments"] = True
        record["stenosis"] = record.get("stenosis", False) or row["result"] == "stenosis"
        record["occluded"] = record.get("occluded", False) or row["result"] == "occluded"
    return records.values()


def _target(plan: dict | None, readings: list[dict]) -> tuple[str, str]:
    """The episode's target range: its discharge plan's, else the one stored with its latest
    reading (the unit's default when it was recorded), else the default."""
    if plan and plan["target_inr_low"] is not None:
        return plan["target_inr_low"], plan["target_inr_high"]
    stored = [r["result"].get("target") for r in readings if r["result"].get("target")]
    return tuple(stored[-1]) if stored else DEFAULT_TARGET_INR


def outcomes_get(
    *,
    actor,
    procedure_from: dt.date | None = None,
    procedure_to: dt.date | None = None,
    lesion: str | None = None,
    today: dt.date | None = None,
) -> dict:
    """{"episodes", "patency", "pts", "complications", "anticoagulation", "time_in_stage"}
    (docs/contract api.md, GET /api/dashboard/outcomes/). Eight queries, plus the role check."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    figures, _ = _outcomes(procedure_from, procedure_to, lesion, today)
    return figures


def _outcomes(procedure_from, procedure_to, lesion, today) -> tuple[dict, list[dict]]:
    """The figures, and each episode's patency (days, event) per form for drawing curves."""
    today = today or timezone.localdate()
    cohort = _cohort(procedure_from, procedure_to, lesion)

    notes = defaultdict(list)  # episode -> its procedure notes, oldest first
    for row in ProcedureNote.objects.filter(episode_id__in=cohort).values(
        "episode_id", "id", "date", "reintervention_id", "completion_patent"
    ):
        notes[row["episode_id"]].append(row)
    time_zero = {
        episode: next(n["date"] for n in rows if n["reintervention_id"] is None)
        for episode, rows in notes.items()
    }
    note_of_move = {n["reintervention_id"]: n for rows in notes.values() for n in rows}

    redos = defaultdict(list)
    for row in Reintervention.objects.filter(
        move__episode_id__in=cohort, move__corrected_by__isnull=True
    ).values("move_id", "move__episode_id", "move__effective_on", "cause"):
        note = note_of_move.get(row["move_id"])
        redos[row["move__episode_id"]].append(
            Redo(
                on=row["move__effective_on"],
                cause=row["cause"],
                reopened=note["completion_patent"] if note else None,
                note_on=note["date"] if note else None,
            )
        )

    duplexes, villalta, inr = defaultdict(list), defaultdict(list), defaultdict(list)
    for record in sorted(_records(cohort), key=lambda r: (r["performed_on"], r["id"])):
        episode, result = record["episode_id"], record["result"] or {}
        if record.get("segments"):
            duplexes[episode].append(
                Duplex(record["performed_on"], record["stenosis"], record["occluded"])
            )
        if result.get("villalta"):
            villalta[episode].append((record["performed_on"], result["villalta"]))
        if record["kind"] == "inr_check" and result.get("inr") is not None:
            inr[episode].append(record)

    complications = defaultdict(list)
    for row in Complication.objects.filter(episode_id__in=cohort).values(
        "episode_id", "kind", "occurred_on"
    ):
        complications[row["episode_id"]].append((row["kind"], row["occurred_on"]))

    plans = {
        row["episode_id"]: row
        for row in DischargePlan.objects.filter(episode_id__in=cohort).values(
            "episode_id", "anticoagulant", "target_inr_low", "target_inr_high"
        )
    }

    # Time in stage: every episode when no filter is given (stages before any procedure too),
    # else the cohort's.
    filtered = any(v is not None for v in (procedure_from, procedure_to, lesion))
    standing = Transition.objects.filter(corrects__isnull=True, corrected_by__isnull=True)
    if filtered:
        standing = standing.filter(episode_id__in=cohort)
    moves = defaultdict(list)
    for row in standing.order_by("id").values("episode_id", "target", "effective_on"):
        moves[row["episode_id"]].append((row["target"], row["effective_on"]))

    episodes = sorted(time_zero)
    per_episode = [
        outcomes.patency(PatencyFacts(time_zero[e], tuple(duplexes[e]), tuple(redos[e])))
        for e in episodes
    ]
    ttrs = {}
    for e in episodes:
        plan = plans.get(e)
        if plan and plan["anticoagulant"] == Anticoagulant.VKA:
            low, high = _target(plan, inr[e])
            readings = [(r["performed_on"], r["result"]["inr"]) for r in inr[e]]
            ttrs[e] = outcomes.rosendaal_ttr(readings, low, high)
    figures = {
        "episodes": len(episodes),
        "patency": outcomes.km_summary(per_episode),
        "pts": outcomes.pts_counts((time_zero[e], villalta[e]) for e in episodes),
        "complications": outcomes.complication_rates(
            ([n["date"] for n in notes[e]], complications[e]) for e in episodes
        ),
        "anticoagulation": outcomes.ttr_summary(ttrs),
        "time_in_stage": outcomes.time_in_stage(moves.values(), today),
    }
    return figures, per_episode


# --- the full Kaplan-Meier curves, for drawing (the outcomes page) -----------------------------
CURVE_POINTS = 300  # at most this many steps per curve: charts stay small


def _km_curve(observations, points: int = CURVE_POINTS) -> dict[str, list]:
    """The step curve of lifelines' KaplanMeierFitter with its 95% log-log band, as plain lists
    {"days", "estimate", "ci_low", "ci_high"} (fractions), thinned to at most `points` steps
    (the first and last kept); empty lists with no episodes."""
    observations = list(observations)
    if not observations:
        return {"days": [], "estimate": [], "ci_low": [], "ci_high": []}
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(
        [days for days, _ in observations], [bool(e) for _, e in observations]
    )
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_
    index = list(range(len(curve)))
    if len(index) > points:
        step = len(index) / (points - 1)
        index = sorted({int(i * step) for i in range(points - 1)} | {len(curve) - 1})

    def number(value):
        value = float(value)
        return None if math.isnan(value) else round(value, 4)

    return {
        "days": [float(curve.index[i]) for i in index],
        "estimate": [number(curve.iloc[i]) for i in index],
        "ci_low": [number(band.iloc[i, 0]) for i in index],
        "ci_high": [number(band.iloc[i, 1]) for i in index],
    }


def outcome_curves_get(
    *,
    actor,
    procedure_from: dt.date | None = None,
    procedure_to: dt.date | None = None,
    lesion: str | None = None,
    today: dt.date | None = None,
) -> dict:
    """outcomes_get's figures plus "curves": {form: _km_curve} for each patency form, to draw
    the curves the summary reports at 6, 12 and 24 months, from the same loaded facts."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    figures, per_episode = _outcomes(procedure_from, procedure_to, lesion, today)
    figures["curves"] = {form: _km_curve([p[form] for p in per_episode]) for form in outcomes.FORMS}
    return figures
