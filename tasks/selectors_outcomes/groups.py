"""The figures' parts, each from a few grouped queries over the outcome rows, the
complications and the stays (rows in the hundreds, whatever the number of episodes)."""


from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Count, F, OuterRef, Subquery, Value

from pathway import outcomes
from pathway.codes import TERMINAL
from pathway.models import Complication, Episode, ProcedureNote, Transition
from tasks.models import EpisodeOutcome

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


def pts_counts(cohort) -> dict[str, int]:
    counts = dict.fromkeys(outcomes.pts.CATEGORIES, 0)
    for row in cohort.exclude(pts=None).values("pts").annotate(n=Count("pk")).order_by():
        counts[row["pts"]] = row["n"]
    return counts


def anticoagulation(cohort) -> dict:
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
    for row in closed.values("source", "stay_days").annotate(n=Count("id")).order_by():
        stays[row["source"]][row["stay_days"]] += row["n"]
    for row in open_.values("state", "entered_on").annotate(n=Count("id")).order_by():
        stays[row["state"]][(today - row["entered_on"]).days] += row["n"]
    return outcomes.time_in_stage_of_counts(stays)
