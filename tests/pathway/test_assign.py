"""A coordinator names the nurse and coordinator who look after an episode (and get its
alerts); anyone else in those roles then hears nothing of it."""

import pytest

from pathway.codes import State
from pathway.models import Episode
from tests.factories import episode_in

pytestmark = pytest.mark.django_db


def assign(client, episode, **body):
    return client.patch(f"/api/episodes/{episode.id}/", body, format="json")


def test_coordinator_assigns_a_nurse_and_a_coordinator_to_an_episode(
    as_coordinator, coordinator, nurse
):
    episode = episode_in(State.IMAGING, coordinator)
    response = assign(
        as_coordinator, episode, assigned_nurse=nurse.id, assigned_coordinator=coordinator.id
    )
    assert response.status_code == 200, response.content
    assert (response.json()["assigned_nurse"], response.json()["assigned_coordinator"]) == (
        nurse.id,
        coordinator.id,
    )
    assert Episode.objects.get(id=episode.id).assigned_nurse == nurse


def test_unassigning_hands_the_episode_back_to_the_whole_role(as_coordinator, coordinator, nurse):
    episode = episode_in(State.IMAGING, coordinator)
    assign(as_coordinator, episode, assigned_nurse=nurse.id, assigned_coordinator=coordinator.id)
    response = assign(as_coordinator, episode, assigned_nurse=None)
    assert response.status_code == 200, response.content
    episode.refresh_from_db()
    assert (episode.assigned_nurse, episode.assigned_coordinator) == (None, coordinator)


def test_only_someone_in_the_role_can_be_assigned(as_coordinator, coordinator, nurse):
    episode = episode_in(State.IMAGING, coordinator)
    response = assign(as_coordinator, episode, assigned_nurse=coordinator.id)
    assert response.status_code == 400
    assert "assigned_nurse" in response.json()
    assert Episode.objects.get(id=episode.id).assigned_nurse is None


def test_nurse_cannot_assign_an_episode(as_nurse, coordinator, nurse):
    episode = episode_in(State.IMAGING, coordinator)
    assert assign(as_nurse, episode, assigned_nurse=nurse.id).status_code == 403
    assert Episode.objects.get(id=episode.id).assigned_nurse is None


def test_a_closed_episode_cannot_be_assigned(as_coordinator, coordinator, nurse):
    episode = episode_in(State.SELECTION, coordinator)
    withdraw = {"transition": "withdraw", "reason": "Declined."}
    as_coordinator.post(f"/api/episodes/{episode.id}/transitions/", withdraw, format="json")
    assert assign(as_coordinator, episode, assigned_nurse=nurse.id).status_code == 409
