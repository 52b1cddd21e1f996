"""Bridging to a VKA (pathway.md section 7, `bridging_complete`): the parenteral course should run
at least 5 days alongside the VKA and until two INR readings at least 24 hours apart are in the
VKA's range; stopping it earlier, or a VKA discharge with no parenteral course alongside at all,
is a warning on the episode view and page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo import walk as demo
from pathway import selectors
from tasks.services import visit_record
from tests.tasks.course_support import change, discharge_now, in_post_op, start
from tests.tasks.support import DISCHARGED_ON, at, discharge

pytestmark = pytest.mark.django_db
D = dt.date
SWITCH_ON = D(2024, 8, 6)
NEEDED = "at least 5 days and two INRs in range 24 h apart are needed."


def warnings(actor, episode) -> dict[str, str]:
    view = selectors.episode_view(actor=actor, episode_id=episode.id)
    return {w.rule: w.message for w in view.warnings}


def inr(nurse, clock, episode, day, value):
    clock.move_to(at(day))
    return visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="inr_check",
        performed_on=day,
        inr=Decimal(value),
    )


def bridging_in_surveillance(coordinator, clock):
    """Discharged on apixaban on 3 Feb 2024; on 6 Aug switched to warfarin under enoxaparin,
    the discharge plan saying VKA again so that INR readings are judged against its range."""
    episode = discharge(coordinator, clock, anticoagulant="doac")
    apixaban = start(coordinator, episode, "apixaban", DISCHARGED_ON)
    clock.move_to(at(SWITCH_ON))
    change(coordinator, apixaban, "Antiphospholipid syndrome.", stopped_on=SWITCH_ON)
    heparin = start(coordinator, episode, "enoxaparin", SWITCH_ON)
    start(coordinator, episode, "warfarin", SWITCH_ON)
    demo.record_discharge_plan(coordinator, episode, reason="Now on warfarin.")
    return episode, heparin


# --- the hand-computed cases ---------------------------------------------------------------------
def test_bridging_stopped_on_day_3_of_warfarin_warns(coordinator, clock):
    episode = in_post_op(coordinator, clock)  # operated on 31 Jan 2024
    heparin = start(coordinator, episode, "enoxaparin", D(2024, 1, 31))
    start(coordinator, episode, "warfarin", D(2024, 1, 31))
    assert "bridging_complete" not in warnings(coordinator, episode)  # still bridging
    clock.move_to(at(D(2024, 2, 2)))

    change(coordinator, heparin, "Oozing from the access site.", stopped_on=D(2024, 2, 2))

    assert warnings(coordinator, episode)["bridging_complete"] == (
        f"Bridging stopped on day 3 of warfarin; {NEEDED}"
    )


def test_six_days_of_bridging_with_two_inrs_in_range_a_day_apart_does_not_warn(
    coordinator, nurse, clock
):
    episode, heparin = bridging_in_surveillance(coordinator, clock)
    inr(nurse, clock, episode, D(2024, 8, 10), "2.2")
    inr(nurse, clock, episode, D(2024, 8, 11), "2.6")

    change(coordinator, heparin, "INR in range twice.", stopped_on=D(2024, 8, 11))  # day 6

    assert "bridging_complete" not in warnings(coordinator, episode)


def test_six_days_of_bridging_with_one_inr_in_range_warns(coordinator, nurse, clock):
    episode, heparin = bridging_in_surveillance(coordinator, clock)
    inr(nurse, clock, episode, D(2024, 8, 10), "1.8")
    inr(nurse, clock, episode, D(2024, 8, 11), "2.3")

    change(coordinator, heparin, "Tired of injections.", stopped_on=D(2024, 8, 11))

    assert warnings(coordinator, episode)["bridging_complete"] == (
        f"Bridging stopped on day 6 of warfarin; {NEEDED}"
    )


def test_two_inrs_in_range_do_not_make_up_for_fewer_than_5_days(coordinator, nurse, clock):
    episode, heparin = bridging_in_surveillance(coordinator, clock)
    inr(nurse, clock, episode, D(2024, 8, 8), "2.1")
    inr(nurse, clock, episode, D(2024, 8, 9), "2.4")

    change(coordinator, heparin, "INR in range.", stopped_on=D(2024, 8, 9))

    assert warnings(coordinator, episode)["bridging_complete"] == (
        f"Bridging stopped on day 4 of warfarin; {NEEDED}"
    )


# --- with no parenteral course at all ------------------------------------------------------------
def test_a_vka_discharge_with_no_parenteral_course_alongside_warns(coordinator, clock):
    episode = in_post_op(coordinator, clock)
    (ufh,) = episode.courses.all()  # the pre-procedure record's UFH infusion
    change(coordinator, ufh, "Infusion stopped after the procedure.", stopped_on=D(2024, 1, 31))
    clock.move_to(at(D(2024, 2, 1)))
    start(coordinator, episode, "warfarin", D(2024, 2, 1))
    words = "Warfarin started on 2024-02-01 with no parenteral anticoagulant alongside; " + NEEDED
    assert warnings(coordinator, episode)["bridging_complete"] == words

    discharge_now(coordinator, clock, episode, D(2024, 2, 3))

    assert warnings(coordinator, episode)["bridging_complete"] == words


def test_a_switch_from_a_doac_to_warfarin_in_surveillance_needs_no_bridging(coordinator, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    apixaban = start(coordinator, episode, "apixaban", DISCHARGED_ON)
    clock.move_to(at(SWITCH_ON))
    change(coordinator, apixaban, "Antiphospholipid syndrome.", stopped_on=SWITCH_ON)

    start(coordinator, episode, "warfarin", SWITCH_ON)

    assert "bridging_complete" not in warnings(coordinator, episode)


def test_a_vka_since_stopped_warns_no_more(coordinator, clock):
    episode = in_post_op(coordinator, clock)
    warfarin = start(coordinator, episode, "warfarin", D(2024, 1, 31))
    clock.move_to(at(D(2024, 2, 1)))

    change(coordinator, warfarin, "Switched to apixaban.", stopped_on=D(2024, 2, 1))
    start(coordinator, episode, "apixaban", D(2024, 2, 1))

    assert "bridging_complete" not in warnings(coordinator, episode)


# --- where it is shown, and at what cost ---------------------------------------------------------
def test_the_warning_shows_on_the_episode_view_and_page(coordinator, as_coordinator, client, clock):
    episode = in_post_op(coordinator, clock)
    heparin = start(coordinator, episode, "enoxaparin", D(2024, 1, 31))
    start(coordinator, episode, "warfarin", D(2024, 1, 31))
    clock.move_to(at(D(2024, 2, 2)))
    change(coordinator, heparin, "Oozing from the access site.", stopped_on=D(2024, 2, 2))
    words = f"Bridging stopped on day 3 of warfarin; {NEEDED}"

    body = as_coordinator.get(f"/api/episodes/{episode.id}/").json()
    assert {"rule": "bridging_complete", "message": words} in [
        {"rule": w["rule"], "message": w["message"]} for w in body["warnings"]
    ]
    client.force_login(coordinator)
    page = client.get(f"/episodes/{episode.id}/").content.decode()
    assert words in page and "Bridging to the VKA complete" in page


def test_the_episode_view_reads_courses_and_readings_in_a_fixed_number_of_queries(
    coordinator, nurse, as_nurse, clock
):
    episode, heparin = bridging_in_surveillance(coordinator, clock)
    inr(nurse, clock, episode, D(2024, 8, 10), "2.2")
    clock.move_to(at(D(2024, 8, 12)))
    change(coordinator, heparin, "Stopped after a week.", stopped_on=D(2024, 8, 12))  # reads INRs
    url = f"/api/episodes/{episode.id}/"
    as_nurse.get(url)
    with CaptureQueriesContext(connection) as few:
        assert as_nurse.get(url).status_code == 200

    for day in range(11, 25):
        inr(nurse, clock, episode, D(2024, 8, day), "2.5")
    start(coordinator, episode, "dalteparin", D(2024, 8, 24), stopped_on=D(2024, 8, 24))
    with CaptureQueriesContext(connection) as many:
        assert as_nurse.get(url).status_code == 200

    assert len(many) == len(few)
