"""Emails for alerts: one per urgent alert at once, routine ones in a nurse's daily digest.

Each delivery row is checked and marked sent under a row lock, so running a delivery twice
sends once. Emails name the episode number and the follow-up, never the patient.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tasks.models import Alert, Delivery, UnitSettings
from tasks.services.alerts import enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
REQUEUE_AFTER = dt.timedelta(minutes=5)


KIND_TEXT = {
    Alert.Kind.DUE: "is due",
    Alert.Kind.OVERDUE: "is overdue",
    Alert.Kind.ESCALATION: "is badly overdue (escalated)",
    Alert.Kind.URGENT_RESULT: "has an urgent result",
}


VISIT_TEXT = {"duplex": "duplex", "inr_check": "INR"}
RELATED = ("alert__follow_up", "alert__visit", "alert__postop_check")


def _line(alert: Alert) -> str:
    """One line per alert, naming the episode number only: email is no place for patient
    details; the app shows them to whoever signs in. An alert comes from a follow-up, an
    unscheduled visit or a post-op check."""
    episode = f"- Episode {alert.episode_id}"
    if alert.follow_up_id:
        fu = alert.follow_up
        what = f"{fu.get_kind_display()} follow-up due {fu.due_on}"
    elif alert.visit_id:
        what = f"unscheduled {VISIT_TEXT[alert.visit.kind]} visit on {alert.visit.performed_on}"
    else:
        at = timezone.localtime(alert.postop_check.at).strftime("%Y-%m-%d %H:%M")
        return f"{episode}: post-op check at {at} has an urgent finding."
    return f"{episode}: {what} {KIND_TEXT[alert.kind]}."


def delivery_send(*, delivery_id: int) -> bool:
    """Send one alert's email unless already sent. True if this call sent it."""
    try:
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(of=("self",))
                .select_related("alert__recipient", *RELATED)
                .filter(id=delivery_id)
                .first()
            )
            if delivery is None or delivery.sent_at is not None:
                return False
            recipient = delivery.alert.recipient
            delivery.attempts += 1
            if recipient.email:
                send_mail(
                    subject=f"Pathway alert: {delivery.alert.get_kind_display()}",
                    message=_line(delivery.alert) + "\nSign in to the pathway app to act on it.",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[recipient.email],
                )
                delivery.last_error = ""
            else:
                delivery.last_error = "No email address: in-app inbox only."
            delivery.sent_at = timezone.now()
            delivery.save()
            return True
    except Exception as exc:
        Delivery.objects.filter(id=delivery_id, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=type(exc).__name__[:200]
        )
        raise


def deliveries_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Immediate deliveries left unsent (Redis was down, a worker died) are enqueued again."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            digest=False,
            sent_at__isnull=True,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lt=now - REQUEUE_AFTER,
        ).values_list("id", flat=True)[:1000]
    )
    enqueue(ids)
    return len(ids)


def digest_send(*, recipient_id: int, now: dt.datetime | None = None) -> int:
    """One email listing a nurse's new routine alerts, at most once a local day."""
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        pending = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digest=True, sent_at__isnull=True, alert__recipient_id=recipient_id)
            .select_related("alert__recipient", *RELATED)
            .order_by("id")
        )
        already = Delivery.objects.filter(
            digest=True, sent_at__gte=start_of_day, alert__recipient_id=recipient_id
        ).exists()
        if not pending or already:
            return 0
        recipient = pending[0].alert.recipient
        if recipient.email:
            lines = "\n".join(_line(d.alert) for d in pending)
            send_mail(
                subject=f"Pathway digest: {len(pending)} follow-up alert(s)",
                message=f"{lines}\nSign in to the pathway app to act on them.",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient.email],
            )
        Delivery.objects.filter(id__in=[d.id for d in pending]).update(
            sent_at=now, attempts=F("attempts") + 1
        )
        return len(pending)


def digests_send(*, now: dt.datetime | None = None) -> int:
    """The daily digest to each nurse, once the unit's digest hour has come."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < UnitSettings.current().digest_hour:
        return 0
    recipients = (
        Delivery.objects.filter(digest=True, sent_at__isnull=True)
        .values_list("alert__recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for recipient_id in list(recipients):
        try:
            sent += digest_send(recipient_id=recipient_id, now=now)
        except Exception as exc:  # one bad mailbox must not hold up the other nurses' digests
            log.exception("Digest to user %s failed; its alerts stay pending.", recipient_id)
            Delivery.objects.filter(
                digest=True, sent_at__isnull=True, alert__recipient_id=recipient_id
            ).update(attempts=F("attempts") + 1, last_error=type(exc).__name__[:200])
    return sent
