"""Redis stopping in the middle of a sweep, between two of its delivery tasks, loses no alert
and sends none twice: the sweep finishes (the alerts and their deliveries are rows, committed
before anything is sent to Redis), and once Redis is back the catch-up enqueues what never got
there, and a real worker emails each alert exactly once. A Redis of the test's own is stopped,
never the shared one; it keeps nothing on disk, so the tasks it held are lost with it."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from demo import walk as demo
from tasks import services, windows
from tasks.jobs import deliver_alert
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import PatientFactory
from tests.integration.workers import (
    mails,
    read_mails,
    settled,
    start_worker,
    stop,
    wait_for,
)
from tests.tasks.support import user_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
OWED = 3  # follow-ups owing an escalation, one sweep batch each


@pytest.fixture
def escalations_owed(coordinator, nurse):
    """Two coordinators; an episode whose first three follow-ups closed their windows weeks
    ago: each owes an escalation to both coordinators (emailed at once)."""
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    user_in("coordinator", "coordinator-2")
    episode = demo.walk_to(coordinator, PatientFactory(), "surveillance")
    episode.assigned_coordinator = None  # every coordinator hears
    episode.save(update_fields=["assigned_coordinator"])
    owed = list(FollowUp.objects.filter(episode=episode).order_by("due_on")[:OWED])
    for i, follow_up in enumerate(owed):
        closed = timezone.localdate() - dt.timedelta(days=20 + i)
        FollowUp.objects.filter(id=follow_up.id).update(
            due_on=closed - dt.timedelta(days=3),
            window_opens_on=closed - dt.timedelta(days=6),
            window_closes_on=closed,
            next_alert_on=closed - dt.timedelta(days=6),
        )
    return owed


def test_redis_stopping_mid_sweep_loses_no_alert_and_sends_none_twice(
    escalations_owed, private_redis, tmp_path, own_queue, monkeypatch
):
    real_delay, sent = deliver_alert.delay, []

    def delay_then_redis_stops(delivery_id):
        """The third task sent (the first of the second batch) reaches Redis, which stops."""
        real_delay(delivery_id)
        sent.append(delivery_id)
        if len(sent) == 3:
            private_redis.stop()

    monkeypatch.setattr(deliver_alert, "delay", delay_then_redis_stops)
    worker = start_worker(tmp_path, name="outage")
    try:
        result = services.followups_sweep(batch_size=1)  # must not fail while Redis is down
        assert (result.batches, result.follow_ups) == (OWED, OWED)
        immediate = Delivery.objects.filter(alert__kind="escalation")
        assert immediate.count() == 2 * OWED
        assert len(sent) == 3  # the other three never reached Redis: their rows wait
        monkeypatch.setattr(deliver_alert, "delay", real_delay)

        private_redis.start()  # empty: what it held is gone
        again = services.followups_sweep()  # the claims hold: nothing is raised twice
        assert (again.follow_ups, again.alerts) == (0, 0)
        later = timezone.now() + services.REQUEUE_AFTER + dt.timedelta(minutes=1)
        assert services.deliveries_requeue_stale(now=later) >= 3  # the catch-up
        assert wait_for(lambda: not immediate.filter(sent_at__isnull=True).exists(), 40)
        # Every task sent has run to the end: anything wrongly sent twice has arrived.
        assert wait_for(lambda: settled(own_queue), 10)
    finally:
        stop(worker)

    messages = read_mails(tmp_path)
    lines = Counter((m["To"], m.get_payload(decode=True).decode()) for m in messages)
    assert len(lines) == 2 * OWED and set(lines.values()) == {1}, lines
    assert len(mails(tmp_path)) == immediate.count()
    for follow_up in escalations_owed:
        row = FollowUp.objects.get(id=follow_up.id)
        assert row.alert_stage == windows.ESCALATION_STAGE
        assert Alert.objects.filter(follow_up=row, kind="escalation").count() == 2
    assert celery_app.conf.broker_url == private_redis.url
