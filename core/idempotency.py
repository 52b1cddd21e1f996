"""Repeats answered with the first answer, never a second row (issue 18, the contract's
`Idempotency-Key`). A write carries a key: a web form the `form_token` core/static/core/app.js
adds to it, an API request its `Idempotency-Key` header. The first request with a key claims it
(one row, unique per user and key) and runs; its answer is kept for 24 hours. The claim, the
write and the answer kept are in the request's one transaction (core/one_transaction.py), so a
repeat finds the answer if and only if the write committed. A repeat sent while the first still
runs waits for it (on PostgreSQL, for the first's lock on the key; the claim is not visible
before it commits), then is given the first answer, and its view is never called; if the first
rolled back, the repeat runs. So two requests at the same moment write once.

The API also checks that a repeat is the same request (method, path and body): a key sent again
with another request is refused (422) rather than answered with something else's answer. A web
form's key is its token with the request itself, so a changed form is a new save.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import SavedAnswer

KEPT = timedelta(hours=24)
# A first request still unanswered after this long has died (its process ended mid-request):
# whether it saved is unknown, so its repeats are refused in words rather than run again.
ABANDONED = timedelta(minutes=5)
POLL_SECONDS = 0.1


def wait_seconds() -> float:
    """How long a repeat waits for the first request to answer."""
    return float(getattr(settings, "IDEMPOTENCY_WAIT_SECONDS", 20))


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@dataclass
class Claimed:
    """This request holds the key: run the view, then keep (or release) its answer."""

    answer: SavedAnswer


@dataclass
class Repeat:
    """A repeat: answer with the first answer."""

    status: int
    headers: dict
    body: bytes
    notices: list = field(default_factory=list)


@dataclass
class Refused:
    """The key cannot be used for this request; `why` says so in words."""

    status: int
    why: str


MISMATCH = (
    "This Idempotency-Key was already used for a different request (another method, path or "
    "body) in the last 24 hours; nothing was saved. Send a new key with each new request."
)
STILL_RUNNING = (
    "A request with this key is still being processed; nothing more was saved. Send it again "
    "with the same key in a moment to get its answer."
)
INTERRUPTED = (
    "An earlier request with this key was interrupted before it answered, so whether it saved "
    "is not known; nothing more was saved. Check the record, then send it with a new key."
)


def answer_claim(*, user, key: str, fingerprint: str) -> Claimed | Repeat | Refused:
    """Claim `key` for `user`, or find the first answer to it (waiting while the first request
    still runs). A key older than 24 hours is forgotten and claimed anew."""
    deadline = time.monotonic() + wait_seconds()
    while True:
        now = timezone.now()
        if _my_turn(user, key):
            SavedAnswer.objects.filter(user=user, key=key, created_at__lt=now - KEPT).delete()
            try:
                with transaction.atomic():
                    answer = SavedAnswer.objects.create(
                        user=user, key=key, fingerprint=fingerprint, created_at=now
                    )
                return Claimed(answer)
            except IntegrityError:
                pass  # claimed already: by an earlier request, or one running now
            first = SavedAnswer.objects.filter(user=user, key=key).first()
            if first is None:
                continue  # released (the first failed) or expired just now: claim it
            if first.fingerprint != fingerprint:
                return Refused(422, MISMATCH)
            if first.status is not None:
                return Repeat(first.status, first.headers, bytes(first.body), first.notices)
            if now - first.created_at > ABANDONED:
                return Refused(409, INTERRUPTED)
        if time.monotonic() > deadline:
            return Refused(409, STILL_RUNNING)
        time.sleep(POLL_SECONDS)


def _my_turn(user, key: str) -> bool:
    """On PostgreSQL, in a transaction: no other transaction is claiming or answering this key
    now. It takes a lock on the key until this transaction ends (an advisory lock: a repeat
    polls for it rather than queueing on the unique index, and never reaches the view)."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return True
    digest = hashlib.sha256(f"{user.pk}\0{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
        return bool(cursor.fetchone()[0])


def answer_keep(
    *, claimed: Claimed, status: int, headers: dict, body: bytes, notices: list | None = None
) -> None:
    """Keep the first answer for the repeats to come."""
    SavedAnswer.objects.filter(pk=claimed.answer.pk).update(
        status=status, headers=headers, body=body, notices=notices or []
    )


def answer_release(*, claimed: Claimed) -> None:
    """The first request failed before it saved anything (a crash, a database gone away): a
    repeat may try again."""
    SavedAnswer.objects.filter(pk=claimed.answer.pk).delete()


def answers_expired_purge() -> int:
    """Answers older than 24 hours answer nothing any more (and may hold patient data)."""
    return SavedAnswer.objects.filter(created_at__lt=timezone.now() - KEPT).delete()[0]
