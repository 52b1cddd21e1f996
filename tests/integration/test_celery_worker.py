"""A real Celery worker, on the real Redis and PostgreSQL, delivers each alert's email once:
after a normal sweep, when the task is sent twice, and when the worker is killed mid-send (its
claim expires and the email is sent by another worker).

No step waits a fixed time: each waits, with a generous bound, for what the workers write (the
database, their logs, a file at the moment of sending, Redis' record of held tasks), and the
killed worker's claim expires when the test moves its time into the past, not when the clock
gets there, so a slow machine only makes the tests slower."""

import datetime as dt
import signal

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from demo import walk as demo
from tasks import services
from tasks.jobs import deliver_alert
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import PatientFactory
from tests.integration.workers import (
    mails,
    queue_drained,
    redeliverable,
    settled,
    start_worker,
    stop,
    task_results,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# The killed worker's claim: longer than the test can take, and than the sweep's requeue
# delay, so it is live until the test says it has expired.
CLAIM_SECONDS = 3600
DELIVER = deliver_alert.name
PATIENCE = 60  # seconds: the most any one step may take on a busy machine


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


def test_a_sweep_escalation_is_emailed_once_by_a_real_worker(escalation_owed, own_queue, worker):
    services.followups_sweep()
    escalation = Alert.objects.get(kind="escalation", follow_up=escalation_owed)
    delivery = Delivery.objects.get(alert=escalation)
    assert wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, PATIENCE)
    assert services.followups_sweep().alerts == 0
    deliver_alert.delay(delivery.id)  # the same task sent again: it runs, and sends nothing
    assert wait_for(lambda: worker.task_results(DELIVER) == ["True", "False"], PATIENCE)
    assert wait_for(lambda: settled(own_queue), PATIENCE)  # every task sent has run to the end
    assert len(worker.mails()) == 1
    assert Delivery.objects.get(id=delivery.id).attempts == 1


def _row(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(id=delivery.id)


def test_a_worker_killed_mid_send_still_delivers_the_email_once(
    escalation_owed, tmp_path, own_queue
):
    gate = tmp_path / "gate"
    gate.mkdir()
    claim = dt.timedelta(seconds=CLAIM_SECONDS)
    before = timezone.now()
    worker = start_worker(tmp_path, gate=gate, claim_seconds=CLAIM_SECONDS, name="killed")
    services.followups_sweep()
    delivery = Delivery.objects.get(alert__kind="escalation")
    # The worker has claimed the delivery and is sending its email: it is killed there.
    assert wait_for(lambda: (gate / "sending").exists(), PATIENCE)
    stop(worker, signal.SIGKILL)
    row = _row(delivery)
    assert row.sent_at is None and row.attempts == 1
    assert before + claim <= row.claimed_until <= timezone.now() + claim  # claimed as told
    assert mails(tmp_path) == []
    dead_workers_claim = row.claimed_until

    # Past the visibility timeout, Redis hands the unacknowledged task to a worker starting up.
    # The dead worker's claim is still live: the task sends nothing and is acknowledged.
    assert wait_for(lambda: redeliverable(own_queue), PATIENCE)
    log = tmp_path / "rescuer.log"
    worker = start_worker(tmp_path, name="rescuer", log=log)
    try:
        assert wait_for(lambda: task_results(log, DELIVER) == ["False"], PATIENCE)
        assert wait_for(lambda: queue_drained(own_queue), PATIENCE)
        row = _row(delivery)
        assert row.claimed_until == dead_workers_claim
        assert row.sent_at is None and row.attempts == 1
        assert mails(tmp_path) == []
        later = timezone.now() + services.REQUEUE_AFTER
        assert services.deliveries_requeue_stale(now=later) == 0  # claimed: left alone

        # The claim expires (its end moved into the past, as time passing would): the sweep's
        # catch-up enqueues the delivery again, and the email is sent, once.
        Delivery.objects.filter(id=delivery.id).update(
            claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )
        later = timezone.now() + services.REQUEUE_AFTER
        assert services.deliveries_requeue_stale(now=later) == 1
        assert wait_for(lambda: _row(delivery).sent_at, PATIENCE)
        assert wait_for(lambda: task_results(log, DELIVER) == ["False", "True"], PATIENCE)
        assert services.deliveries_requeue_stale(now=later) == 0  # sent: never again
    finally:
        stop(worker)
    assert len(mails(tmp_path)) == 1
    row = _row(delivery)
    assert row.attempts == 2 and row.claimed_until is None


def test_alerts_raised_while_redis_is_down_are_emailed_once_it_is_back(
    escalation_owed, broker, own_queue, worker
):
    real = celery_app.conf.broker_url
    broker("redis://127.0.0.1:1/0")
    result = services.followups_sweep()  # must not fail: the alert is saved, its email waits
    assert result.alerts >= 1
    delivery = Delivery.objects.get(alert__kind="escalation")
    assert delivery.sent_at is None

    broker(real)  # the worker, on the real Redis all along, has had nothing to take
    later = timezone.now() + services.REQUEUE_AFTER + dt.timedelta(minutes=1)
    assert services.deliveries_requeue_stale(now=later) == 1  # the next sweep's catch-up
    assert wait_for(lambda: Delivery.objects.get(id=delivery.id).sent_at, PATIENCE)
    assert wait_for(lambda: settled(own_queue), PATIENCE)  # every task sent has run to the end
    assert len(worker.mails()) == 1
