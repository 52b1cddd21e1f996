"""The episode's timeline, oldest first: its moves, every revision of its records (who, when,
why, what changed), its follow-ups (due dates and status), their results, unscheduled visits
and alerts. A fixed number of queries whatever the number of rows: the history, one per kind of
record (episode_revisions), and the follow-ups, visits and alerts, whose entries the tasks app's
reader makes (pathway/hooks.py), so pathway reads none of its tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from pathway import hooks, labels, wording
from pathway.selectors.episodes import episode_get, revisions_of


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


def start_of(day: dt.date) -> dt.datetime:
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
        return (
            "; ".join(
                f"{labels.code(a.get('side'))} {labels.code(a.get('vein'))}"
                + (", ultrasound-guided" if a.get("ultrasound_guided") else "")
                for a in value
            )
            or "—"
        )
    return shown(value)


def _changes(before: dict | None, after: dict | None) -> list[Change]:
    """What changed, each field by its label; the schedule's bookkeeping is left out, and a
    result's segments are shown with the result."""
    before, after = before or {}, after or {}
    names = [
        n
        for n in after
        if before.get(n) != after.get(n)
        and n not in wording.BOOKKEEPING
        and not (n == "segments" and "result" in after)
    ]
    if (
        "result" in after
        and "segments" in after
        and before.get("segments") != after.get("segments")
        and "result" not in names
    ):
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
        entries.append(
            Entry(
                at=move.recorded_at,
                kind="move",
                title=title,
                who=move.actor.username,
                reason=move.reason,
                on=move.effective_on,
            )
        )
    for rev in revisions_of(episode):  # the episode read above, not read again
        what = "recorded" if rev.before is None else "changed"
        entries.append(
            Entry(
                at=rev.at,
                kind="revision",
                title=f"{labels.record(rev.record)} {what}",
                who=rev.actor or "",
                reason=rev.reason,
                changes=_changes(rev.before, rev.after),
            )
        )
    entries += hooks.read("timeline", episode_id=episode.id)
    entries.sort(key=lambda e: e.at)
    return entries
