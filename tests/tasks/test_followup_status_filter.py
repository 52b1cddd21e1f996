"""`GET /api/episodes/<id>/follow-ups/?status=` lists only the follow-ups with that derived
status (contract), or one of several comma separated; an unknown status is refused in words."""

import datetime as dt

import pytest

from tests.tasks.support import at, discharge

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def episode(coordinator, as_nurse, clock):
    """On a VKA, discharged 3 Feb 2024; on 20 Feb the first INR check is overdue, the second
    and the 2-week duplex are due (the duplex recorded: completed), the rest scheduled."""
    episode = discharge(coordinator, clock, anticoagulant="vka")
    clock.move_to(at(D(2024, 2, 20), 11))
    duplex = episode.follow_ups.get(kind="duplex", due_on=D(2024, 2, 14))
    recorded = as_nurse.post(
        f"/api/follow-ups/{duplex.id}/result/",
        {
            "performed_on": "2024-02-14",
            "segments": [
                {"segment": "left_common_iliac", "result": "patent"},
                {"segment": "ivc", "result": "patent"},
            ],
        },
        format="json",
    )
    assert recorded.status_code == 200, recorded.content
    return episode


def listed(client, episode, query="") -> list[dict]:
    response = client.get(f"/api/episodes/{episode.id}/follow-ups/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_overdue_filter_lists_only_the_overdue_follow_ups(as_nurse, episode):
    everything = listed(as_nurse, episode)

    overdue = listed(as_nurse, episode, "?status=overdue")

    assert overdue and len(overdue) < len(everything)
    assert overdue == [row for row in everything if row["status"] == "overdue"]


@pytest.mark.parametrize("status", ["scheduled", "due", "completed", "cancelled"])
def test_each_status_filters_by_what_the_list_shows(as_nurse, episode, status):
    everything = listed(as_nurse, episode)

    assert listed(as_nurse, episode, f"?status={status}") == [
        row for row in everything if row["status"] == status
    ]


def test_several_statuses_may_be_asked_for_at_once(as_nurse, episode):
    everything = listed(as_nurse, episode)

    open_now = listed(as_nurse, episode, "?status=due,overdue")

    assert {row["status"] for row in open_now} == {"due", "overdue"}
    assert open_now == [row for row in everything if row["status"] in ("due", "overdue")]
    assert listed(as_nurse, episode, "?status=") == everything


@pytest.mark.parametrize("query", ["?status=late", "?status=due,late", "?status=,"])
def test_an_unknown_status_is_refused_naming_the_known_ones(as_nurse, episode, query):
    response = as_nurse.get(f"/api/episodes/{episode.id}/follow-ups/{query}")

    assert response.status_code == 400
    message = " ".join(response.json()["status"])
    assert "Unknown status" in message
    assert "Known: scheduled, due, overdue, completed, cancelled." in message
