"""Two people acting on the same episode (or patient) at the same moment, on real connections.

The main thread holds a row lock (SELECT ... FOR UPDATE) on its own connection, starts two
threads that each call the service and so block on that lock, waits until PostgreSQL shows both
waiting, then releases it: the two requests then meet the row in a known order, no sleeps.
"""

import threading
import time
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from core.errors import Conflict
from pathway import services
from pathway.codes import State
from pathway.models import Episode, Transition
from patients.models import Patient
from tests.factories import PatientFactory, UserFactory, open_episode, record_selection

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs row locks between real connections"
    ),
]

WAIT_SECONDS = 10


@pytest.fixture
def second_coordinator(coordinator):
    user = UserFactory(username="coordinator-2")
    user.groups.add(Group.objects.get(name="coordinator"))
    return user


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Statistics views are a snapshot per transaction; the lock is held in one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@contextmanager
def held(queryset):
    """Hold a row lock on the main thread's connection until the block ends."""
    with transaction.atomic():
        list(queryset.select_for_update())
        yield


def race(lock, calls):
    """Run each call in its own thread (own connection) while `lock` holds the row, then release.
    Returns each call's outcome: the value returned or the exception raised."""
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            outcomes[i] = call()
        except Exception as error:
            outcomes[i] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with lock:
        for t in threads:
            t.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while _waiting_on_a_lock() < len(calls):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        waiting = _waiting_on_a_lock()
    for t in threads:
        t.join(WAIT_SECONDS)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    assert waiting == len(calls), "the requests did not all wait on the lock: no real race"
    return outcomes


def test_two_coordinators_moving_the_same_episode_at_once_one_wins(coordinator, second_coordinator):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)

    def refer(actor):
        return lambda: services.episode_transition(
            episode_id=episode.id, name="refer_to_mdt", actor=actor
        )

    outcomes = race(
        held(Episode.objects.filter(id=episode.id)),
        [refer(coordinator), refer(second_coordinator)],
    )

    wins = [o for o in outcomes if isinstance(o, Episode)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, outcomes
    assert Episode.objects.get(id=episode.id).state == State.MDT_DISCUSSION
    rows = Transition.objects.filter(episode_id=episode.id).order_by("id")
    assert [r.name for r in rows] == ["open", "refer_to_mdt"]


def test_two_coordinators_making_different_moves_from_the_state_they_saw_one_wins(
    coordinator, second_coordinator
):
    """One refers, the other excludes, both from the selection they saw: the second is told
    the episode changed, whichever came first."""
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)

    def attempt(actor, name, reason=""):
        return lambda: services.episode_transition(
            episode_id=episode.id,
            name=name,
            actor=actor,
            reason=reason,
            expected_state=State.SELECTION,
        )

    outcomes = race(
        held(Episode.objects.filter(id=episode.id)),
        [
            attempt(coordinator, "refer_to_mdt"),
            attempt(second_coordinator, "exclude", reason="Active bleeding."),
        ],
    )

    wins = [o for o in outcomes if isinstance(o, Episode)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, outcomes
    final = Episode.objects.get(id=episode.id).state
    assert final == wins[0].state
    rows = list(Transition.objects.filter(episode_id=episode.id).order_by("id"))
    assert len(rows) == 2
    assert rows[-1].target == final


def test_two_episodes_opened_at_once_for_the_same_patient_make_one(coordinator, second_coordinator):
    patient = PatientFactory()

    def open_for(actor):
        return lambda: services.episode_open(actor=actor, patient_id=patient.id)

    outcomes = race(
        held(Patient.objects.filter(id=patient.id)),
        [open_for(coordinator), open_for(second_coordinator)],
    )

    wins = [o for o in outcomes if isinstance(o, Episode)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, outcomes
    assert list(Episode.objects.filter(patient=patient).values_list("id", flat=True)) == [
        wins[0].id
    ]
    assert Transition.objects.filter(episode__patient=patient).count() == 1
