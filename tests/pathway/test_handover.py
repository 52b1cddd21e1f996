"""The handover of pathway.md section 7, read by `episode_handover`: a hand-built case of
warfarin bridged with enoxaparin (tests/pathway/handover_case.py), worked by hand here."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from core.errors import NotFound
from pathway import services
from pathway.codes import State
from pathway.models import Episode
from pathway.selectors import episode_view
from pathway.selectors.journey import episode_handover, episode_journey
from tests.factories import PatientFactory, episode_in, walk_to
from tests.module_rows import rows_for_the_module
from tests.pathway import handover_case as case

pytestmark = pytest.mark.django_db


clock, grace = case.clock, case.grace  # the hand-built case's fixtures


@pytest.fixture(scope="module")
def _bridged_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The case walked by Grace once for the module, in the frozen days a test's own clock
    would walk it in; each test's writes are undone. Two tests walk it themselves (more or
    fewer readings), so meet its patient's MRN: tests/pathway/test_handover_own_case.py."""

    def make() -> int:
        with time_machine.travel(case.at(case.OPERATED), tick=False) as clock:
            grace = case.staff("coordinator", "grace", "Grace", "Hopper")
            return case.bridged_to_warfarin(clock, grace).id

    yield from rows_for_the_module(django_db_blocker, make)


@pytest.fixture
def bridged(_bridged_of_the_module, clock, grace):
    """The case read fresh, the clock left on SEEN_ON as the walk leaves it."""
    clock.move_to(case.at(case.SEEN_ON))
    return Episode.objects.get(id=_bridged_of_the_module)


def test_the_handover_names_the_patient(bridged, grace):
    handover = episode_handover(actor=grace, episode_id=bridged.id)

    patient = handover.patient
    assert (patient.given_name, patient.family_name) == ("Ada", "Lovelace")
    assert patient.mrn == "MRN-0042" and patient.birth_date == dt.date(1961, 4, 12)


def test_warfarin_and_the_enoxaparin_bridging_it_are_the_courses_taken_now(bridged, grace):
    handover = episode_handover(actor=grace, episode_id=bridged.id)

    taken = [
        (c.agent, c.agent_class, c.dose, c.dose_unit, c.frequency, c.started_on)
        for c in handover.journey.current
    ]
    assert taken == [
        ("enoxaparin", "parenteral", Decimal("1"), "mg/kg", "twice daily", case.ENOXAPARIN_ON),
        ("warfarin", "vka", Decimal("5"), "mg", "once daily", case.WARFARIN_ON),
    ]
    assert handover.journey.target == (Decimal("2.0"), Decimal("3.0"))


def test_the_inr_readings_so_far_each_judged_against_its_target(bridged, grace):
    handover = episode_handover(actor=grace, episode_id=bridged.id)

    readings = [(r.performed_on, r.inr, r.in_range, r.source) for r in handover.journey.readings]
    assert readings == [
        (dt.date(2025, 1, 15), "1.6", False, "follow_up"),
        (dt.date(2025, 1, 19), "1.9", False, "visit"),
        (dt.date(2025, 1, 22), "2.3", True, "follow_up"),
    ]
    # Rosendaal: 1.6 -> 1.9 over 4 days is all below 2.0; 1.9 -> 2.3 over 3 days is in range
    # from 2.0 on, 3/4 of the way: 2.25 of 7 days.
    assert handover.ttr == 32.1


def test_the_next_inr_check_is_the_next_open_one(bridged, grace):
    handover = episode_handover(actor=grace, episode_id=bridged.id)

    assert handover.next_inr_check.due_on == case.NEXT_INR
    assert handover.next_inr_check.window_opens_on == dt.date(2025, 1, 26)


def test_the_planned_duration_and_the_review_dates(bridged, grace):
    handover = episode_handover(actor=grace, episode_id=bridged.id)

    plan = handover.journey.long_term
    assert plan.agent == "warfarin"
    assert plan.planned_duration_months == 6 and plan.planned_end == dt.date(2025, 7, 8)
    reviews = [f.due_on for f in handover.reviews]
    # Counted from the procedure on 6 January: 2 weeks, 6 weeks, 3 months, 6 months; and the
    # 6-month course's own review, 4 weeks before its planned end on 8 July.
    assert reviews[:5] == [
        dt.date(2025, 1, 20),
        dt.date(2025, 2, 17),
        dt.date(2025, 4, 6),
        dt.date(2025, 6, 10),
        dt.date(2025, 7, 6),
    ]
    open_reviews = bridged.follow_ups.open().filter(kind="anticoagulation_review")
    assert reviews == sorted(f.due_on for f in open_reviews)


