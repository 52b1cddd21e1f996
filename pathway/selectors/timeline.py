"""The episode's timeline, oldest first: its moves, every revision of its records (who, when,
why, what changed), its follow-ups (due dates and status), their results, unscheduled visits
and alerts. A fixed number of queries whatever the number of rows: the history, one per kind of
record (episode_revisions), and the follow-ups, visits and alerts read through the episode's
reverse relations, so pathway never imports the tasks app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from pathway import labels, wording
from pathway.selectors.episodes import episode_get, episode_revisions


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Entry:
    at: dt.datetime
    kind: str  # move, revision, follow_up, result, visit, alert
    title: str
    who: str = ""
    reason: str = ""
    detail: str = ""
    status: str = ""
    changes: list[Change] = field(default_factory=list)
    on: dt.date | None = None  # the date the entry is about, when not the time it was written
    late_reason: str = ""  # a result entered after the episode moved on: why
    what: str = ""  # a follow-up's, a result's or a visit's kind in words (the summary's)
    window: tuple[dt.date, dt.date] | None = None  # a follow-up's window


def _segment_results(episode) -> dict[tuple[str, int], list[dict]]:
    """The duplex segment results of the episode's follow-ups and visits, in one query (there
    may be none: a prefetch would cost nothing then and one query later, and the page's count
    would grow), keyed by ("follow_up", id) or ("visit", id)."""
    follow_up = type(episode)._meta.get_field("follow_ups").related_model
    model = follow_up._meta.get_field("segments").related_model
    rows = model.objects.filter(
        Q(follow_up__episode_id=episode.id) | Q(visit__episode_id=episode.id)
    ).order_by("id").values("follow_up_id", "visit_id", "segment", "result")
    found: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        key = ("follow_up", row["follow_up_id"]) if row["follow_up_id"] else (
            "visit", row["visit_id"])  # fmt: skip
        found.setdefault(key, []).append(row)
    return found


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def shown(value) -> str:
    """A recorded value in words."""
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(", ".join(shown(v) for v in item.values()) for item in value)
        return ", ".join(labels.code(str(v)) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{labels.field(k)} {shown(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T":
        try:
            at = timezone.localtime(dt.datetime.fromisoformat(value))
            return at.strftime("%Y-%m-%d %H:%M")
        except ValueError:
            pass
    return labels.code(str(value))


def _shown(name: str, facts: dict):
    """One recorded field of a revision in words: a result as a clinician reads it, stents
    one by one; `facts`: the whole record as it was (a result's kind and segments)."""
    value = facts.get(name)
    if name == "result" and value is not None:
        return wording.result(facts.get("kind", ""), value, facts.get("segments"))
    if name == "stents" and isinstance(value, list):
        return "; ".join(wording.stent(s) for s in value) or "none"
    if name == "access" and isinstance(value, list):
        return "; ".join(
            f"{labels.code(a.get('side'))} {labels.code(a.get('vein'))}"
            + (", ultrasound-guided" if a.get("ultrasound_guided") else "")
            for a in value
        ) or "—"
    return shown(value)


def _changes(before: dict | None, after: dict | None) -> list[Change]:
    """What changed, each field by its label; the schedule's bookkeeping is left out, and a
    result's segments are shown with the result."""
    before, after = before or {}, after or {}
    names = [
        n for n in after
        if before.get(n) != after.get(n) and n not in wording.BOOKKEEPING
        and not (n == "segments" and "result" in after)
    ]  # fmt: skip
    if "result" in after and "segments" in after and before.get("segments") != after.get(
            "segments") and "result" not in names:  # fmt: skip
        names.append("result")
    return [
        Change(labels.field(n), _shown(n, before) if before else "—", _shown(n, after))
        for n in names
        if not (before == {} and after.get(n) in (None, "", [], False))
    ]


def episode_timeline(*, actor, episode_id: int) -> list[Entry]:
    episode = episode_get(actor=actor, episode_id=episode_id)
    entries: list[Entry] = []
    for move in episode.history.select_related("actor").order_by("id"):
        title = labels.move(move.name)
        if move.name != "open":
            title = f"{title}: {labels.state(move.source)} → {labels.state(move.target)}"
        entries.append(Entry(
            at=move.recorded_at, kind="move", title=title, who=move.actor.username,
            reason=move.reason, on=move.effective_on,
        ))  # fmt: skip
    for rev in episode_revisions(actor=actor, episode_id=episode.id):
        what = "recorded" if rev.before is None else "changed"
        entries.append(Entry(
            at=rev.at, kind="revision", title=f"{labels.record(rev.record)} {what}",
            who=rev.actor or "", reason=rev.reason, changes=_changes(rev.before, rev.after),
        ))  # fmt: skip
    today = timezone.localdate()
    segments = _segment_results(episode)
    for fu in episode.follow_ups.all().order_by("due_on", "id"):
        status = fu.status_on(today)
        entries.append(Entry(
            at=_start_of(fu.due_on), kind="follow_up", on=fu.due_on, status=status,
            title=f"{labels.sentence(labels.code(fu.kind))} due {fu.due_on.isoformat()}",
            detail=f"window {fu.window_opens_on.isoformat()} to {fu.window_closes_on.isoformat()}",
            reason=fu.cancel_reason, what=wording.kind(fu.kind),
            window=(fu.window_opens_on, fu.window_closes_on),
        ))  # fmt: skip
        if fu.completed_at:
            entries.append(Entry(
                at=fu.completed_at, kind="result", on=fu.performed_on,
                title=f"{wording.kind(fu.kind)} result", what=wording.kind(fu.kind),
                detail=wording.result(fu.kind, fu.result, segments.get(("follow_up", fu.id))),
            ))  # fmt: skip
    for visit in episode.visits.all().select_related("recorded_by").order_by("id"):
        entries.append(Entry(
            at=visit.recorded_at, kind="visit", on=visit.performed_on,
            title=f"Unscheduled {labels.code(visit.kind)} visit",
            who=visit.recorded_by.username, what=wording.kind(visit.kind),
            detail=wording.result(visit.kind, visit.result, segments.get(("visit", visit.id))),
            late_reason=visit.late_reason,
        ))  # fmt: skip
    for alert in episode.alerts.all().select_related("recipient").order_by("id"):
        state = "resolved" if alert.resolved_at else (
            "acknowledged" if alert.acknowledged_at else "open")  # fmt: skip
        entries.append(Entry(
            at=alert.created_at, kind="alert", status=state,
            title=f"Alert: {labels.code(alert.kind)}", who=alert.recipient.username,
        ))  # fmt: skip
    entries.sort(key=lambda e: e.at)
    return entries
