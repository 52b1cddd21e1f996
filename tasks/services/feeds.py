"""The secret of a user's clinic-list calendar feed (/feeds/<secret>/clinic.ics): random,
shown once, stored only as its SHA-256 (a 256-bit random secret needs no slow hash), one per
user, revoked by deleting it and replaced by making another."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from core import roles
from tasks.models import CalendarFeed


def feed_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def calendar_feed_create(*, actor) -> str:
    """A new secret for the actor's feed, replacing any earlier one (whose URL stops working).
    Returns the secret: the only time it is seen."""
    roles.require(actor, roles.RECORD_RESULTS, "subscribe to a clinic list")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=actor).delete()
        CalendarFeed.objects.create(
            user=actor, digest=feed_digest(secret), created_at=timezone.now()
        )
    return secret


def calendar_feed_revoke(*, actor) -> bool:
    """The actor's feed URL stops working at once. Returns whether there was one."""
    roles.require(actor, roles.RECORD_RESULTS, "subscribe to a clinic list")
    deleted, _ = CalendarFeed.objects.filter(user=actor).delete()
    return bool(deleted)