def test_bridging_says_to_go_on_until_5_days_and_two_inrs_in_range(bridged, grace):
    (bridging,) = episode_handover(actor=grace, episode_id=bridged.id).journey.bridging

    assert (bridging.parenteral.agent, bridging.vka.agent) == ("enoxaparin", "warfarin")
    assert bridging.since == case.WARFARIN_ON
    assert bridging.not_before == dt.date(2025, 1, 13)
    assert bridging.overlap_days == 16  # 8 to 24 January
    assert bridging.in_range_in_a_row == 1  # 2.3 on the 22nd; 1.9 before it was low
    assert not bridging.met
    assert bridging.text == (
        "Continue Enoxaparin alongside Warfarin until at least 5 days of overlap (not before "
        "13 Jan 2025) and two INR readings at least 24 hours apart are in range (2.0–3.0). "
        "So far: 16 days of overlap, 1 INR reading in range in a row."
    )


def test_no_bridging_once_the_parenteral_course_has_stopped(bridged, grace):
    enoxaparin = bridged.courses.get(agent="enoxaparin")
    services.course_change(
        actor=grace,
        episode_id=bridged.id,
        course_id=enoxaparin.id,
        stopped_on=case.SEEN_ON,
        reason="INR in range twice.",
    )

    handover = episode_handover(actor=grace, episode_id=bridged.id)

    assert handover.journey.bridging == []
    assert [c.agent for c in handover.journey.current] == ["warfarin"]
    assert "enoxaparin" in [c.agent for c in handover.journey.stopped]


def test_the_unit_contact_is_who_discharged_and_the_assigned_coordinator(bridged, grace):
    ines = case.staff("coordinator", "ines", "Inès", "Okafor")
    services.episode_assign(actor=grace, episode_id=bridged.id, assigned_coordinator=ines.id)

    handover = episode_handover(actor=grace, episode_id=bridged.id)

    assert handover.discharged_on == case.DISCHARGED
    assert (handover.discharged_by.name, handover.discharged_by.email) == (
        "Grace Hopper",
        "grace@unit.example",
    )
    assert handover.coordinator.name == "Inès Okafor"


def test_the_warnings_in_force_are_the_episodes(coordinator):
    episode = episode_in(State.POST_OP, coordinator)

    handover = episode_handover(actor=coordinator, episode_id=episode.id)

    rules = [w.rule for w in handover.warnings]
    assert "thrombophilia_assessed" in rules and "postop_checks_recorded" in rules
    view = episode_view(actor=coordinator, episode_id=episode.id)
    assert [(w.rule, w.message) for w in handover.warnings] == [
        (w.rule, w.message) for w in view.warnings
    ]


def test_a_patient_on_a_doac_has_no_target_and_no_bridging(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    case.stop_running_courses(coordinator, episode, episode.opened_on(), "Oral from today.")
    services.course_add(
        actor=coordinator,
        episode_id=episode.id,
        agent="apixaban",
        started_on=episode.opened_on(),
        dose=Decimal("5"),
        dose_unit="mg",
        frequency="twice daily",
    )

    handover = episode_handover(actor=coordinator, episode_id=episode.id)

    assert handover.journey.target is None and handover.journey.bridging == []
    assert handover.journey.long_term.agent == "apixaban"
    assert handover.journey.long_term.planned_end is None  # lifelong
    assert handover.next_inr_check is None and handover.discharged_by is None


def test_a_nurse_reads_the_handover_and_a_stranger_episode_is_not_found(bridged, nurse):
    assert episode_handover(actor=nurse, episode_id=bridged.id).patient.mrn == "MRN-0042"
    with pytest.raises(NotFound):
        episode_handover(actor=nurse, episode_id=bridged.id + 1000)


def test_the_journey_lists_every_course_and_reading(bridged, grace):
    journey = episode_journey(actor=grace, episode_id=bridged.id)

    assert [c.agent for c in journey.courses][-2:] == ["enoxaparin", "warfarin"]
    assert [r.inr for r in journey.readings] == ["1.6", "1.9", "2.3"]
