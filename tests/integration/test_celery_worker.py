"""A real Celery worker, on the real Redis and PostgreSQL, delivers each alert's email once:
after a normal sweep, when the task is sent twice, and when the worker is killed mid-send."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from demo import walk as demo
from tasks import services
from tasks.jobs import deliver_alert
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import PatientFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def own_queue():
    """A queue of this test's own, so a worker left over from elsewhere can't take its tasks."""
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = f"itest-{uuid.uuid4().hex[:12]}"
    yield celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = default


def _worker(mail_dir: Path, *, slow_seconds: float = 0, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_EMAIL_BACKEND": "tests.integration.slow_email.SlowFileBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
        "SLOW_EMAIL_SECONDS": str(slow_seconds),
        "CELERY_VISIBILITY_TIMEOUT": "3",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
         "--concurrency=1", f"--hostname={name}@itest", "--loglevel=WARNING",
         "-Q", celery_app.conf.task_default_queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if celery_app.control.ping(destination=[f"{name}@itest"], timeout=0.5):
            return proc
        assert proc.poll() is None, "the Celery worker exited at start"
    _stop(proc)
    raise AssertionError("the Celery worker did not start within 30 s")


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.fixture
def escalation_owed(coordinator, nurse):
    """An episode in surveillance whose first INR check closed its window 20 days ago."""
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    episode = demo.walk_to(coordinator, PatientFactory(), "surveillance")
    first = FollowUp.objects.filter(episode=episode).order_by("due_on").first()
    closed = timezone.localdate() - dt.timedelta(days=20)
    FollowUp.objects.filter(id=first.id).update(
        due_on=closed - dt.timedelta(days=3),
        window_opens_on=closed - dt.timedelta(days=6),
        window_closes_on=closed,
        next_alert_on=closed - dt.timedelta(days=6),
    )
    celery_app.control.purge()
    return first


def _mails(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def test_a_sweep_escalation_is_emailed_once_by_a_real_worker(escalation_owed, tmp_path):
    worker = _worker(tmp_path, name="once")
    try:
        services.followups_sweep()
        escalation = Alert.objects.get(kind="escalation", follow_up=escalation_owed)
        delivery = Delivery.objects.get(alert=escalation)
        assert _wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, 30)
        assert services.followups_sweep().alerts == 0
        deliver_alert.delay(delivery.id)  # the same task sent again
        time.sleep(2)
    finally:
        _stop(worker)
    assert len(_mails(tmp_path)) == 1
    assert Delivery.objects.get(id=delivery.id).attempts == 1


def test_a_worker_killed_mid_send_still_delivers_the_email_once(escalation_owed, tmp_path):
    worker = _worker(tmp_path, slow_seconds=4, name="killed")
    services.followups_sweep()
    delivery = Delivery.objects.get(alert__kind="escalation")
    time.sleep(2)  # the worker is now inside the slow send
    _stop(worker, signal.SIGKILL)
    assert Delivery.objects.get(id=delivery.id).sent_at is None
    assert _mails(tmp_path) == []

    time.sleep(4)  # past the visibility timeout: Redis hands the unacknowledged task out again
    worker = _worker(tmp_path, name="rescuer")
    try:
        assert _wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, 40)
    finally:
        _stop(worker)
    assert len(_mails(tmp_path)) == 1


@pytest.fixture
def broker():
    """Lets a test point the app at a port where no Redis answers, and back."""
    real = celery_app.conf.broker_url

    def point_at(url: str) -> None:
        celery_app.conf.broker_url = url
        celery_app.pool.force_close_all()
        celery_app._pool = None  # producers are pooled per URL: start fresh ones
        celery_app.amqp._producer_pool = None
        kombu.pools.reset()

    yield point_at
    point_at(real)


def test_alerts_raised_while_redis_is_down_are_emailed_once_it_is_back(
    escalation_owed, tmp_path, broker
):
    real = celery_app.conf.broker_url
    broker("redis://127.0.0.1:1/0")
    result = services.followups_sweep()  # must not fail: the alert is saved, its email waits
    assert result.alerts >= 1
    delivery = Delivery.objects.get(alert__kind="escalation")
    assert delivery.sent_at is None

    broker(real)
    worker = _worker(tmp_path, name="after-outage")
    try:
        later = timezone.now() + services.REQUEUE_AFTER + dt.timedelta(minutes=1)
        assert services.deliveries_requeue_stale(now=later) == 1  # the next sweep's catch-up
        assert _wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, 30)
    finally:
        _stop(worker)
    assert len(_mails(tmp_path)) == 1
