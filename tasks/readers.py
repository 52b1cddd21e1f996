"""What the pathway shows and judges of this app's rows, read here: each fact's reader,
registered by TasksConfig.ready() through pathway/hooks.py. The pathway asks for a fact by name
and gets plain values back (or, for the worklist, subqueries of episode ids), so it reads no
table of this app and imports none of it; each reader costs the queries the pathway's own read
did, a fixed number whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.utils import timezone

from pathway import hooks, labels, wording
from pathway.hooks import Failures, InrResult, OpenFollowUp, UrgentFinding
from pathway.models import Episode, StentSegment
from pathway.selectors.timeline import Entry, start_of
from tasks.models import Alert, DuplexSegmentResult, FollowUp, Kind, Visit

FAILED_RESULTS = ("stenosis", "occluded")


@hooks.provides("follow_ups_owed")
def follow_ups_owed(*, episode_ids, today: dt.date) -> dict[int, int]:
    """How many follow-ups each episode owes today (due or overdue): one query."""
    rows = (
        FollowUp.objects.owed(today=today)
        .filter(episode_id__in=episode_ids)
        .values("episode_id")
        .annotate(n=Count("id"))
    )
    found = dict.fromkeys(episode_ids, 0)
    found.update({r["episode_id"]: r["n"] for r in rows})
    return found


def _source(alert: Alert) -> str:
    """Where an urgent finding was made, in words."""
    if alert.follow_up_id:
        fu = alert.follow_up
        assert fu is not None  # the id says so
        return f"{fu.get_kind_display()} of {fu.performed_on or fu.due_on}"
    if alert.visit_id:
        visit = alert.visit
        assert visit is not None  # the id says so
        return f"{visit.get_kind_display()} of {visit.performed_on}, unscheduled"
    check = alert.postop_check
    assert check is not None  # an urgent finding is a follow-up's, a visit's or a check's
    at = timezone.localtime(check.at)
    return f"Post-op check at {at:%Y-%m-%d %H:%M}"


@hooks.provides("urgent_findings")
def urgent_findings(*, episode_ids) -> dict[int, list[UrgentFinding]]:
    """Each episode's unresolved urgent-result alerts (not their escalations), oldest first,
    with what raised them: one query."""
    alerts = Alert.objects.filter(
        episode_id__in=episode_ids,
        kind="urgent_result",
        escalates__isnull=True,
        resolved_at__isnull=True,
    )
    found: dict[int, list[UrgentFinding]] = {episode_id: [] for episode_id in episode_ids}
    for alert in alerts.select_related("follow_up", "visit", "postop_check").order_by("id"):
        found[alert.episode_id].append(
            UrgentFinding(
                finding=(alert.follow_up_id, alert.visit_id, alert.postop_check_id),
                acknowledged=bool(alert.acknowledged_at),
                text=(alert.finding or {}).get("text"),
                source=_source(alert),
            )
        )
    return found


def _latest(rows, prefix: str):
    """The latest (day done, time recorded, id) of a kind of duplex, as a subquery each."""
    latest = rows.order_by("-performed_on", f"-{prefix}", "-id")
    return {
        f"{prefix}_id": Subquery(latest.values("id")[:1]),
        f"{prefix}_on": Subquery(latest.values("performed_on")[:1]),
        f"{prefix}_time": Subquery(latest.values(prefix)[:1]),
    }


@hooks.provides("duplex_failures")
def latest_duplex_failures(*, episode_ids) -> dict[int, Failures | None]:
    """Each episode's latest duplex (a scheduled follow-up or an unscheduled visit, by the day
    it was done, then when it was recorded) as its day and the segments stented in the episode
    it shows with stenosis or occlusion (none: an empty list); None without a duplex. Two
    queries."""
    duplex_follow_ups = FollowUp.objects.filter(
        episode=OuterRef("pk"), kind="duplex", completed_at__isnull=False
    )
    duplex_visits = Visit.objects.filter(episode=OuterRef("pk"), kind="duplex")
    picks = Episode.objects.filter(id__in=episode_ids).annotate(
        **_latest(duplex_follow_ups, "completed_at"), **_latest(duplex_visits, "recorded_at")
    )
    latest: dict[int, tuple] = {}
    for row in picks.values():
        done = [
            (row[f"{prefix}_on"], row[f"{prefix}_time"], source, row[f"{prefix}_id"])  # type: ignore[literal-required]  # annotated names
            for prefix, source in (("completed_at", "follow_up"), ("recorded_at", "visit"))
            if row[f"{prefix}_id"] is not None  # type: ignore[literal-required]
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

    segments = DuplexSegmentResult.objects.filter(
        Q(follow_up_id__in=[p for s, p in by_source if s == "follow_up"]) & stented("follow_up")
        | Q(visit_id__in=[p for s, p in by_source if s == "visit"]) & stented("visit"),
        result__in=FAILED_RESULTS,
    )
    for follow_up_id, visit_id, segment, result in segments.order_by("segment").values_list(
        "follow_up_id", "visit_id", "segment", "result"
    ):
        key = ("follow_up", follow_up_id) if follow_up_id else ("visit", visit_id)
        failures = found[by_source[key]]
        assert failures is not None  # set above for every latest duplex
        failures[1].append((segment, result))
    return found


@hooks.provides("inr_results")
def inr_results(*, episode_ids) -> dict[int, list[InrResult]]:
    """Each episode's INR results: its performed, uncancelled INR checks and its INR visits,
    by day done (then follow-ups before visits, by id). One query (a UNION ALL)."""
    fields = ("episode_id", "source", "id", "performed_on", "result")
    source = {name: Value(name, output_field=CharField()) for name in ("follow_up", "visit")}
    checks = (
        FollowUp.objects.filter(
            episode_id__in=episode_ids,
            kind=Kind.INR_CHECK,
            performed_on__isnull=False,
            cancelled_at__isnull=True,
        )
        .annotate(source=source["follow_up"])
        .values_list(*fields)
    )
    visits = (
        Visit.objects.filter(episode_id__in=episode_ids, kind=Kind.INR_CHECK)
        .annotate(source=source["visit"])
        .values_list(*fields)
    )
    found: dict[int, list[InrResult]] = {episode_id: [] for episode_id in episode_ids}
    for episode_id, *row in checks.order_by().union(visits.order_by(), all=True):
        found[episode_id].append(InrResult(*row))
    for rows in found.values():
        rows.sort(key=lambda r: (r.performed_on, r.source, r.id))
    return found


def _open(follow_up: FollowUp, today: dt.date) -> OpenFollowUp:
    return OpenFollowUp(
        id=follow_up.id,
        kind=follow_up.kind,
        due_on=follow_up.due_on,
        window_opens_on=follow_up.window_opens_on,
        window_closes_on=follow_up.window_closes_on,
        status=follow_up.status_on(today),
    )


@hooks.provides("open_follow_ups")
def open_follow_ups(
    *, episode_id: int, kinds=None, limit: int | None = None
) -> tuple[list[OpenFollowUp], int]:
    """The episode's open follow-ups (of `kinds`, else every kind) by due date, the first
    `limit` of them, and how many there are: one query, two when more than `limit`."""
    rows = FollowUp.objects.open().filter(episode_id=episode_id)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    rows = rows.order_by("due_on", "id")
    found = list(rows if limit is None else rows[: limit + 1])
    total = len(found)
    if limit is not None and total > limit:
        total, found = rows.count(), found[:limit]
    today = timezone.localdate()
    return [_open(f, today) for f in found], total


@hooks.provides("completed_duplexes")
def completed_duplexes(*, episode_id: int) -> list[tuple[int, str]]:
    """The episode's completed duplex follow-ups a re-intervention may name, (id, in words)."""
    done = FollowUp.objects.filter(episode_id=episode_id, kind="duplex", completed_at__isnull=False)
    return [(f.id, f"Duplex of {f.performed_on or f.due_on}") for f in done]


