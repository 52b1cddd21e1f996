"""Who gets an alert, inserting alerts at most once, and acknowledging them.

Alerts are inserted with ON CONFLICT DO NOTHING on their unique key, so sweeps running at once
never double-alert; the emails owed are enqueued only after commit.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from core import roles
from core.errors import NotFound
from tasks.models import Alert, Delivery

RECORD_RESULTS = "tasks.record_result"


def _members(role: str) -> list[int]:
    users = get_user_model().objects.filter(groups__name=role, is_active=True)
    return list(users.values_list("id", flat=True).order_by("id"))


class Recipients:
    """Who gets an alert: the episode's assigned nurse or coordinator while their account is
    active, else everyone active in the role, so nobody who has left swallows an alert."""

    def __init__(self):
        self._members = {}
        self._active = None

    def of(self, kind: str, nurse_id: int | None, coordinator_id: int | None) -> list[int]:
        nurse_kind = kind in Alert.ROUTINE
        assigned = nurse_id if nurse_kind else coordinator_id
        if assigned:
            if self._active is None:
                users = get_user_model().objects.filter(is_active=True)
                self._active = set(users.values_list("id", flat=True))
            if assigned in self._active:
                return [assigned]
        role = roles.NURSE if nurse_kind else roles.COORDINATOR
        if role not in self._members:
            self._members[role] = _members(role)
        return self._members[role]


def insert_alerts(rows: list[tuple[int, int, str, int]], now: dt.datetime) -> list[int]:
    """Insert (episode, follow-up, kind, recipient) alerts, skipping any that exist, with a
    pending delivery each. Returns the ids of deliveries to send at once (not digests)."""
    if not rows:
        return []
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [p for row in rows for p in (*row, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Alert._meta.db_table} "  # noqa: S608 - fixed table name
            "(episode_id, follow_up_id, kind, recipient_id, created_at) "
            f"VALUES {values} "
            "ON CONFLICT (follow_up_id, kind, recipient_id) DO NOTHING RETURNING id, kind",
            params,
        )
        created = cursor.fetchall()
    deliveries = Delivery.objects.bulk_create(
        Delivery(alert_id=alert_id, digest=kind in Alert.ROUTINE, created_at=now)
        for alert_id, kind in created
    )
    return [d.id for d in deliveries if not d.digest]


def urgent_alerts_insert(*, episode, now: dt.datetime, **source) -> list[int]:
    """An urgent-result alert of an unscheduled visit or a post-op check (`source`: visit= or
    postop_check=) for the episode's coordinator, else every active coordinator, with a
    delivery each to send at once. The source is new in the caller's transaction, so nothing
    can conflict; the unique constraints still hold each alert to once. Returns the delivery
    ids to enqueue."""
    kind = Alert.Kind.URGENT_RESULT
    alerts = Alert.objects.bulk_create(
        Alert(episode=episode, kind=kind, recipient_id=user_id, created_at=now, **source)
        for user_id in Recipients().of(kind, None, episode.assigned_coordinator_id)
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(alert=alert, digest=False, created_at=now) for alert in alerts
    )
    return [d.id for d in deliveries]


def enqueue(delivery_ids: list[int]) -> None:
    """After commit, one delivery task per id. If Redis is down the first failure ends the
    loop (robust: logged, not raised); the rows wait for deliveries_requeue_stale."""
    if not delivery_ids:
        return

    def send_later() -> None:
        from tasks.jobs import deliver_alert  # edges import services, not the reverse

        for delivery_id in delivery_ids:
            deliver_alert.delay(delivery_id)

    transaction.on_commit(send_later, robust=True)


def alert_acknowledge(*, actor, alert_id: int) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(id=alert_id, recipient=actor).first()
        if alert is None:
            raise NotFound("No such alert in your inbox.")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_at"])
    return alert
