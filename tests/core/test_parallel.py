"""The suite under pytest-xdist (`make test`): each worker on databases of its own."""

import os

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.parallel import redis_url_for


def test_each_worker_has_the_redis_database_after_the_last_ones():
    base = "redis://127.0.0.1:6379/12"

    assert redis_url_for(base, "") == base  # one process: REDIS_URL as given
    assert redis_url_for(base, "master") == base
    assert redis_url_for(base, "gw0") == base
    assert redis_url_for(base, "gw1") == "redis://127.0.0.1:6379/13"
    assert redis_url_for(base, "gw5") == "redis://127.0.0.1:6379/1"  # Redis has sixteen
    assert redis_url_for("redis://127.0.0.1:6379", "gw2") == "redis://127.0.0.1:6379/2"


def test_this_worker_uses_its_own_test_database_and_redis_database(db):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    own = os.environ["REDIS_URL"]  # what the Celery workers the tests start are given

    assert settings.REDIS_URL == settings.CELERY_BROKER_URL == own
    assert celery_app.conf.broker_url == own
    if worker:
        assert connection.settings_dict["NAME"].endswith(f"_{worker}")
