"""Two top-ups at once (beat and `manage.py top_up_followups`, or two beat ticks) on real
PostgreSQL connections: the episodes are locked one batch at a time and skipped when locked, so
every follow-up owed is created exactly once."""

import datetime as dt
from collections import Counter

import pytest

from tasks.services.topup import followups_top_up
from tests.tasks.support import at, discharge
from tests.tasks.test_sweep_concurrency import run_at_once

# serialized_rollback: the roles and the default schedule are data migrations (see
# test_sweep_concurrency).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
EPISODES = 6


def test_two_top_ups_at_once_create_each_next_follow_up_exactly_once(coordinator, clock):
    episodes = [discharge(coordinator, clock, anticoagulant="doac") for _ in range(EPISODES)]
    clock.move_to(at(dt.date(2028, 6, 1)))

    results = run_at_once(2, lambda: followups_top_up(batch_size=2))

    assert sum(results) == EPISODES * 8  # duplex and review, 2030 to 2033, for each
    for episode in episodes:
        places = Counter(
            episode.follow_ups.values_list("kind", "anchor", "offset_months", "offset_days")
        )
        assert set(places.values()) == {1}  # no place in the schedule twice
    assert run_at_once(2, followups_top_up) == [0, 0]
