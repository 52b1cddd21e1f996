"""Results entered late, from the web pages (pathway.md section 6): once the episode has left
surveillance, its page offers to record a duplex or INR done while it was there; the form asks
why it is entered late, the service judges the date, and the visit shows with its reason."""

import datetime as dt

import pytest
from django.urls import reverse

from pathway.codes import State
from tasks.models import Alert, Visit
from tests.factories import episode_in
from tests.tasks.support import (
    INDEX_STENT,
    NEW_STENT,
    at,
    discharge,
    move,
    redischarge_with_a_new_stent,
)

pytestmark = pytest.mark.django_db
D = dt.date
SCANNED, REDO, ENTERED = D(2024, 3, 13), D(2024, 3, 14), D(2024, 3, 15)
REASON = "The scan report reached us after the re-intervention."
LATE_DUPLEX = "Record a duplex done earlier in surveillance"
LATE_INR = "Record an INR done earlier in surveillance"
REASON_FIELD = "Why it is entered late"


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


@pytest.fixture
def redone(coordinator, clock):
    """Discharged on 3 Feb after a procedure on 31 Jan; back for a re-intervention on 14 Mar
    (booked, in `procedure`); today is 15 Mar."""
    episode = discharge(coordinator, clock)
    clock.move_to(at(REDO))
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Leg swelling again.",
        reintervention={"cause": "symptoms", "segments": [INDEX_STENT]},
    )
    clock.move_to(at(ENTERED, 11))
    return episode


def page_of(episode) -> str:
    return reverse("episode-page", args=[episode.id])


def visit_url(episode, kind: str) -> str:
    return reverse("record-visit", args=[episode.id, kind])


def occluded_duplex(performed_on=SCANNED, **extra) -> dict:
    return {"performed_on": performed_on.isoformat(), f"segment_{INDEX_STENT}": "occluded"} | extra


def test_a_nurse_records_the_duplex_done_the_day_before_the_reintervention_from_the_episode_page(
    signed_in, redone
):
    page = signed_in.get(page_of(redone)).content.decode()
    assert LATE_DUPLEX in page and LATE_INR in page
    assert f'href="{visit_url(redone, "duplex")}"' in page
    form = signed_in.get(visit_url(redone, "duplex")).content.decode()
    assert REASON_FIELD in form and "left surveillance on 2024-03-14" in form
    assert f'hx-post="{visit_url(redone, "duplex")}"' not in form  # back to the episode page

    response = signed_in.post(visit_url(redone, "duplex"), occluded_duplex(reason=REASON))

    assert response.status_code == 302 and response["Location"] == page_of(redone)
    visit = Visit.objects.get(episode=redone)
    assert (visit.performed_on, visit.late_reason) == (SCANNED, REASON)
    assert not Alert.objects.filter(kind="urgent_result").exists()
    page = signed_in.get(page_of(redone)).content.decode()
    assert (
        "Duplex of 2024-03-13 recorded as a late result; it counts for the outcomes and "
        "alerted nobody." in page
    )
    assert f"Entered late: {REASON}" in page
    assert "performed 2024-03-13" in page


def test_a_late_result_without_a_reason_is_refused_on_the_form(signed_in, redone):
    response = signed_in.post(visit_url(redone, "duplex"), occluded_duplex(reason="  "))

    assert response.status_code == 400
    assert "Required: say why this result is entered after the episode moved on." in (
        response.content.decode()
    )
    assert not Visit.objects.exists()


@pytest.mark.parametrize("day", [D(2024, 2, 2), ENTERED])  # before the discharge; since the redo
def test_a_day_in_no_stay_in_surveillance_is_refused_in_words(signed_in, redone, day):
    response = signed_in.post(
        visit_url(redone, "duplex"), occluded_duplex(performed_on=day, reason=REASON)
    )

    assert response.status_code == 400
    assert (
        f"The patient was not in surveillance on {day.isoformat()} (in surveillance from "
        "2024-02-03 to 2024-03-14)." in response.content.decode()
    )
    assert not Visit.objects.exists()


def test_an_inr_done_before_a_withdrawal_is_entered_late_from_the_episode_page(
    coordinator, signed_in, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 20)))
    move(coordinator, episode, "withdraw", reason="Moved abroad.")
    clock.move_to(at(D(2024, 2, 22), 11))
    assert LATE_INR in signed_in.get(page_of(episode)).content.decode()

    inr = {"performed_on": "2024-02-19", "inr": "9.5", "reason": REASON}
    response = signed_in.post(visit_url(episode, "inr_check"), inr)

    assert response.status_code == 302 and response["Location"] == page_of(episode)
    assert Visit.objects.get(episode=episode).late_reason == REASON
    assert not Alert.objects.filter(kind="urgent_result").exists()


def test_a_nurse_on_an_episode_in_surveillance_sees_the_usual_unscheduled_visit_form(
    coordinator, signed_in, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 20), 11))

    page = signed_in.get(page_of(episode)).content.decode()
    form = signed_in.get(visit_url(episode, "duplex")).content.decode()

    assert LATE_DUPLEX not in page and LATE_INR not in page
    assert "Unscheduled Duplex ultrasound" in form
    assert f'hx-post="{visit_url(episode, "duplex")}"' in form
    assert REASON_FIELD not in form and 'name="reason"' not in form


def test_an_episode_never_in_surveillance_offers_no_late_result(coordinator, signed_in):
    episode = episode_in(State.PROCEDURE, coordinator)

    assert LATE_DUPLEX not in signed_in.get(page_of(episode)).content.decode()
    assert signed_in.get(visit_url(episode, "duplex")).status_code == 409


def test_back_in_surveillance_a_scan_of_the_earlier_stay_asks_for_its_reason_on_the_form(
    coordinator, signed_in, clock
):
    """Re-discharged on 18 Mar with a new stent: the 13 Mar scan belongs to the first stay.
    The usual form has no reason field; the service's question adds it, and with a reason
    the scan is recorded late, its new-stent segment left blank (not stented then)."""
    episode = discharge(coordinator, clock)
    redischarge_with_a_new_stent(coordinator, clock, episode)
    clock.move_to(at(D(2024, 3, 20), 11))
    url = visit_url(episode, "duplex")

    asked = signed_in.post(url, occluded_duplex(**{f"segment_{NEW_STENT}": "patent"}))

    assert asked.status_code == 400
    assert "The episode left surveillance on 2024-03-14" in asked.content.decode()
    assert REASON_FIELD in asked.content.decode()
    response = signed_in.post(url, occluded_duplex(reason=REASON))
    assert response.status_code == 302
    visit = Visit.objects.get(episode=episode)
    assert visit.late_reason == REASON
    assert list(visit.segments.values_list("segment", flat=True)) == [INDEX_STENT]
