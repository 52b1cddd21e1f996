"""What finishing surveillance depends on (pathway.md section 6, the `surveillance_finished`
guard): the urgent-result alerts nobody has resolved, and the stented segments the latest duplex
shows failing. They are rows of the tasks app, read through the episode's reverse relations so
that this app never imports it; for many episodes at once in a fixed number of queries (the
worklist and the episode view read them for every episode in surveillance they show), or one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, Subquery

from pathway.models.episode import Episode
from pathway.models.procedure import StentSegment

FAILED_RESULTS = ("stenosis", "occluded")
Failures = tuple[dt.date, list[tuple[str, str]]]


def _model(relation: str):
    return Episode._meta.get_field(relation).related_model


def urgent_result_alerts(episode_ids) -> dict[int, list]:
    """Each episode's unresolved urgent-result alerts (not their escalations), oldest first,
    with what raised them loaded: one query."""
    alerts = _model("alerts").objects.filter(
        episode_id__in=episode_ids,
        kind="urgent_result",
        escalates__isnull=True,
        resolved_at__isnull=True,
    )
    found: dict[int, list] = {episode_id: [] for episode_id in episode_ids}
    for alert in alerts.select_related("follow_up", "visit", "postop_check").order_by("id"):
        found[alert.episode_id].append(alert)
    return found


def _latest(rows, prefix: str):
    """The latest (day done, time recorded, id) of a kind of duplex, as a subquery each."""
    latest = rows.order_by("-performed_on", f"-{prefix}", "-id")
    return {
        f"{prefix}_id": Subquery(latest.values("id")[:1]),
        f"{prefix}_on": Subquery(latest.values("performed_on")[:1]),
        f"{prefix}_time": Subquery(latest.values(prefix)[:1]),
    }


def latest_duplex_failures(episode_ids) -> dict[int, Failures | None]:
    """Each episode's latest duplex (a scheduled follow-up or an unscheduled visit, by the day
    it was done, then when it was recorded) as its day and the segments stented in the episode
    it shows with stenosis or occlusion (none: an empty list); None without a duplex. Two
    queries."""
    follow_ups, visits = _model("follow_ups"), _model("visits")
    duplex_follow_ups = follow_ups.objects.filter(
        episode=OuterRef("pk"), kind="duplex", completed_at__isnull=False
    )
    duplex_visits = visits.objects.filter(episode=OuterRef("pk"), kind="duplex")
    picks = Episode.objects.filter(id__in=episode_ids).annotate(
        **_latest(duplex_follow_ups, "completed_at"), **_latest(duplex_visits, "recorded_at")
    )
    latest: dict[int, tuple] = {}
    for row in cast("Iterable[Mapping[str, Any]]", picks.values()):  # annotations, read by name
        done = [
            (row[f"{prefix}_on"], row[f"{prefix}_time"], source, row[f"{prefix}_id"])
            for prefix, source in (("completed_at", "follow_up"), ("recorded_at", "visit"))
            if row[f"{prefix}_id"] is not None
        ]
        if done:
            latest[row["id"]] = max(done)
    found: dict[int, Failures | None] = dict.fromkeys(episode_ids)
    if not latest:
        return found
    by_source = {(source, pick): episode_id for episode_id, (*_, source, pick) in latest.items()}
    for episode_id, (on, *_) in latest.items():
        found[episode_id] = (on, [])

    def stented(source: str):
        spans = StentSegment.of_episode(OuterRef(f"{source}__episode_id"))
        return Exists(spans.filter(segment=OuterRef("segment")))

    segments = follow_ups._meta.get_field("segments").related_model.objects.filter(
        Q(follow_up_id__in=[p for s, p in by_source if s == "follow_up"]) & stented("follow_up")
        | Q(visit_id__in=[p for s, p in by_source if s == "visit"]) & stented("visit"),
        result__in=FAILED_RESULTS,
    )
    for follow_up_id, visit_id, segment, result in segments.order_by("segment").values_list(
        "follow_up_id", "visit_id", "segment", "result"
    ):
        key = ("follow_up", follow_up_id) if follow_up_id else ("visit", visit_id)
        found[by_source[key]][1].append((segment, result))  # type: ignore[index]  # set above
    return found
