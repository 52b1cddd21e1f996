import uuid

import kombu.pools
import pytest

from config.celery import app as celery_app
from tests.integration.workers import PrivateRedis, SharedWorker


@pytest.fixture(autouse=True)
def own_queue():
    """A queue of this test's own, so a worker left over from elsewhere can't take its tasks."""
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = f"itest-{uuid.uuid4().hex[:12]}"
    yield celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = default


@pytest.fixture(scope="session")
def _shared_worker(tmp_path_factory, django_db_setup):
    """Started on first use, stopped at the end of the run (before the test database goes)."""
    worker = SharedWorker(tmp_path_factory.mktemp("shared-worker"))
    yield worker
    worker.stop()


@pytest.fixture
def worker(_shared_worker, own_queue):
    """A real worker (as start_worker's defaults) taking this test's tasks, for its length."""
    lent = _shared_worker.lend(own_queue)
    try:
        yield lent
    finally:
        lent.give_back()


def _point_at(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.pool.force_close_all()
    celery_app._pool = None  # producers are pooled per URL: start fresh ones
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def broker():
    """Lets a test point the app at another Redis (or a port where none answers), and back."""
    real = celery_app.conf.broker_url
    yield _point_at
    _point_at(real)


@pytest.fixture
def private_redis(broker, settings):
    """A Redis of this test's own that it may stop and start (never the shared one): the app
    and the workers the test starts use it; it is stopped at the end, even on failure."""
    server = PrivateRedis()
    server.start()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = server.url
    broker(server.url)
    try:
        yield server
    finally:
        server.stop()
