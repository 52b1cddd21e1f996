"""Who gets an alert, inserting alerts at most once, escalating unseen urgent results,
resolving moot alerts, and acknowledging them.

Alerts are inserted with ON CONFLICT DO NOTHING on their unique key, so sweeps running at once
never double-alert; the emails owed are enqueued only after commit. Every alert reaches someone:
with nobody in the role it goes to the admins and says so (`unrouted`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from core import roles
from core.errors import Conflict, NotFound
from pathway.codes import TERMINAL, State
from pathway.models import Episode
from tasks.models import Alert, AlertAcknowledgement, Delivery, UnitSettings
from tasks.models.nurses import UNDO_MINUTES
from tasks.services.alert_rows import alerts_with_deliveries_insert
from tasks.services.claims import claimed_batches
from tasks.urgency import Urgent

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Silenced(TypedDict):
    """What the escalation's claim annotates: nobody is left to tell (a closed episode)."""

    silent: bool


log = logging.getLogger(__name__)
FOLLOW_UP_ALERT_COLUMNS = (
    ("episode_id", "bigint"),
    ("follow_up_id", "bigint"),
    ("kind", "varchar"),
    ("recipient_id", "int"),
    ("unrouted", "boolean"),
)


@dataclass(frozen=True)
class Route:
    """Who gets an alert, and whether it had to go to the admins because nobody held the role
    it was meant for. No ids: nobody at all could be told."""

    ids: list[int]
    unrouted: bool = False


class Recipients:
    """Who gets an alert: the episode's assigned nurse or coordinator while their account is
    active, else everyone active in the role, else the admins (unrouted), so nobody who has left
    swallows an alert and an empty role does not either. Looked up once per sweep."""

    def __init__(self):
        self._members = {}
        self._active = None

    def _role(self, role: str) -> list[int]:
        if role not in self._members:
            users = roles.users_in_role(role).order_by("id")
            self._members[role] = list(users.values_list("id", flat=True))
        return self._members[role]

    def of(self, kind: str, nurse_id: int | None, coordinator_id: int | None) -> Route:
        nurse_kind = kind in Alert.ROUTINE
        assigned = nurse_id if nurse_kind else coordinator_id
        if assigned:
            if self._active is None:
                users = get_user_model().objects.filter(is_active=True)
                self._active = set(users.values_list("id", flat=True))
            if assigned in self._active:
                return Route([assigned])
        members = self._role(roles.NURSE if nurse_kind else roles.COORDINATOR)
        if members:
            return Route(members)
        return Route(self._role(roles.ADMIN), unrouted=True)

    def senior(self) -> list[int]:
        """Every active coordinator and admin: who hears of an urgent result left unseen."""
        return sorted(set(self._role(roles.COORDINATOR)) | set(self._role(roles.ADMIN)))


def silenced(prefix: str = "episode__") -> Q:
    """Rows (of the episode at `prefix`) nobody is alerted about any more: the episode is
    closed, or its patient's death is recorded (in this episode or another)."""
    deceased = Episode.objects.filter(
        patient_id=OuterRef(f"{prefix}patient_id"), state=State.DECEASED
    )
    return Q(**{f"{prefix}state__in": TERMINAL}) | Q(Exists(deceased))


def insert_alerts(rows: list[tuple[int, int, str, int, bool]], now: dt.datetime) -> list[int]:
    """Insert (episode, follow-up, kind, recipient, unrouted) alerts, skipping any that exist,
    with a pending delivery each. Returns the ids of deliveries to send at once (not digests)."""
    return alerts_with_deliveries_insert(
        columns=FOLLOW_UP_ALERT_COLUMNS,
        rows=rows,
        conflict="ON CONFLICT (follow_up_id, kind, recipient_id) WHERE escalates_id IS NULL "
        "DO NOTHING",
        now=now,
    )


def _immediate(alerts: list[Alert], now: dt.datetime) -> list[int]:
    deliveries = Delivery.objects.bulk_create(
        Delivery(alert=alert, digest=False, created_at=now) for alert in alerts
    )
    return [d.id for d in deliveries]


@dataclass(frozen=True)
class Raised:
    """What `urgent_alerts_insert` wrote: the deliveries to enqueue, and each finding as told
    to whoever recorded it (with the names of those alerted), in the order given."""

    deliveries: list[int]
    told: list[Urgent]


