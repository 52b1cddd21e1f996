"""Writes of two episodes in the same bucket (month of time zero, lesion) at the same moment, on
real connections: both add to the same count rows, and neither addition is lost (each adds its
difference with ON CONFLICT DO UPDATE SET n = n + excluded.n, never a value read before)."""

import threading
import time

import pytest
from django.db import connection, transaction

from outcomes.models import EpisodeOutcomeCount, EpisodeShare, StayCount
from outcomes.selectors import outcomes_get
from outcomes.services.counts import episode_counts_refresh
from pathway import services
from pathway.models import Episode
from tests.factories import days_ago
from tests.outcomes.support import discharged, duplex
from tests.outcomes.test_kept_counts import assert_counts_in_line
from tests.pathway.test_concurrency import held, race

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs row locks between real connections"
    ),
]


def test_two_moves_and_two_results_at_once_both_count(coordinator, nurse, admin_user):
    one, two = (discharged(coordinator, days_ago(200), lesion="compression") for _ in range(2))
    both = Episode.objects.filter(id__in=[one.id, two.id])

    results = race(
        held(both), [lambda e=e: duplex(nurse, e, days_ago(100), "occluded") for e in (one, two)]
    )
    assert not any(isinstance(r, Exception) for r in results), results
    moves = race(
        held(both),
        [
            lambda e=e: services.episode_transition(
                episode_id=e.id, name="withdraw", actor=coordinator, reason="Moved away."
            )
            for e in (one, two)
        ],
    )
    assert all(isinstance(m, Episode) for m in moves), moves

    occluded = EpisodeOutcomeCount.objects.get(part="assisted_primary", label="event", days=100)
    assert occluded.n == 2
    surveillance = StayCount.objects.filter(state="surveillance")
    closed = surveillance.filter(stay_days__isnull=False).values_list("n", flat=True)
    still = surveillance.filter(entered_on__isnull=False).values_list("n", flat=True)
    assert (sum(closed), sum(still)) == (2, 0)
    assert outcomes_get(actor=admin_user)["patency"]["assisted_primary"]["6"]["events"] == 2
    assert_counts_in_line()


def _waiting_on_a_lock(pid: int, within: float = 10.0) -> bool:
    """Whether the backend `pid` is waiting on a lock, asked until `within` seconds pass."""
    deadline = time.monotonic() + within
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            if (cursor.fetchone() or [None])[0] == "Lock":
                return True
            time.sleep(0.02)
    return False


def test_two_writers_refreshing_two_episodes_in_opposite_orders_both_commit(coordinator):
    """A transaction that refreshes counts twice (a patient's journey written at once) took
    count rows in two orders, and two such deadlocked (the synthetic cohort's two writers): the
    writers of counts now take turns from their first refresh to their commit."""
    one = discharged(coordinator, days_ago(200), lesion="compression")
    two = discharged(coordinator, days_ago(400), lesion="post_thrombotic")  # another bucket
    # Without their shares, each refresh adds them again: every refresh writes count rows.
    EpisodeShare.objects.filter(episode_id__in=[one.id, two.id]).delete()
    first_wrote, second = threading.Event(), {}
    outcomes: dict[str, object] = {}

    def writer(name, order):
        try:
            with transaction.atomic():
                if name == "second":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_backend_pid()")
                        second["pid"] = cursor.fetchone()[0]
                    first_wrote.wait(10)
                episode_counts_refresh(episode_ids=[order[0]])
                if name == "first":
                    first_wrote.set()
                    # the second writer has written its first episode, or waits for its turn
                    second["seen"] = _waiting_on_a_lock(second["pid"], within=3.0)
                episode_counts_refresh(episode_ids=[order[1]])
            outcomes[name] = "committed"
        except Exception as error:
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=("second", (two.id, one.id))),
        threading.Thread(target=writer, args=("first", (one.id, two.id))),
    ]
    threads[0].start()
    while "pid" not in second:
        time.sleep(0.01)
    threads[1].start()
    for thread in threads:
        thread.join(30)

    assert outcomes == {"first": "committed", "second": "committed"}, outcomes
    assert second["seen"], "the second writer never waited for the first"