@hooks.provides("is_duplex")
def is_duplex(*, episode_id: int, follow_up: int | None = None, visit: int | None = None) -> bool:
    """Whether `follow_up` is a completed duplex of the episode, or `visit` a duplex visit of
    it (one of them): one query."""
    if follow_up is not None:
        return FollowUp.objects.filter(
            episode_id=episode_id, id=follow_up, kind="duplex", completed_at__isnull=False
        ).exists()
    assert visit is not None  # one of them
    return Visit.objects.filter(episode_id=episode_id, id=visit, kind="duplex").exists()


@hooks.provides("needs")
def needs(*, today: dt.date) -> dict[str, object]:
    """The worklist's sets of episodes needing action, each a subquery of episode ids (the
    worklist's one query hashes each once): an urgent result nobody acknowledged, a stall, a
    follow-up overdue, one owed."""
    alerts = Alert.objects.filter(resolved_at__isnull=True)
    owed = FollowUp.objects.owed(today=today)
    return {
        "urgent": alerts.filter(
            kind="urgent_result", escalates__isnull=True, acknowledged_at__isnull=True
        ).values("episode_id"),
        "stalled": alerts.filter(kind="stalled").values("episode_id"),
        "overdue": owed.filter(window_closes_on__lt=today).values("episode_id"),
        "owed": owed.values("episode_id"),
    }