def _names(user_ids) -> dict[int, str]:
    users = get_user_model().objects.filter(id__in=set(user_ids))
    return {u.id: u.get_full_name() or u.username for u in users}


def urgent_alerts_insert(*, episode, now: dt.datetime, urgent: Urgent, **source) -> Raised:
    """The urgent-result alerts of one finding (`source`: follow_up=, visit= or postop_check=),
    carrying its grade and what was found, for the episode's coordinator, else every active
    coordinator, else the admins, with a delivery each to send at once. One of them carries
    the time to escalate it if nobody has acknowledged it by then. The source is new in the
    caller's transaction, so nothing can conflict; the unique constraints still hold each alert
    to once. Returns the deliveries to enqueue and the finding with who was alerted."""
    return urgent_alerts_insert_bulk(findings=[(episode, source, urgent)], now=now)


def urgent_alerts_insert_bulk(*, findings: list[tuple], now: dt.datetime) -> Raised:
    """`urgent_alerts_insert` for many findings ((episode, source, urgent) triples) at once:
    who gets each is looked up once for them all, and their alerts, deliveries and the names
    of those alerted are three queries."""
    if not findings:
        return Raised([], [])
    kind = Alert.Kind.URGENT_RESULT
    recipients = Recipients()
    hours = None
    alerts, routes = [], []
    for episode, source, urgent in findings:
        route = recipients.of(kind, None, episode.assigned_coordinator_id)
        routes.append(route.ids)
        if not route.ids:
            log.error(
                "Urgent result of episode %s has nobody to alert: no active user.", episode.id
            )
            continue
        if hours is None:
            hours = UnitSettings.current().urgent_escalation_hours
        alerts += [
            Alert(
                episode=episode,
                kind=kind,
                grade=urgent.grade,
                finding=urgent.finding,
                recipient_id=user_id,
                created_at=now,
                unrouted=route.unrouted,
                escalate_after=now + dt.timedelta(hours=hours) if first else None,
                **source,
            )
            for first, user_id in zip([True] + [False] * len(route.ids), route.ids, strict=False)
        ]
    if not alerts:
        return Raised([], [urgent for _, _, urgent in findings])
    names = _names(a.recipient_id for a in alerts)
    told = [
        urgent.told(names[user_id] for user_id in ids)
        for (_, _, urgent), ids in zip(findings, routes, strict=True)
    ]
    return Raised(_immediate(Alert.objects.bulk_create(alerts), now), told)


def _same_finding(alert: Alert) -> Q:
    return Q(
        kind=Alert.Kind.URGENT_RESULT,
        escalates__isnull=True,
        follow_up_id=alert.follow_up_id,
        visit_id=alert.visit_id,
        postop_check_id=alert.postop_check_id,
    )


def urgent_results_unseen(now: dt.datetime) -> QuerySet[Alert]:
    """Urgent results nobody acknowledged by `now`, within the unit's hours: each owes its
    escalation (a closed episode's or a dead patient's is cleared without one)."""
    return Alert.objects.filter(escalate_after__lte=now)


