"""While a cohort is written, the urgent alerts it raises enqueue their emails after each
patient's commit. With Redis down each attempt waits out redis-py's retries (about 0.7 s, some
minutes for a first-run cohort) and fails, leaving the delivery rows for
deliveries_requeue_stale. Publishing to Celery's in-memory broker instead leaves exactly those
rows, at once."""

from __future__ import annotations

import contextlib

import redis
from celery import Celery
from django.conf import settings

from config.celery import app


def broker_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


@contextlib.contextmanager
def unanswered_deliveries_wait():
    """Inside: the current Celery app publishes to memory when the broker does not answer
    (nothing is lost: the deliveries stay owed in the database). Shared tasks resolve to the
    current app, so the project's app and its connections are left untouched."""
    if broker_answers():
        yield
        return
    memory = Celery("synthetic-cohort", broker="memory://", set_as_current=False)
    memory.config_from_object("django.conf:settings", namespace="CELERY")
    memory.conf.broker_url = "memory://"
    memory.set_current()
    try:
        yield
    finally:
        app.set_current()
        memory.close()
