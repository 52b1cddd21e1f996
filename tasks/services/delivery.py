"""Emails for alerts: one per urgent alert at once, routine ones in a nurse's daily digest.

Built like healthchecks' sendalerts: claim, send, then mark sent. A delivery is claimed in a
short transaction (a conditional UPDATE setting `claimed_until`, committed at once), the email
goes out with no transaction open and no row lock held, and a second short transaction marks it
sent. A slow or hung mail server therefore holds no lock and no connection in a transaction,
and a second run of the same work finds the claim (or `sent_at`) and sends nothing.

At least once: a worker that dies after the mail server accepted the email but before the mark
leaves a claim that expires after CLAIM_FOR; the delivery is then claimed and sent again (an
immediate one by the sweep's requeue, a digest by the next digest run). A duplicate email is
possible in that window; a lost one is not. Emails name the episode number and the follow-up,
never the patient, and link to the episode page (settings.SITE_URL; ids only in the URL).
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from tasks.models import Alert, Delivery, UnitSettings
from tasks.services.alerts import enqueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
REQUEUE_AFTER = dt.timedelta(minutes=5)
# How long a claim keeps other workers off a delivery while its email is being sent: longer
# than any send may take (the SMTP timeout), short enough that a dead worker's email is soon
# sent by someone else. Tests lower it (the worker subprocess through the environment).
CLAIM_FOR = dt.timedelta(seconds=float(os.environ.get("PATHWAY_DELIVERY_CLAIM_SECONDS", "120")))
NO_ADDRESS = "No email address: in-app inbox only."


KIND_TEXT: dict[str, str] = {
    Alert.Kind.DUE: "is due",
    Alert.Kind.OVERDUE: "is overdue",
    Alert.Kind.ESCALATION: "is badly overdue (escalated)",
    Alert.Kind.URGENT_RESULT: "has an urgent result",
}
UNACKNOWLEDGED_TEXT = "has an urgent result nobody has acknowledged (escalated)"


VISIT_TEXT = {"duplex": "duplex", "inr_check": "INR"}
SOURCES = ("follow_up", "visit", "postop_check")
RELATED = (
    *(f"alert__{source}" for source in SOURCES),
    *(f"alert__escalates__{source}" for source in SOURCES),
)


def _line(alert: Alert) -> str:
    """One line per alert, naming the episode number only: email is no place for patient
    details; the app shows them to whoever signs in. An alert comes from a follow-up, an
    unscheduled visit or a post-op check; an escalation of an urgent result nobody
    acknowledged names what that result came from."""
    episode = f"- Episode {alert.episode_id}"
    if alert.kind == Alert.Kind.STALLED:  # the wait in words: no patient detail in it
        if wait := (alert.finding or {}).get("text"):
            return f"{episode}: {wait}."
        return f"{episode} has waited too long: {alert.get_stall_display() or 'stalled'}."
    if alert.kind == Alert.Kind.COURSE_ENDING:  # the course in words: no patient detail in it
        words = (alert.finding or {}).get("text")
        return f"{episode}: {words or 'an anticoagulation course reached its planned end'}."
    source = alert
    escalates = alert.escalates if alert.escalates_id else None
    if escalates is not None and not any(getattr(alert, f"{s}_id") for s in SOURCES):
        source = escalates
    verb = UNACKNOWLEDGED_TEXT if alert.escalates_id else KIND_TEXT[alert.kind]
    # (a relation whose id is None is None, read without a query)
    if (fu := source.follow_up) is not None:
        what = f"{fu.get_kind_display()} follow-up due {fu.due_on}"
    elif (visit := source.visit) is not None:
        what = f"unscheduled {VISIT_TEXT[visit.kind]} visit on {visit.performed_on}"
    elif (check := source.postop_check) is not None:
        at = timezone.localtime(check.at).strftime("%Y-%m-%d %H:%M")
        if not alert.escalates_id:
            return f"{episode}: post-op check at {at} has an urgent finding."
        what = f"post-op check at {at}"
    else:
        what = "an alert"
    return f"{episode}: {what} {verb}."


def episode_link(episode_id: int) -> str:
    """The episode's page as an absolute URL for an email (settings.SITE_URL): the id only, so
    the link carries no patient detail, and the page asks whoever follows it to sign in."""
    return settings.SITE_URL + reverse("episode-page", args=[episode_id])


def _entry(alert: Alert) -> str:
    """An alert's line and, under it, the link to act on it."""
    return f"{_line(alert)}\n  {episode_link(alert.episode_id)}"


def _subject(alert: Alert) -> str:
    grade = f" ({alert.grade.replace('_', ' ')})" if alert.grade else ""
    return f"Pathway alert: {alert.get_kind_display()}{grade}"


