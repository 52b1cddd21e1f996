"""Every request is one database transaction (issue 21), so its answer tells the truth: what a
view writes, the access log of what it read (patients.PatientAccess), the session, and the
answer kept for a repeat of its Idempotency-Key or form token (core/idempotency.py) are
committed together or not at all. A 5xx answer rolls everything back: a 503 means nothing was
saved. When COMMIT itself fails (the connection lost while committing), whether it committed is
asked of PostgreSQL on a new connection (txid_status of the transaction's id): committed, the
view's answer is given; not, a 503. Side effects wait for the commit (transaction.on_commit)
and run after it, each on its own: a broker down is logged, never an error for a write that
was saved (the sweeps enqueue again what never reached it)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from core import unavailable

log = logging.getLogger(__name__)
OUTSIDE = ("/healthz",)  # the load balancer's check tries the database itself, and says so
COMMITTED, ABORTED = "committed", "aborted"


class OneTransaction:
    """Placed before the session and sign-in middleware: they run inside the transaction."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.in_atomic_block or request.path in OUTSIDE:
            # Inside a transaction already (a test's): it joins it, as any atomic block does.
            return self.get_response(request)
        try:
            # A connection kept from an earlier request is checked now, not in the transaction:
            # found dead there, Django would reconnect out of it (autocommit) without a word.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except Exception as error:  # the database down (or, in a test, forbidden)
            # A page that needs no database still answers; one that does answers 503 in words
            # (core/errors_http.py), and nothing was saved.
            log.warning("No database for a request: %s", type(error).__name__)
            return self.get_response(request)
        committing, xid, pid, hooks = False, None, None, []
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500 or _failed():
                    transaction.set_rollback(True)
                    return _rolled_back(request, response)
                xid, pid = _transaction_id()
                hooks = _hooks_taken()
                committing = True
        except DatabaseError as error:
            log.warning("A request's transaction failed: %s", type(error).__name__)
            if not committing:
                return unavailable.answer(request)
            outcome = _outcome(xid, pid)
            if outcome != COMMITTED:
                return unavailable.answer(request) if outcome == ABORTED else unknown(request)
        _run(hooks)
        return response


def _rolled_back(request, response):
    """A 5xx stands; an answer of success from a transaction that failed (a view that caught
    a database error and answered anyway) is not true, and becomes a 503."""
    if response.status_code < 400:
        log.warning("A request answered %s from a failed transaction", response.status_code)
        return unavailable.answer(request)
    return response


def _failed() -> bool:
    """The transaction hit an error no savepoint caught: COMMIT would roll it back."""
    raw = connection.connection
    if connection.vendor != "postgresql":
        return False
    if raw is None or raw.closed:
        return True
    from psycopg.pq import TransactionStatus

    return raw.info.transaction_status == TransactionStatus.INERROR


def _transaction_id() -> tuple[int | None, int | None]:
    """The transaction's id (None when it wrote nothing) and its server process, asked just
    before COMMIT so that a COMMIT that fails can be looked up."""
    if connection.vendor != "postgresql":
        return None, None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current_if_assigned(), pg_backend_pid()")
        return cursor.fetchone()


def _outcome(xid: int | None, pid: int | None) -> str | None:
    """COMMITTED, ABORTED, or None when it cannot be known (the database still unreachable)."""
    if connection.vendor != "postgresql":
        return ABORTED  # SQLite commits in this process: a COMMIT that raised did not commit
    if xid is None:
        return COMMITTED  # it wrote nothing: there was nothing to lose
    try:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_status(%s)", [xid])
            status = cursor.fetchone()[0]
            if status == "in progress":
                # Its server process has not yet seen the connection go: end it, then ask again.
                cursor.execute(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE pid = %s AND backend_xid::text = %s",
                    [pid, str(xid % 2**32)],
                )
                cursor.execute("SELECT txid_status(%s)", [xid])
                status = cursor.fetchone()[0]
    except DatabaseError as error:
        log.warning("Whether a transaction committed is not known: %s", type(error).__name__)
        return None
    return status if status in (COMMITTED, ABORTED) else None


def _hooks_taken() -> list:
    """The transaction's on_commit callbacks, taken to run after COMMIT here: each on its own,
    and also when COMMIT raised but the transaction did commit."""
    hooks, connection.run_on_commit = connection.run_on_commit, []
    return [hook[1] for hook in hooks]  # (savepoint ids, callback, robust)


def _run(hooks: list) -> None:
    for func in hooks:
        try:
            func()
        except Exception as error:  # the write is saved; a sweep catches up
            log.warning(
                "A side effect after commit failed (%s); its sweep will catch up",
                type(error).__name__,
            )


def unknown(request):
    return unavailable.answer(request, known=False)
