"""The outcome figures of pathway.md section 5 for the admin's dashboard.

The cohort is the episodes with an index procedure (the first procedure note), optionally those
whose index procedure falls in a date range and whose underlying lesion (as that note records
it) is the one asked for. Each episode's facts are reduced once, when they change, into its
EpisodeOutcome row (tasks.services.outcomes); here SQL groups those rows (patency by day and
event, PTS by category) and the pure functions of pathway.outcomes take the groups: lifelines
fits each patency form on at most one row per day and outcome, weighted by its count. Time in
stage groups the stays each standing move recorded and the open stays by their start. A fixed
number of queries, and rows in the hundreds, whatever the number of episodes.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
from collections import defaultdict

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.utils import timezone

from core import roles
from pathway import outcomes
from pathway.codes import TERMINAL
from pathway.models import Complication, DischargePlan, Episode, ProcedureNote, Transition
from tasks.models import EpisodeOutcome, FollowUp, Visit

TTR_BANDS = tuple(range(0, 100, 10))  # 0-10, 10-20, ... 90-100 (100 falls in the last)


def _cohort(procedure_from, procedure_to, lesion):
    cohort = EpisodeOutcome.objects.all()
    if procedure_from is not None:
        cohort = cohort.filter(time_zero__gte=procedure_from)
    if procedure_to is not None:
        cohort = cohort.filter(time_zero__lte=procedure_to)
    if lesion is not None:
        cohort = cohort.filter(lesion=lesion)
    return cohort


def _patency_groups(cohort) -> dict[str, list[tuple[int, bool, int]]]:
    """{form: [(days, event, episodes)]}, the three forms grouped in one query."""

    def grouped(form):
        return (
            cohort.annotate(
                form=Value(form), days=F(f"{form}_days"), event=F(f"{form}_event")
            )
            .values("form", "days", "event")
            .annotate(n=Count("pk"))
            .order_by()
        )

    first, *rest = (grouped(form) for form in outcomes.FORMS)
    groups = defaultdict(list)
    for row in first.union(*rest, all=True):
        groups[row["form"]].append((row["days"], bool(row["event"]), row["n"]))
    return {form: sorted(groups[form]) for form in outcomes.FORMS}


def _pts(cohort) -> dict[str, int]:
    counts = dict.fromkeys(outcomes.pts.CATEGORIES, 0)
    for row in cohort.exclude(pts=None).values("pts").annotate(n=Count("pk")).order_by():
        counts[row["pts"]] = row["n"]
    return counts


def _anticoagulation(cohort) -> dict:
    """The VKA episodes' TTRs: median, share >= 65%, and how many fall in each 10% band."""
    known = list(cohort.filter(vka=True).exclude(ttr=None).values_list("ttr", flat=True))
    summary = outcomes.ttr_figures(known)
    bands = dict.fromkeys(TTR_BANDS, 0)
    for ttr in known:
        bands[min(90, 10 * math.floor(ttr / 10))] += 1
    summary["distribution"] = [
        {"from_pct": start, "to_pct": start + 10, "patients": n} for start, n in bands.items()
    ]
    return summary


def _complications(cohort, episodes: int) -> dict:
    """One query: the cohort's complications, each with the date of the procedure it follows
    (the latest note dated on or before it; early within 30 days of that one)."""
    follows = (
        ProcedureNote.objects.filter(
            episode_id=OuterRef("episode_id"), date__lte=OuterRef("occurred_on")
        )
        .order_by("-date", "-id")
        .values("date")[:1]
    )
    per_episode = defaultdict(lambda: ([], []))
    for episode, kind, on, after in (
        Complication.objects.filter(episode_id__in=cohort.values("episode_id"))
        .annotate(follows_on=Subquery(follows))
        .values_list("episode_id", "kind", "occurred_on", "follows_on")
    ):
        dates, complications = per_episode[episode]
        dates.extend([after] if after else [])
        complications.append((kind, on))
    return outcomes.complication_rates(per_episode.values(), n=episodes)


def _time_in_stage(cohort, filtered: bool, today: dt.date) -> dict:
    """Closed stays as their moves recorded them, open stays from each open episode's
    entered_on: two grouped queries. Every episode when no filter is given (stages before any
    procedure too), else the cohort's."""
    undone = Transition.objects.filter(corrects__isnull=False).values("corrects_id")
    closed = Transition.objects.filter(corrects__isnull=True, stay_days__isnull=False).exclude(
        id__in=undone
    )
    open_ = Episode.objects.exclude(state__in=TERMINAL).exclude(entered_on=None)
    if filtered:
        closed = closed.filter(episode_id__in=cohort.values("episode_id"))
        open_ = open_.filter(id__in=cohort.values("episode_id"))
    stays: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in closed.values("source", "stay_days").annotate(n=Count("id")).order_by():
        stays[row["source"]][row["stay_days"]] += row["n"]
    for row in open_.values("state", "entered_on").annotate(n=Count("id")).order_by():
        stays[row["state"]][(today - row["entered_on"]).days] += row["n"]
    return outcomes.time_in_stage_of_counts(stays)


