import uuid

import pytest

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def own_queue():
    """A queue of this test's own, so a worker left over from elsewhere can't take its tasks."""
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = f"itest-{uuid.uuid4().hex[:12]}"
    yield celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = default