def _segment_results(episode_id: int) -> dict[tuple[str, int], list[dict]]:
    """The duplex segment results of the episode's follow-ups and visits, in one query (there
    may be none: a prefetch would cost nothing then and one query later, and the page's count
    would grow), keyed by ("follow_up", id) or ("visit", id)."""
    rows = (
        DuplexSegmentResult.objects.filter(
            Q(follow_up__episode_id=episode_id) | Q(visit__episode_id=episode_id)
        )
        .order_by("id")
        .values("follow_up_id", "visit_id", "segment", "result")
    )
    found: dict[tuple[str, int], list[Any]] = {}
    for row in rows:
        key = (
            ("follow_up", row["follow_up_id"])
            if row["follow_up_id"]
            else ("visit", row["visit_id"])
        )
        found.setdefault(key, []).append(row)
    return found


@hooks.provides("timeline")
def timeline(*, episode_id: int) -> list[Entry]:
    """The timeline's entries of the episode's follow-ups (due dates and status), their
    results, its unscheduled visits and its alerts: four queries."""
    entries: list[Entry] = []
    today = timezone.localdate()
    segments = _segment_results(episode_id)
    for fu in FollowUp.objects.filter(episode_id=episode_id).order_by("due_on", "id"):
        status = fu.status_on(today)
        entries.append(
            Entry(
                at=start_of(fu.due_on),
                kind="follow_up",
                on=fu.due_on,
                status=status,
                title=f"{labels.sentence(labels.code(fu.kind))} due {fu.due_on.isoformat()}",
                detail=(
                    f"window {fu.window_opens_on.isoformat()} to {fu.window_closes_on.isoformat()}"
                ),
                reason=fu.cancel_reason,
                what=wording.kind(fu.kind),
                window=(fu.window_opens_on, fu.window_closes_on),
            )
        )
        if fu.completed_at:
            entries.append(
                Entry(
                    at=fu.completed_at,
                    kind="result",
                    on=fu.performed_on,
                    title=f"{wording.kind(fu.kind)} result",
                    what=wording.kind(fu.kind),
                    detail=wording.result(fu.kind, fu.result, segments.get(("follow_up", fu.id))),
                )
            )
    visits = Visit.objects.filter(episode_id=episode_id).select_related("recorded_by")
    for visit in visits.order_by("id"):
        entries.append(
            Entry(
                at=visit.recorded_at,
                kind="visit",
                on=visit.performed_on,
                title=f"Unscheduled {labels.code(visit.kind)} visit",
                who=visit.recorded_by.username,
                what=wording.kind(visit.kind),
                detail=wording.result(visit.kind, visit.result, segments.get(("visit", visit.id))),
                late_reason=visit.late_reason,
            )
        )
    alerts = Alert.objects.filter(episode_id=episode_id).select_related("recipient")
    for alert in alerts.order_by("id"):
        state = (
            "resolved"
            if alert.resolved_at
            else ("acknowledged" if alert.acknowledged_at else "open")
        )
        entries.append(
            Entry(
                at=alert.created_at,
                kind="alert",
                status=state,
                title=f"Alert: {labels.code(alert.kind)}",
                who=alert.recipient.username,
            )
        )
    return entries


def register() -> None:
    """The readers above are registered on import; the records whose revisions the episode
    shows are listed here."""
    hooks.keep_revisions_of(FollowUp, Visit)
