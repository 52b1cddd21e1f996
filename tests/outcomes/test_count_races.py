"""Writes of two episodes in the same bucket (month of time zero, lesion) at the same moment, on
real connections: both add to the same count rows, and neither addition is lost (each adds its
difference with ON CONFLICT DO UPDATE SET n = n + excluded.n, never a value read before)."""

import pytest
from django.db import connection

from outcomes.models import EpisodeOutcomeCount, StayCount
from outcomes.selectors import outcomes_get
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
