"""The figures' parts, each from a few grouped queries over the outcome rows, the
complications and the stays (rows in the hundreds, whatever the number of episodes)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery, Value

from outcomes import maths
from outcomes.models import EpisodeOutcome
from pathway.codes import ACTIVE, EARLY_DAYS, TERMINAL, ComplicationKind
from pathway.models import Complication, Episode, ProcedureNote, Transition
from pathway.villalta import PTS_CATEGORIES

TTR_BANDS = tuple(range(0, 100, 10))  # 0-10, 10-20, ... 90-100 (100 falls in the last)


def cohort_of(procedure_from, procedure_to, lesion):
    cohort = EpisodeOutcome.objects.all()
    if procedure_from is not None:
        cohort = cohort.filter(time_zero__gte=procedure_from)
    if procedure_to is not None:
        cohort = cohort.filter(time_zero__lte=procedure_to)
    if lesion is not None:
        cohort = cohort.filter(lesion=lesion)
    return cohort


def patency_groups(cohort) -> dict[str, list[tuple[int, bool, int]]]:
    """{form: [(days, event, episodes)]}, the three forms grouped in one query."""

    def grouped(form):
        return (
            cohort.annotate(form=Value(form), days=F(f"{form}_days"), event=F(f"{form}_event"))
            .values("form", "days", "event")
            .annotate(n=Count("pk"))
            .order_by()
        )

    first, *rest = (grouped(form) for form in maths.FORMS)
    groups = defaultdict(list)
    for row in first.union(*rest, all=True):
        groups[row["form"]].append((row["days"], bool(row["event"]), row["n"]))
    return {form: sorted(groups[form]) for form in maths.FORMS}


def _ttr_band(start: int) -> Q:
    """The TTRs of the band from `start`: 10 points wide, the first from below 0 and the last
    up to 100 and beyond (as min(90, 10 floor(ttr / 10)))."""
    band = Q(ttr__gte=start) if start > TTR_BANDS[0] else Q()
    return band & Q(ttr__lt=start + 10) if start < TTR_BANDS[-1] else band


def pts_and_ttr(cohort) -> tuple[dict[str, int], dict]:
    """PTS by category, and the VKA episodes' TTRs (median, share >= 65%, how many fall in each
    10% band): the counts in one scan of the rows, the median from the TTR index (the middle
    one or two of them). Two queries, none returning more than two rows."""
    known = Q(vka=True, ttr__isnull=False)
    counts = cohort.aggregate(
        **{f"pts_{c}": Count("pk", filter=Q(pts=c)) for c in PTS_CATEGORIES},
        patients=Count("pk", filter=known),
        good=Count("pk", filter=known & Q(ttr__gte=maths.GOOD_TTR)),
        **{f"band_{start}": Count("pk", filter=known & _ttr_band(start)) for start in TTR_BANDS},
    )
    patients = counts["patients"]
    middle = []
    if patients:
        ordered = cohort.filter(known).order_by("ttr").values_list("ttr", flat=True)
        middle = list(ordered[(patients - 1) // 2 : patients // 2 + 1])
    ttr = maths.ttr_figures_of(
        patients, statistics.median(middle) if middle else None, counts["good"]
    )
    ttr["distribution"] = [
        {"from_pct": start, "to_pct": start + 10, "patients": counts[f"band_{start}"]}
        for start in TTR_BANDS
    ]
    return {c: counts[f"pts_{c}"] for c in PTS_CATEGORIES}, ttr


def complication_rates(cohort, episodes: int) -> dict:
    """One query: the cohort's complications, each with the date of the procedure it follows
    (the latest note dated on or before it; early within 30 days of that one)."""
    follows = (
        ProcedureNote.objects.filter(
            episode_id=OuterRef("episode_id"), date__lte=OuterRef("occurred_on")
        )
        .order_by("-date", "-id")
        .values("date")[:1]
    )
    per_episode: defaultdict[int, tuple[list[Any], list[Any]]] = defaultdict(lambda: ([], []))
    for episode, kind, on, after in (
        Complication.objects.filter(episode_id__in=cohort.values("episode_id"))
        .annotate(follows_on=Subquery(follows))
        .values_list("episode_id", "kind", "occurred_on", "follows_on")
    ):
        dates, complications = per_episode[episode]
        dates.extend([after] if after else [])
        complications.append((kind, on))
    return maths.complication_rates(
        per_episode.values(), n=episodes, kinds=ComplicationKind.values, early_days=EARLY_DAYS
    )


def time_in_stage(cohort, filtered: bool, today: dt.date) -> dict:
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
    for stay in closed.values("source", "stay_days").annotate(n=Count("id")).order_by():
        stays[stay["source"]][stay["stay_days"]] += stay["n"]  # type: ignore[index]  # not null
    for still in open_.values("state", "entered_on").annotate(n=Count("id")).order_by():
        stays[still["state"]][(today - still["entered_on"]).days] += still["n"]  # type: ignore[operator]  # not null
    return maths.time_in_stage_of_counts(stays, [state.value for state in ACTIVE])
