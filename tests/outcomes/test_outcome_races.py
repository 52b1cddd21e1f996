"""Two results of the same episode recorded at the same moment, on real connections: both wait
for the episode, then write one after the other, and the episode's outcome row reduces both
(neither refresh overwrites the row without the other's reading)."""

from decimal import Decimal

import pytest
from django.db import connection

from core.errors import Conflict
from outcomes.models import EpisodeOutcome
from pathway import services
from pathway.models import Episode
from tasks import services as task_services
from tasks.models import FollowUp
from tests.factories import days_ago
from tests.outcomes.support import discharged
from tests.pathway.test_concurrency import held, race

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs row locks between real connections"
    ),
]


def test_two_inr_readings_recorded_at_once_both_count_in_the_ttr(coordinator, nurse):
    episode = discharged(coordinator, days_ago(40))  # on a VKA, target 2.0-3.0
    checks = FollowUp.objects.filter(episode=episode, kind="inr_check").order_by("due_on")
    first, second = checks[:2]

    def record(follow_up, inr):
        return lambda: task_services.followup_record_result(
            actor=nurse, follow_up_id=follow_up.id, performed_on=follow_up.due_on, inr=Decimal(inr)
        )

    outcomes = race(
        held(Episode.objects.filter(id=episode.id)),
        [record(first, "2.5"), record(second, "2.5")],
    )

    assert all(isinstance(o, FollowUp) for o in outcomes), outcomes
    assert EpisodeOutcome.objects.get(episode=episode).ttr == 100.0  # two readings, in range


def test_a_result_and_a_withdrawal_at_once_neither_deadlocks(coordinator, nurse):
    episode = discharged(coordinator, days_ago(40))
    check = FollowUp.objects.filter(episode=episode, kind="inr_check").order_by("due_on").first()

    outcomes = race(
        held(Episode.objects.filter(id=episode.id)),
        [
            lambda: task_services.followup_record_result(
                actor=nurse, follow_up_id=check.id, performed_on=check.due_on, inr=Decimal("2.5")
            ),
            lambda: services.episode_transition(
                episode_id=episode.id, name="withdraw", actor=coordinator, reason="Moved away."
            ),
        ],
    )

    # Whichever came first, the other met its result (a cancelled follow-up refuses it): a
    # conflict in words, never a deadlock.
    assert isinstance(outcomes[1], Episode), outcomes
    assert isinstance(outcomes[0], FollowUp | Conflict), outcomes
    assert Episode.objects.get(id=episode.id).state == "withdrawn"
