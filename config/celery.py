"""The Celery app. Entry points live in each app's `jobs.py` so they can't be confused with
the `tasks` app (clinical work owed to a patient). The beat schedule is CELERY_BEAT_SCHEDULE,
in config/settings.py alone."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