def urgent_results_escalate(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Urgent results nobody acknowledged within the unit's hours go to every coordinator and
    admin, once, with its grade and finding: the claimed alert's escalation time is cleared in
    the same transaction as the escalation alerts are written. Returns how many escalation
    alerts were written."""
    now = now or timezone.now()
    recipients = Recipients()
    written = 0

    def escalate(claimed: list[WithAnnotations[Alert, Silenced]]) -> list[int]:
        nonlocal written
        # A closed episode's or a dead patient's urgent result is escalated to nobody.
        quiet = [a.id for a in claimed if a.silent]
        if quiet:
            Alert.objects.filter(id__in=quiet).update(escalate_after=None)
            claimed = [a for a in claimed if not a.silent]
            if not claimed:
                return []
        senior = recipients.senior()
        if not senior:
            log.error("Urgent results to escalate, and no active coordinator or admin.")
            return [a.id for a in claimed]
        escalations = Alert.objects.bulk_create(
            Alert(
                episode_id=urgent.episode_id,
                follow_up_id=urgent.follow_up_id,
                visit_id=urgent.visit_id,
                postop_check_id=urgent.postop_check_id,
                kind=Alert.Kind.ESCALATION,
                grade=urgent.grade,
                finding=urgent.finding,
                escalates=urgent,
                recipient_id=user_id,
                created_at=now,
            )
            for urgent in claimed
            for user_id in senior
        )
        Alert.objects.filter(id__in=[a.id for a in claimed]).update(escalate_after=None)
        enqueue(_immediate(escalations, now))
        written += len(escalations)
        return []

    unseen = urgent_results_unseen(now).annotate(
        silent=ExpressionWrapper(silenced(), output_field=BooleanField())
    )
    claimed_batches(
        unseen, order_by=("escalate_after", "id"), batch_size=batch_size, handle=escalate
    )
    return written


def alerts_resolve(*, follow_ups, reason: str, move=None, now: dt.datetime | None = None) -> int:
    """A completed or cancelled follow-up's open alerts are moot: they leave every inbox, and
    say why (the move that cancelled it, when there was one), and a digest not yet sent will
    not list them. Urgent results stay: they are about the finding, not the visit owed."""
    moot = Alert.objects.filter(follow_up__in=follow_ups, resolved_at__isnull=True).exclude(
        kind=Alert.Kind.URGENT_RESULT
    )
    ids = list(moot.values_list("id", flat=True))
    Delivery.objects.filter(
        alert_id__in=ids, digest=True, sent_at__isnull=True, claimed_until__isnull=True
    ).delete()  # an email owed about nothing any more
    return Alert.objects.filter(id__in=ids).update(
        resolved_at=now or timezone.now(), resolved_reason=reason, resolved_by=move
    )


def _resolve(alerts, *, reason: str, move, now: dt.datetime | None = None) -> int:
    """Resolve these alerts saying why, with no escalation left to follow, and drop the digest
    emails not yet sent about them."""
    ids = list(alerts.filter(resolved_at__isnull=True).values_list("id", flat=True))
    if not ids:
        return 0
    Delivery.objects.filter(
        alert_id__in=ids, digest=True, sent_at__isnull=True, claimed_until__isnull=True
    ).delete()
    return Alert.objects.filter(id__in=ids).update(
        resolved_at=now or timezone.now(),
        resolved_reason=reason,
        resolved_by=move,
        escalate_after=None,
    )


def moved_reason(move) -> str:
    return f"Resolved by the move '{move.name}'."


def alerts_resolve_episode(*, episode, move, now: dt.datetime | None = None) -> int:
    """An exit (record_death, withdraw, exclude, complete) ends every open alert of the episode,
    urgent results, escalations and stalled alerts included (pathway.md section 6): they leave
    every inbox, say which move resolved them, and no escalation follows. A correction of the
    exit brings them back (alerts_reopen)."""
    return _resolve(
        Alert.objects.filter(episode=episode), reason=moved_reason(move), move=move, now=now
    )


def alerts_resolve_stalled(*, episode, move, now: dt.datetime | None = None) -> int:
    """A stalled episode that makes any move is no longer waiting where it was: its stalled
    alerts are resolved by that move (one UPDATE; a stalled alert is never a digest)."""
    return Alert.objects.filter(
        episode=episode, kind=Alert.Kind.STALLED, resolved_at__isnull=True
    ).update(
        resolved_at=now or timezone.now(), resolved_reason=moved_reason(move), resolved_by=move
    )


def alerts_reopen(*, resolved_by) -> int:
    """A correction that undoes a move brings back the alerts that move resolved. An urgent
    result nobody has acknowledged nor escalated yet is again escalated when its time comes
    (at once if it has passed meanwhile)."""
    ids = list(Alert.objects.filter(resolved_by=resolved_by).values_list("id", flat=True))
    if not ids:
        return 0
    reopened = Alert.objects.filter(id__in=ids).update(
        resolved_at=None, resolved_reason="", resolved_by=None
    )
    _escalation_resume(ids)
    return reopened


def _escalation_resume(ids: list[int]) -> None:
    """Of the reopened alerts, each urgent finding nobody has acknowledged and that was never
    escalated gets its escalation time back (its first alert carries it, as when raised)."""
    urgent = Alert.objects.filter(id__in=ids, kind=Alert.Kind.URGENT_RESULT, escalates__isnull=True)
    firsts: dict[tuple[int | None, int | None, int | None], Alert] = {}
    for alert in urgent.order_by("id"):
        firsts.setdefault((alert.follow_up_id, alert.visit_id, alert.postop_check_id), alert)
    if not firsts:
        return
    hours = dt.timedelta(hours=UnitSettings.current().urgent_escalation_hours)
    for alert in firsts.values():
        finding = Alert.objects.filter(_same_finding(alert))
        if finding.filter(acknowledged_at__isnull=False).exists():
            continue
        if Alert.objects.filter(escalates__in=finding).exists():
            continue
        Alert.objects.filter(id=alert.id).update(escalate_after=alert.created_at + hours)


# How one delivery is sent to Celery: tasks/jobs.py's task, set by TasksConfig.ready() (the
# jobs call these services, so the services name no job).
send_delivery: Callable[[int], object] | None = None


def enqueue(delivery_ids: list[int]) -> None:
    """After commit, one delivery task per id. If Redis is down the first failure ends the
    loop (robust: logged, not raised); the rows wait for deliveries_requeue_stale."""
    if not delivery_ids:
        return

    def send_later() -> None:
        if send_delivery is None:
            raise RuntimeError("The tasks app is not ready: no delivery job to send.")
        for delivery_id in delivery_ids:
            send_delivery(delivery_id)

    transaction.on_commit(send_later, robust=True)


def _own_alert_locked(actor, alert_id: int) -> Alert:
    """One of the caller's own alerts, locked; others' alerts are not found (nobody else sees
    them)."""
    alert = Alert.objects.select_for_update().filter(id=alert_id, recipient=actor).first()
    if alert is None:
        raise NotFound("No such alert in your inbox.")
    return alert


def alert_acknowledge(*, actor, alert_id: int, now: dt.datetime | None = None) -> Alert:
    """The recipient has seen the alert: it leaves her inbox, and the acknowledgement is kept
    (AlertAcknowledgement). An urgent finding seen by anyone needs no escalation."""
    roles.require(actor, roles.RECORD_RESULTS, "acknowledge alerts")
    now = now or timezone.now()
    with transaction.atomic():
        alert = _own_alert_locked(actor, alert_id)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now
            alert.save(update_fields=["acknowledged_at"])
            AlertAcknowledgement.objects.create(
                alert=alert, actor=actor, action=AlertAcknowledgement.Action.ACKNOWLEDGED, at=now
            )
        if alert.kind == Alert.Kind.URGENT_RESULT and alert.escalates_id is None:
            # Someone has seen the finding: it no longer needs escalating.
            Alert.objects.filter(_same_finding(alert)).update(escalate_after=None)
    return alert


def alert_unacknowledge(*, actor, alert_id: int, now: dt.datetime | None = None) -> Alert:
    """Undo an acknowledgement made by mistake: within UNDO_MINUTES, by the user who made it
    (the alert's recipient; nobody else can see it), kept as a row of its own. The alert is
    back in her inbox; an urgent finding nobody else acknowledged is escalated again when its
    time comes (at once if it has passed)."""
    roles.require(actor, roles.RECORD_RESULTS, "acknowledge alerts")
    now = now or timezone.now()
    with transaction.atomic():
        alert = _own_alert_locked(actor, alert_id)
        if alert.acknowledged_at is None:
            raise Conflict("This alert is not acknowledged: there is nothing to undo.")
        if now - alert.acknowledged_at > dt.timedelta(minutes=UNDO_MINUTES):
            at = timezone.localtime(alert.acknowledged_at)
            raise Conflict(
                f"An acknowledgement can be undone within {UNDO_MINUTES} minutes; this one was "
                f"made at {at:%H:%M} on {at:%Y-%m-%d}."
            )
        alert.acknowledged_at = None
        alert.save(update_fields=["acknowledged_at"])
        AlertAcknowledgement.objects.create(
            alert=alert, actor=actor, action=AlertAcknowledgement.Action.UNDONE, at=now
        )
        if alert.kind == Alert.Kind.URGENT_RESULT and alert.escalates_id is None:
            _escalation_resume([alert.id])
    return alert
