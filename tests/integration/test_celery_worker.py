"""A real Celery worker, on the real Redis and PostgreSQL, delivers each alert's email once:
after a normal sweep, when the task is sent twice, and when the worker is killed mid-send (its
claim expires and the email is sent by another worker)."""

import datetime as dt
import signal
import time

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from demo import walk as demo
from tasks import services
from tasks.jobs import deliver_alert
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import PatientFactory
from tests.integration.workers import (
    VISIBILITY_TIMEOUT,
    mails,
    queue_drained,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# The killed worker's claim: longer than its 4 s send, short enough to expire within the test.
CLAIM_SECONDS = 8


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


def test_a_sweep_escalation_is_emailed_once_by_a_real_worker(escalation_owed, tmp_path):
    worker = start_worker(tmp_path, name="once")
    try:
        services.followups_sweep()
        escalation = Alert.objects.get(kind="escalation", follow_up=escalation_owed)
        delivery = Delivery.objects.get(alert=escalation)
        assert wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, 30)
        assert services.followups_sweep().alerts == 0
        deliver_alert.delay(delivery.id)  # the same task sent again
        time.sleep(2)
    finally:
        stop(worker)
    assert len(mails(tmp_path)) == 1
    assert Delivery.objects.get(id=delivery.id).attempts == 1


def _row(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(id=delivery.id)


def test_a_worker_killed_mid_send_still_delivers_the_email_once(
    escalation_owed, tmp_path, own_queue
):
    worker = start_worker(tmp_path, slow_seconds=4, claim_seconds=CLAIM_SECONDS, name="killed")
    services.followups_sweep()
    swept = time.monotonic()
    delivery = Delivery.objects.get(alert__kind="escalation")
    assert wait_for(lambda: _row(delivery).claimed_until, 10)  # claimed, now in the slow send
    time.sleep(1)
    stop(worker, signal.SIGKILL)
    row = _row(delivery)
    assert row.sent_at is None and row.attempts == 1 and row.claimed_until > timezone.now()
    assert mails(tmp_path) == []

    # Past the visibility timeout, Redis hands the unacknowledged task to a worker starting up.
    # The dead worker's claim is still live: the task sends nothing and is acknowledged.
    time.sleep(max(0.0, swept + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    worker = start_worker(tmp_path, claim_seconds=CLAIM_SECONDS, name="rescuer")
    try:
        assert wait_for(lambda: queue_drained(own_queue), 10)
        row = _row(delivery)
        assert row.claimed_until > timezone.now(), "the claim expired before the test could see"
        assert row.sent_at is None and row.attempts == 1
        assert mails(tmp_path) == []

        # Once the claim has expired, the sweep's catch-up enqueues it again: sent once.
        assert wait_for(lambda: _row(delivery).claimed_until < timezone.now(), CLAIM_SECONDS)
        later = timezone.now() + services.REQUEUE_AFTER
        assert services.deliveries_requeue_stale(now=later) == 1
        assert wait_for(lambda: _row(delivery).sent_at, 20)
        assert services.deliveries_requeue_stale(now=later) == 0  # sent: never again
    finally:
        stop(worker)
    assert len(mails(tmp_path)) == 1
    row = _row(delivery)
    assert row.attempts == 2 and row.claimed_until is None


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
    worker = start_worker(tmp_path, name="after-outage")
    try:
        later = timezone.now() + services.REQUEUE_AFTER + dt.timedelta(minutes=1)
        assert services.deliveries_requeue_stale(now=later) == 1  # the next sweep's catch-up
        assert wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, 30)
    finally:
        stop(worker)
    assert len(mails(tmp_path)) == 1
