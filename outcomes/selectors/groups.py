"""The figures' parts from the counts kept in the database (outcomes.services.counts): each part
one query summing the bucket counts (month of time zero, lesion) that the filters take whole,
with the shares of the episodes of the partial months at the ends of a date range. Rows in the
thousands, whatever the number of episodes; the median TTR alone reads the outcome rows (the
middle one or two of an index).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from django.db import connection
from django.db.models import Q

from outcomes import maths
from outcomes.models import EpisodeOutcome
from pathway.codes import ACTIVE, ComplicationKind
from pathway.villalta import PTS_CATEGORIES

TTR_BANDS = tuple(range(0, 100, 10))  # 0-10, 10-20, ... 90-100 (100 falls in the last)
Filters = tuple  # (procedure_from, procedure_to, lesion)


def cohort_of(procedure_from, procedure_to, lesion):
    cohort = EpisodeOutcome.objects.all()
    if procedure_from is not None:
        cohort = cohort.filter(time_zero__gte=procedure_from)
    if procedure_to is not None:
        cohort = cohort.filter(time_zero__lte=procedure_to)
    if lesion is not None:
        cohort = cohort.filter(lesion=lesion)
    return cohort


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _buckets(filters: Filters) -> tuple[str, list, list[tuple[str, list]]]:
    """(where, params) of the bucket counts the filters take whole (the months from the first
    whole one after procedure_from to the last whole one before procedure_to), and one (where,
    params) of shares per range of days left at the ends: each read from the shares' index
    alone (an OR of the two ranges read the table)."""
    start, end, lesion = filters
    if start is None and end is None and lesion is None:
        return "true", [], []
    where, params = ['"month" IS NOT NULL'], []
    if lesion is not None:
        where.append('"lesion" = %s')
        params.append(lesion)
    first = None if start is None else (start if start.day == 1 else _next_month(start))
    after = None  # the month after the last whole one
    if end is not None:
        month_end = _next_month(end) - dt.timedelta(days=1) == end
        after = _next_month(end) if month_end else end.replace(day=1)
    edges: list[tuple[dt.date, dt.date]] = []
    if first is not None and after is not None and first >= after:
        where.append("false")
        edges.append((start, end))
    else:
        if first is not None:
            where.append('"month" >= %s')
            params.append(first)
            if first != start:
                edges.append((start, first - dt.timedelta(days=1)))
        if after is not None:
            where.append('"month" < %s')
            params.append(after)
            if after <= end:
                edges.append((after, end))
    lesion_is = ' AND "lesion" = %s' if lesion is not None else ""
    shares = [
        (
            f'"time_zero" IS NOT NULL AND "time_zero" BETWEEN %s AND %s{lesion_is}',
            [low, high, *([lesion] if lesion is not None else [])],
        )
        for low, high in edges
    ]
    return " AND ".join(where), params, shares


def _counted(filters: Filters, parts: tuple[str, ...]) -> list[tuple[str, str, int | None, int]]:
    """(part, label, days, n) of the outcome counts of these parts in the cohort."""
    where, params, shares = _buckets(filters)
    sql = (
        'SELECT "part", "label", "days", "n" FROM "outcomes_episodeoutcomecount" '
        f'WHERE "part" = ANY(%s) AND {where}'
    )
    params = [list(parts), *params]
    for edge, edge_params in shares:
        sql += (
            ' UNION ALL SELECT "part", "label", "days", "n" FROM "outcomes_episodeshare" '
            f'WHERE "part" = ANY(%s) AND {edge}'
        )
        params += [list(parts), *edge_params]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "part", "label", "days", SUM("n") FROM ({sql}) c '
            'GROUP BY "part", "label", "days" HAVING SUM("n") <> 0',
            params,
        )
        return cursor.fetchall()


def patency_groups_pts_and_ttr(
    filters: Filters, some: bool = True
) -> tuple[dict, dict[str, int], dict]:
    """{form: [(days, event, episodes)]}, PTS by category, and the VKA episodes' TTRs (median,
    share >= 65%, how many fall in each 10% band): the counts in one query, the median from
    the TTR index (the middle one or two of them). None of them without `some` outcome row."""
    groups: defaultdict[str, list] = defaultdict(list)
    pts = dict.fromkeys(PTS_CATEGORIES, 0)
    bands, good = dict.fromkeys(TTR_BANDS, 0), 0
    counted = _counted(filters, (*maths.FORMS, "pts", "ttr_band", "ttr_good")) if some else []
    for part, label, days, n in counted:
        if part in maths.FORMS:
            groups[part].append((days, label == "event", int(n)))
        elif part == "pts":
            pts[label] = int(n)
        elif part == "ttr_band":
            bands[int(days or 0)] = int(n)  # a band always has its start
        else:
            good = int(n)
    patients = sum(bands.values())
    middle = []
    if patients:
        known = Q(vka=True, ttr__isnull=False)
        ordered = cohort_of(*filters).filter(known).order_by("ttr").values_list("ttr", flat=True)
        middle = list(ordered[(patients - 1) // 2 : patients // 2 + 1])
    ttr = maths.ttr_figures_of(patients, statistics.median(middle) if middle else None, good)
    ttr["distribution"] = [
        {"from_pct": start, "to_pct": start + 10, "patients": bands[start]} for start in TTR_BANDS
    ]
    return {form: sorted(groups[form]) for form in maths.FORMS}, pts, ttr


def complication_rates(filters: Filters, episodes: int) -> dict:
    """One query: the cohort's episodes with a complication of each kind, early (within 30
    days of the procedure it follows: the latest note dated on or before it) or late."""
    counts = {(part, label): int(n) for part, label, _, n in _counted(filters, ("early", "late"))}
    return maths.complication_rates_of(counts, episodes, kinds=ComplicationKind.values)


def time_in_stage(filters: Filters, today: dt.date) -> dict:
    """Closed stays as their moves recorded them, open stays from each open episode's
    entered_on: one query of their counts. Every episode when no filter is given (stages
    before any procedure too), else the cohort's."""
    where, params, shares = _buckets(filters)
    sql = f'SELECT "state", "stay_days", "entered_on", "n" FROM "outcomes_staycount" WHERE {where}'
    for edge, edge_params in shares:
        sql += (
            ' UNION ALL SELECT "label", "days", "since", "n" FROM "outcomes_episodeshare" '
            f"WHERE \"part\" IN ('stay', 'open') AND {edge}"
        )
        params += edge_params
    stays: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "state", "stay_days", "entered_on", SUM("n") FROM ({sql}) c '
            'GROUP BY "state", "stay_days", "entered_on" HAVING SUM("n") <> 0',
            params,
        )
        for state, days, entered_on, n in cursor.fetchall():
            days = days if entered_on is None else (today - entered_on).days
            stays[state][days] += int(n)
    return maths.time_in_stage_of_counts(stays, [state.value for state in ACTIVE])