# --- the figures, kept while the facts they are made of stand --------------------------------
# Every write that can change a figure appends a row to one of these append-only tables: a move
# (with its re-intervention) to the history, a record's write to its revision table (a result is
# its follow-up's or visit's revision; stents and segment results are parts of their note's or
# result's). The newest row of each, read in one query of index look-ups, names the state of the
# facts; figures computed for that state, that day and those filters are kept in the cache.
FACT_TABLES = (
    (Transition, "id"),
    (ProcedureNote.history.model, "history_id"),
    (DischargePlan.history.model, "history_id"),
    (Complication.history.model, "history_id"),
    (FollowUp.history.model, "history_id"),
    (Visit.history.model, "history_id"),
)
CACHE_SECONDS = 3600


def facts_version() -> tuple:
    """The newest row of each table in FACT_TABLES (None where a table is empty), and the
    newest outcome row (a rebuild rewrites them)."""
    newest = [(model._meta.db_table, pk) for model, pk in FACT_TABLES]
    newest.append((EpisodeOutcome._meta.db_table, "reduced_at"))
    columns = ", ".join(f"(SELECT MAX({column}) FROM {table})" for table, column in newest)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")  # noqa: S608 - names from the models, no input
        return tuple(cursor.fetchone())


def _outcomes(procedure_from, procedure_to, lesion, today) -> tuple[dict, dict]:
    """The figures and each patency form's grouped observations (for drawing curves): from the
    cache while no fact has changed since they were computed, else computed (and kept)."""
    today = today or timezone.localdate()
    state = (procedure_from, procedure_to, lesion, today, *facts_version())
    key = "outcomes:" + hashlib.sha256(repr(state).encode()).hexdigest()
    kept = cache.get(key)
    if kept is None:
        kept = _computed(procedure_from, procedure_to, lesion, today)
        cache.set(key, kept, CACHE_SECONDS)
    return copy.deepcopy(kept)


def _computed(procedure_from, procedure_to, lesion, today: dt.date) -> tuple[dict, dict]:
    cohort = _cohort(procedure_from, procedure_to, lesion)
    patency = _patency_groups(cohort)
    episodes = sum(n for _, _, n in patency[outcomes.FORMS[0]])
    filtered = any(v is not None for v in (procedure_from, procedure_to, lesion))
    figures = {
        "episodes": episodes,
        "patency": {form: outcomes.km_table(patency[form]) for form in outcomes.FORMS},
        "pts": _pts(cohort),
        "complications": _complications(cohort, episodes),
        "anticoagulation": _anticoagulation(cohort),
        "time_in_stage": _time_in_stage(cohort, filtered, today),
    }
    return figures, patency


def outcomes_get(
    *,
    actor,
    procedure_from: dt.date | None = None,
    procedure_to: dt.date | None = None,
    lesion: str | None = None,
    today: dt.date | None = None,
) -> dict:
    """{"episodes", "patency", "pts", "complications", "anticoagulation", "time_in_stage"}
    (docs/contract api.md, GET /api/dashboard/outcomes/). One query of the facts' version,
    then the figures kept for it or seven queries to compute them, plus the role check."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    figures, _ = _outcomes(procedure_from, procedure_to, lesion, today)
    return figures


# --- the full Kaplan-Meier curves, for drawing (the outcomes page) -----------------------------
CURVE_POINTS = 300  # at most this many steps per curve: charts stay small


def _km_curve(observations, points: int = CURVE_POINTS) -> dict[str, list]:
    """The step curve of lifelines' KaplanMeierFitter with its 95% log-log band, as plain lists
    {"days", "estimate", "ci_low", "ci_high"} (fractions), thinned to at most `points` steps
    (the first and last kept); empty lists with no episodes. Observations as km_table's."""
    observations = [o for o in outcomes.km.weighted(observations) if o[2] > 0]
    if not observations:
        return {"days": [], "estimate": [], "ci_low": [], "ci_high": []}
    fitter = outcomes.fitted(observations)
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
    the curves the summary reports at 6, 12 and 24 months, from the same grouped facts."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    figures, patency = _outcomes(procedure_from, procedure_to, lesion, today)
    figures["curves"] = {form: _km_curve(patency[form]) for form in outcomes.FORMS}
    return figures
