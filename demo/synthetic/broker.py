"""While a cohort is written, the urgent alerts it raises would enqueue their emails after each
patient's commit. Those emails are withheld in the same transaction (cohort.history_withhold:
a history is not news), so the tasks would find nothing to send; they go to Celery's in-memory
broker instead of Redis. Nothing is lost: the delivery rows say why they were not emailed. It
also spares a cohort written with Redis down from waiting out redis-py's retries (about 0.7 s
an email, some minutes for a first-run cohort)."""

from __future__ import annotations

import contextlib

from celery import Celery
from celery import current_app as celery_current


@contextlib.contextmanager
def history_tasks_in_memory():
    """Inside: the current Celery app publishes to memory. Shared tasks resolve to the current
    app, so the project's app and its connections are left untouched; on leaving, whichever
    app was current before is current again (the contexts nest)."""
    before = celery_current._get_current_object()
    memory = Celery("synthetic-cohort", broker="memory://", set_as_current=False)
    memory.config_from_object("django.conf:settings", namespace="CELERY")
    memory.conf.broker_url = "memory://"
    memory.set_current()
    try:
        yield
    finally:
        before.set_current()
        memory.close()
