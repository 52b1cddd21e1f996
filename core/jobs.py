"""Celery entry points of core (config/celery.py finds each app's `jobs.py`)."""

from celery import shared_task

from core.idempotency import answers_expired_purge
from core.tokens import credentials_expired_purge


@shared_task(acks_late=True, ignore_result=True)
def purge_expired_credentials() -> int:
    """Daily (beat): expired tokens and sessions, and the first answers kept for repeats
    (core/idempotency.py) once their 24 hours are over; running it twice removes nothing
    more."""
    purged = credentials_expired_purge()
    return purged.tokens + purged.sessions + answers_expired_purge()
