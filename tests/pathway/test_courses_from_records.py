"""The older endpoints keep their meaning by writing the matching course (pathway.md section 7,
the contract's "Anticoagulation"): the pre-procedure anticoagulation record is the course it
started; at discharge the plan's anticoagulant is the long-term course running then, made from
the plan when none of its kind is recorded; a named course entered later takes over."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import MoveRefused
from demo import walk as demo
from pathway import services
from pathway.codes import State
from pathway.models import AnticoagulationCourse
from tasks.services import visit_record
from tests.factories import PatientFactory
from tests.tasks.course_support import change, discharge_now, in_post_op, start
from tests.tasks.support import DISCHARGED_ON, PROCEDURE_ON, at, discharge

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def clock():
    with time_machine.travel(at(PROCEDURE_ON), tick=False) as traveller:
        yield traveller


def courses(episode) -> list[tuple]:
    return [
        (c.agent, c.started_on, c.stopped_on, c.origin)
        for c in AnticoagulationCourse.objects.filter(episode=episode).order_by("started_on", "id")
    ]


def inr_due(episode) -> list[dt.date]:
    rows = episode.follow_ups.open().filter(kind="inr_check").order_by("due_on")
    return [f.due_on for f in rows]


# --- the pre-procedure record ------------------------------------------------------------------
def test_recording_the_pre_procedure_heparin_starts_its_course(coordinator, clock):
    clock.move_to(at(D(2024, 1, 30)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.PROCEDURE)

    assert courses(episode) == [("ufh_infusion", D(2024, 1, 30), None, "pre_procedure")]


def test_correcting_the_pre_procedure_record_changes_its_course_keeping_the_earlier_version(
    coordinator, clock
):
    clock.move_to(at(D(2024, 1, 30)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    course = episode.courses.get()

    services.anticoagulation_record(
        actor=coordinator,
        episode_id=episode.id,
        agent="lmwh",
        started_at=at(D(2024, 1, 30), 6),
        reason="It was enoxaparin, from the early morning.",
    )

    assert courses(episode) == [("lmwh", D(2024, 1, 30), None, "pre_procedure")]
    earlier = course.history.order_by("history_id").first()
    assert (earlier.agent, earlier.started_on) == ("ufh_infusion", D(2024, 1, 30))
    assert course.history.order_by("-history_id").first().history_change_reason == (
        "It was enoxaparin, from the early morning."
    )


def test_a_heparin_entered_as_a_course_lets_the_procedure_be_scheduled(coordinator, clock):
    clock.move_to(at(D(2024, 1, 30)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.IMAGING)
    demo.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_imaging(coordinator, episode, "ct_venography")
    with pytest.raises(MoveRefused):
        services.episode_transition(
            episode_id=episode.id, name="schedule_procedure", actor=coordinator
        )

    start(coordinator, episode, "enoxaparin", D(2024, 1, 30), dose=Decimal("100"))
    moved = services.episode_transition(
        episode_id=episode.id, name="schedule_procedure", actor=coordinator
    )

    assert moved.state == State.PROCEDURE


def test_a_stopped_heparin_does_not_count_as_anticoagulated(coordinator, clock):
    clock.move_to(at(D(2024, 1, 30)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.IMAGING)
    course = start(coordinator, episode, "enoxaparin", D(2024, 1, 30))
    change(coordinator, course, "Bleeding gums.", stopped_on=D(2024, 1, 30))
    clock.move_to(at(D(2024, 1, 31)))
    demo.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_imaging(coordinator, episode, "ct_venography")

    with pytest.raises(MoveRefused) as refused:
        services.episode_transition(
            episode_id=episode.id, name="schedule_procedure", actor=coordinator
        )

    assert ("anticoagulated", "Every anticoagulant course recorded has stopped.") in [
        (u.rule, u.message) for u in refused.value.unmet
    ]


# --- the discharge plan ------------------------------------------------------------------------
def test_a_vka_plan_with_no_vka_course_makes_one_from_the_discharge_and_ends_the_ufh_infusion(
    coordinator, clock
):
    episode = discharge(
        coordinator, clock, target_inr_low=Decimal("2.5"), target_inr_high=Decimal("3.5")
    )

    assert courses(episode) == [
        ("ufh_infusion", PROCEDURE_ON, DISCHARGED_ON, "pre_procedure"),
        ("vka", DISCHARGED_ON, None, "discharge_plan"),
    ]
    vka = episode.courses.get(agent="vka")
    assert (vka.target_inr_low, vka.target_inr_high, vka.planned_duration_months) == (
        Decimal("2.5"),
        Decimal("3.5"),
        6,
    )
    # The checks count from the discharge, as they always did: weekly, then every 28 days.
    assert inr_due(episode)[:5] == [
        D(2024, 2, 10),
        D(2024, 2, 17),
        D(2024, 2, 24),
        D(2024, 3, 2),
        D(2024, 3, 30),
    ]


def test_a_vka_plan_reads_the_warfarin_course_running_at_discharge(coordinator, clock):
    episode = in_post_op(coordinator, clock)
    clock.move_to(at(D(2024, 2, 1)))
    warfarin = start(coordinator, episode, "warfarin", D(2024, 2, 1))

    discharge_now(coordinator, clock, episode, D(2024, 2, 6))

    assert [c for c in courses(episode) if c[3] == "discharge_plan"] == []
    assert episode.courses.filter(agent__in=["warfarin", "vka"]).get() == warfarin


def test_a_doac_plan_ends_a_pre_procedure_heparin_at_discharge(coordinator, clock):
    clock.move_to(at(PROCEDURE_ON))
    episode = demo.walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    services.anticoagulation_record(
        actor=coordinator,
        episode_id=episode.id,
        agent="lmwh",
        started_at=at(PROCEDURE_ON, 7),
        reason="Enoxaparin, not UFH.",
    )
    demo.prepare_and_move(coordinator, episode, "complete_procedure")

    discharge_now(coordinator, clock, episode, DISCHARGED_ON, anticoagulant="doac")

    assert courses(episode) == [
        ("lmwh", PROCEDURE_ON, DISCHARGED_ON, "pre_procedure"),
        ("doac", DISCHARGED_ON, None, "discharge_plan"),
    ]


def test_a_heparin_bridging_to_a_vka_plan_goes_home_with_the_patient(coordinator, clock):
    clock.move_to(at(PROCEDURE_ON))
    episode = demo.walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    services.anticoagulation_record(
        actor=coordinator,
        episode_id=episode.id,
        agent="lmwh",
        started_at=at(PROCEDURE_ON, 7),
        reason="Enoxaparin, not UFH.",
    )
    demo.prepare_and_move(coordinator, episode, "complete_procedure")

    discharge_now(coordinator, clock, episode, DISCHARGED_ON)

    assert courses(episode) == [
        ("lmwh", PROCEDURE_ON, None, "pre_procedure"),
        ("vka", DISCHARGED_ON, None, "discharge_plan"),
    ]


def test_apixaban_entered_on_the_discharge_day_names_the_plans_doac(coordinator, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    made = episode.courses.get(agent="doac")

    apixaban = start(coordinator, episode, "apixaban", DISCHARGED_ON, dose=Decimal("5"))

    assert apixaban.id == made.id
    assert [c for c in courses(episode) if c[3] != "pre_procedure"] == [
        ("apixaban", DISCHARGED_ON, None, "entered")
    ]


def test_warfarin_started_after_the_discharge_takes_over_from_the_plans_vka(coordinator, clock):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 10)))

    start(coordinator, episode, "warfarin", D(2024, 2, 10), reason="Started by the GP.")

    assert [c for c in courses(episode) if c[3] != "pre_procedure"] == [
        ("vka", DISCHARGED_ON, D(2024, 2, 10), "discharge_plan"),
        ("warfarin", D(2024, 2, 10), None, "entered"),
    ]
    # The plan's VKA keeps its check of the day it stops; warfarin's count from its start.
    assert inr_due(episode)[:3] == [D(2024, 2, 10), D(2024, 2, 17), D(2024, 2, 24)]


def test_a_plan_changed_after_discharge_to_a_doac_stops_the_vka_it_made_and_its_checks(
    coordinator, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 3, 1)))

    demo.record_discharge_plan(
        coordinator, episode, anticoagulant="doac", reason="Switched to a DOAC at clinic."
    )

    assert [c for c in courses(episode) if c[3] != "pre_procedure"] == [
        ("vka", DISCHARGED_ON, D(2024, 3, 1), "discharge_plan"),
        ("doac", D(2024, 3, 1), None, "discharge_plan"),
    ]
    assert all(day <= D(2024, 3, 1) for day in inr_due(episode))


def test_a_target_range_corrected_in_the_plan_judges_the_next_inr(coordinator, nurse, clock):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 10)))
    demo.record_discharge_plan(
        coordinator,
        episode,
        target_inr_low=Decimal("2.5"),
        target_inr_high=Decimal("3.5"),
        reason="Antiphospholipid syndrome: higher range.",
    )

    visit = visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="inr_check",
        performed_on=D(2024, 2, 10),
        inr=Decimal("2.3"),
    )

    assert visit.result["target"] == ["2.5", "3.5"]
    assert visit.urgent is not None


def test_the_discharge_made_again_after_a_correction_dates_the_plans_course_from_it(
    coordinator, admin_user, clock
):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 5)))
    services.episode_transition(
        episode_id=episode.id, name="correct", actor=admin_user, reason="Discharged by mistake."
    )
    clock.move_to(at(D(2024, 2, 8)))

    services.episode_transition(episode_id=episode.id, name="discharge", actor=coordinator)

    vka = episode.courses.get(agent="vka")
    assert (vka.started_on, vka.stopped_on) == (D(2024, 2, 8), None)
    assert inr_due(episode)[0] == D(2024, 2, 15)
    assert timezone.localdate() == D(2024, 2, 8)
