"""Two sweeps at once (two beat ticks overlapping, or beat and `manage.py sweep_followups`) on
real PostgreSQL connections: every owed alert is raised, none twice, and the database itself
refuses a duplicate."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from demo import walk as demo
from pathway.codes import State
from tasks import jobs, services
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import PatientFactory
from tests.tasks.support import user_in

# serialized_rollback: the roles and the default schedule are data migrations; a transactional
# test that flushes them would leave the tests after it without nurses or schedule rules.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PER_STAGE = 100  # follow-ups owed at each stage


def owed(episode, due_on: dt.date, kind: str) -> FollowUp:
    return FollowUp(
        episode=episode,
        kind=kind,
        due_on=due_on,
        window_opens_on=due_on - dt.timedelta(days=7),
        window_closes_on=due_on + dt.timedelta(days=7),
        next_alert_on=due_on - dt.timedelta(days=7),
        created_by=episode.history.get(name="discharge"),
    )


@pytest.fixture
def many_owed(coordinator):
    """300 follow-ups owed today on three episodes in surveillance: 100 just due, 100 overdue
    and 100 long overdue, none alerted yet."""
    today = timezone.localdate()
    episodes = [demo.walk_to(coordinator, PatientFactory(), State.SURVEILLANCE) for _ in range(3)]
    assert not FollowUp.objects.owed(today=today).exists()  # the real schedules start later
    stages = {"due": 2, "overdue": -10, "escalation": -30}  # due date, days from today
    rows = [
        owed(episodes[i % 3], today + dt.timedelta(days=offset), ("duplex", "inr_check")[i % 2])
        for offset in stages.values()
        for i in range(PER_STAGE)
    ]
    return FollowUp.objects.bulk_create(rows)


def run_at_once(n: int, work) -> list:
    """Run `work` in n threads released together; each thread closes its own connection."""
    start = threading.Barrier(n)
    results, errors = [None] * n, []

    def body(i):
        try:
            start.wait()
            results[i] = work()
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_sweeps_at_once_raise_every_owed_alert_exactly_once(
    coordinator, nurse, many_owed, monkeypatch
):
    user_in("nurse", "nurse-2")
    enqueued = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", enqueued.append)  # list.append is atomic

    results = run_at_once(2, lambda: services.followups_sweep(batch_size=10))

    # due: 2 nurses; overdue: 2 nurses; long overdue: overdue to 2 nurses + the coordinator.
    expected = PER_STAGE * 2 + PER_STAGE * 2 + PER_STAGE * 3
    assert sum(r.follow_ups for r in results) == len(many_owed)  # each claimed by one sweep
    assert sum(r.alerts for r in results) == expected
    assert Alert.objects.count() == expected
    assert Counter(Alert.objects.values_list("kind", flat=True)) == {
        "due": 2 * PER_STAGE,
        "overdue": 4 * PER_STAGE,
        "escalation": PER_STAGE,
    }
    assert Delivery.objects.count() == expected
    immediate = set(Delivery.objects.filter(digest=False).values_list("id", flat=True))
    assert sorted(enqueued) == sorted(immediate) and len(immediate) == PER_STAGE

    again = run_at_once(2, services.followups_sweep)
    assert [r.alerts for r in again] == [0, 0]
    assert Alert.objects.count() == expected


def test_the_database_refuses_a_second_alert_for_the_same_visit_kind_and_person(
    coordinator, nurse, many_owed
):
    other_nurse = user_in("nurse", "nurse-2")
    fu = many_owed[0]
    Alert.objects.create(episode=fu.episode, follow_up=fu, kind="due", recipient=nurse)
    Alert.objects.create(episode=fu.episode, follow_up=fu, kind="due", recipient=other_nurse)
    Alert.objects.create(episode=fu.episode, follow_up=fu, kind="overdue", recipient=nurse)

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(episode=fu.episode, follow_up=fu, kind="due", recipient=nurse)

    assert Alert.objects.filter(follow_up=fu).count() == 3
