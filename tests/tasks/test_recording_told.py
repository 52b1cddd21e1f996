"""Whoever records an alarming result in the inbox is told on the spot, in words, that it is out
of range and who was alerted (pathway.md section 6), not only that it was recorded."""

import datetime as dt

import pytest

from tasks.models import Alert, Kind
from tests.tasks.support import INDEX_STENT, at, discharge

pytestmark = pytest.mark.django_db
D = dt.date
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def carol(coordinator):
    coordinator.first_name, coordinator.last_name = "Carol", "Coordinator"
    coordinator.save()
    return coordinator


@pytest.fixture
def episode(carol, clock):
    """Discharged on 3 Feb on warfarin; today is the 2-week visit."""
    episode = discharge(carol, clock)
    clock.move_to(at(D(2024, 2, 14), 11))
    return episode


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


def record_url(episode, kind, due_on) -> str:
    follow_up = episode.follow_ups.get(kind=kind, due_on=due_on)
    return f"/inbox/follow-ups/{follow_up.id}/record/"


def told(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_nurse_recording_an_inr_of_4_6_is_told_it_is_out_of_range_and_who_was_alerted(
    signed_in, episode
):
    url = record_url(episode, Kind.INR_CHECK, D(2024, 2, 10))

    response = signed_in.post(url, {"performed_on": "2024-02-10", "inr": "4.6"}, follow=True)

    surname = episode.patient.family_name
    assert told(response) == [
        f"INR check recorded for {surname}. INR 4.6 is out of range (target 2.0–3.0). "
        "Alerted: Carol Coordinator."
    ]
    assert Alert.objects.get(kind="urgent_result").grade == "out_of_range"


def test_in_place_with_htmx_the_inbox_says_it_too(signed_in, episode):
    url = record_url(episode, Kind.INR_CHECK, D(2024, 2, 10))

    response = signed_in.post(url, {"performed_on": "2024-02-10", "inr": "9.5"}, **HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#inbox"
    assert (
        "INR 9.5 is critically out of range (target 2.0–3.0). Alerted: Carol Coordinator."
        in response.content.decode()
    )
    assert 'class="inbox-done warn"' in response.content.decode()  # not a green success


def test_an_inr_in_range_is_only_recorded(signed_in, episode):
    url = record_url(episode, Kind.INR_CHECK, D(2024, 2, 10))

    response = signed_in.post(url, {"performed_on": "2024-02-10", "inr": "2.5"}, follow=True)

    assert told(response) == [f"INR check recorded for {episode.patient.family_name}."]


def test_an_occluded_stent_is_told_as_a_critical_finding(signed_in, episode):
    url = record_url(episode, Kind.DUPLEX, D(2024, 2, 14))

    response = signed_in.post(
        url, {"performed_on": "2024-02-14", f"segment_{INDEX_STENT}": "occluded"}, follow=True
    )

    assert told(response) == [
        f"Duplex ultrasound recorded for {episode.patient.family_name}. Critical finding: "
        "Left common iliac: occluded. Alerted: Carol Coordinator."
    ]


def test_a_review_asks_about_the_stockings_and_tells_non_adherence(signed_in, episode):
    url = record_url(episode, Kind.ANTICOAGULATION_REVIEW, D(2024, 2, 14))
    assert "Wearing the compression stockings?" in signed_in.get(url).content.decode()

    response = signed_in.post(
        url,
        {"performed_on": "2024-02-14", "adherent": "yes", "compression_adherent": "no"},
        follow=True,
    )

    review = episode.follow_ups.get(kind=Kind.ANTICOAGULATION_REVIEW, due_on=D(2024, 2, 14))
    assert review.result == {"adherent": True, "compression_adherent": False, "notes": ""}
    assert told(response) == [
        f"Anticoagulation review recorded for {episode.patient.family_name}. Urgent finding: "
        "Not wearing the compression stockings. Alerted: Carol Coordinator."
    ]


def test_an_unscheduled_inr_out_of_range_is_told_too(signed_in, episode):
    url = f"/inbox/episodes/{episode.id}/visits/inr_check/"

    response = signed_in.post(url, {"performed_on": "2024-02-14", "inr": "1.8"}, follow=True)

    assert told(response) == [
        f"Unscheduled INR check recorded for {episode.patient.family_name}. INR 1.8 is out of "
        "range (target 2.0–3.0). Alerted: Carol Coordinator."
    ]