def _unclaimed(now: dt.datetime) -> Q:
    """Nobody holds a live claim on it: never claimed, released, or its claimer died."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _release(ids: list[int], claim: dt.datetime, exc: Exception) -> None:
    """After a failed send: record why and give up this call's claim (if still its own), so a
    retry can claim the delivery at once."""
    Delivery.objects.filter(id__in=ids, sent_at__isnull=True, claimed_until=claim).update(
        claimed_until=None, last_error=type(exc).__name__[:200]
    )


def delivery_send(*, delivery_id: int) -> bool:
    """Send one alert's email unless already sent or being sent. True if this call sent it.

    Claim, send, mark, each step on its own: (1) a conditional UPDATE, committed at once, sets
    `claimed_until` = now + CLAIM_FOR and counts the attempt, only if the delivery is unsent and
    nobody holds a live claim; if it matched nothing this call returns False (another worker
    sent it or is sending it: if that worker dies, its claim expires and
    deliveries_requeue_stale enqueues the delivery again). (2) The email goes out with no
    transaction open and no row lock held. (3) A second short UPDATE marks it sent and clears
    the claim and any earlier error. A failed send records the error, releases the claim and
    re-raises, so the Celery task retries with backoff.

    At least once, not exactly once: a crash after the mail server accepted the email and
    before (3) leaves the claim to expire, and the email is sent again. Call it outside any
    transaction (as the Celery task does), or the email would wait on the caller's."""
    now = timezone.now()
    claim = now + CLAIM_FOR
    with transaction.atomic():
        claimed = (
            Delivery.objects.filter(id=delivery_id, sent_at__isnull=True)
            .filter(_unclaimed(now))
            .update(claimed_until=claim, attempts=F("attempts") + 1)
        )
    if not claimed:
        return False
    try:
        delivery = Delivery.objects.select_related("alert__recipient", *RELATED).get(id=delivery_id)
        recipient = delivery.alert.recipient
        if recipient.email:
            send_mail(
                subject=_subject(delivery.alert),
                message=_entry(delivery.alert) + "\nSign in to the pathway app to act on it.",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient.email],
            )
    except Exception as exc:
        _release([delivery_id], claim, exc)
        raise
    with transaction.atomic():
        Delivery.objects.filter(id=delivery_id, sent_at__isnull=True).update(
            sent_at=timezone.now(),
            claimed_until=None,
            last_error="" if recipient.email else NO_ADDRESS,
        )
    return True


def deliveries_withhold(*, episodes, reason: str) -> int:
    """The emails still owed at once for the alerts of `episodes` (a queryset) are not sent:
    each is marked done with the reason, as one to a user with no address is, so no worker
    sends it and no requeue finds it; the alerts stay in the inbox and routine ones in the
    daily digest. For data loaded rather than lived (the demo's history): an immediate email
    says something has just happened. Returns how many were withheld."""
    return Delivery.objects.filter(
        digest=False, sent_at__isnull=True, alert__episode__in=episodes
    ).update(sent_at=timezone.now(), claimed_until=None, last_error=reason[:200])


def deliveries_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Immediate deliveries left unsent (Redis was down, a worker died) are enqueued again,
    once nobody holds a live claim on them: a worker that died mid-send leaves a claim that
    expires after CLAIM_FOR, and the delivery is then enqueued again (at least once)."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            _unclaimed(now),
            digest=False,
            sent_at__isnull=True,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lt=now - REQUEUE_AFTER,
        ).values_list("id", flat=True)[:1000]
    )
    enqueue(ids)
    return len(ids)


def _digest_claim(recipient_id: int, now: dt.datetime, claim: dt.datetime) -> list[int]:
    """Claim a nurse's pending digest deliveries in one short transaction, unless her digest
    went out today or is being sent now. Her user row, locked for the length of this
    transaction only, makes two workers take turns: the second sees the first's claims."""
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    users = get_user_model().objects.select_for_update(no_key=True, skip_locked=True)
    with transaction.atomic():
        if not users.filter(id=recipient_id).exists():
            return []  # another worker is claiming her digest right now
        mine = Delivery.objects.filter(digest=True, alert__recipient_id=recipient_id)
        sent_or_sending = Q(sent_at__gte=start_of_day) | Q(
            sent_at__isnull=True, claimed_until__gte=now
        )
        if mine.filter(sent_or_sending).exists():
            return []
        ids = list(
            mine.select_for_update(skip_locked=True, of=("self",))
            .filter(_unclaimed(now), sent_at__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)
        )
        Delivery.objects.filter(id__in=ids).update(claimed_until=claim, attempts=F("attempts") + 1)
    return ids


def digest_send(*, recipient_id: int, now: dt.datetime | None = None) -> int:
    """One email listing a nurse's new routine alerts, at most once a local day. Returns how
    many alerts it sent.

    Claim, send, mark, as delivery_send: her pending digest deliveries are claimed in a short
    transaction (SELECT ... FOR UPDATE SKIP LOCKED, then an UPDATE of `claimed_until`), one
    email goes out with no transaction open and no row lock held, then they are marked sent. A
    failed send records the error, releases the claims and re-raises; a crash between the send
    and the mark sends the digest again once the claims expire (at least once)."""
    now = now or timezone.now()
    claim = now + CLAIM_FOR
    ids = _digest_claim(recipient_id, now, claim)
    if not ids:
        return 0
    try:
        pending = list(
            Delivery.objects.filter(id__in=ids)
            .select_related("alert__recipient", *RELATED)
            .order_by("id")
        )
        recipient = pending[0].alert.recipient
        if recipient.email:
            lines = "\n".join(_entry(d.alert) for d in pending)
            send_mail(
                subject=f"Pathway digest: {len(pending)} follow-up alert(s)",
                message=f"{lines}\nSign in to the pathway app to act on them.",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient.email],
            )
    except Exception as exc:
        _release(ids, claim, exc)
        raise
    with transaction.atomic():
        Delivery.objects.filter(id__in=ids, sent_at__isnull=True).update(
            sent_at=now, claimed_until=None, last_error="" if recipient.email else NO_ADDRESS
        )
    return len(ids)


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
        except Exception:  # one bad mailbox must not hold up the other nurses' digests
            # digest_send has recorded the attempt and the error and released its claims.
            log.exception("Digest to user %s failed; its alerts stay pending.", recipient_id)
    return sent
