"""The Celery app. Entry points live in each app's `jobs.py` so they can't be confused with
the `tasks` app (clinical work owed to a patient)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")


@app.on_after_configure.connect
def daily_jobs(sender, **kwargs):
    """Beside CELERY_BEAT_SCHEDULE (settings), daily in the unit's time zone: the top-up of the
    follow-ups of episodes in surveillance (pathway.md section 4) at 02:30, and the purge of
    expired API tokens and sessions, and of the answers kept for repeats (core/idempotency.py),
    at 03:15."""
    sender.add_periodic_task(
        crontab(hour=2, minute=30),
        sender.signature("tasks.jobs.top_up_followups"),
        name="top-up-follow-ups",
    )
    sender.add_periodic_task(
        crontab(hour=3, minute=15),
        sender.signature("core.jobs.purge_expired_credentials"),
        name="purge-expired-credentials",
    )
