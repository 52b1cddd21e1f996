"""The anticoagulation courses API (api.md "Anticoagulation", pathway.md section 7): GET|POST
/api/episodes/<id>/anticoagulation/courses/ and PATCH .../courses/<course_id>/. A course gets
its class from its agent, a VKA its target range (2.0-3.0 by default), a finite course its
planned end; a change or a stop always says why; a bad course is a 400 in words."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.dates import add_months
from pathway import services
from pathway.codes import State
from pathway.models import AnticoagulationCourse, Episode
from patients.models import PatientAccess
from tasks.models import FollowUp
from tests import factories as f
from tests.api import support as s
from tests.conftest import _user
from tests.module_rows import rows_for_the_module
from tests.tasks.support import DISCHARGED_ON, PROCEDURE_ON, at, discharge

pytestmark = pytest.mark.django_db


def courses_url(episode, course=None) -> str:
    tail = f"{course.id}/" if course else ""
    return s.episode_url(episode.id, f"anticoagulation/courses/{tail}")


def start(client, episode, **body):
    return client.post(courses_url(episode), {"started_on": s.ago(0), **body}, format="json")


def change(client, course, **body):
    return client.patch(courses_url(course.episode, course), body, format="json")


@pytest.fixture(scope="module")
def _post_op_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """One episode just operated on for all the module's tests: each test's courses and
    changes are undone after it, so each starts from the same episode, walked there once."""
    yield from rows_for_the_module(
        django_db_blocker, lambda: f.episode_in(State.POST_OP, _user("coordinator")).id
    )


@pytest.fixture
def post_op(_post_op_of_the_module, coordinator):
    return Episode.objects.get(id=_post_op_of_the_module)


@pytest.fixture
def enoxaparin(coordinator, post_op):
    return services.course_add(
        actor=coordinator,
        episode_id=post_op.id,
        agent="enoxaparin",
        started_on=f.today(),
        dose="1",
        dose_unit="mg/kg",
        frequency="twice daily",
    )


def unchanged(course) -> dict:
    return AnticoagulationCourse.objects.filter(id=course.id).values().get()


# --- starting a course ------------------------------------------------------------------------
def test_a_coordinator_starts_warfarin_and_gets_its_class_and_default_range(
    as_coordinator, coordinator, post_op
):
    body = s.ok(
        start(
            as_coordinator,
            post_op,
            agent="warfarin",
            dose="5",
            dose_unit="mg",
            frequency="once daily",
            planned_duration_months=6,
            reason="Long-term anticoagulation after stenting.",
        ),
        201,
    )

    assert {
        k: body[k]
        for k in (
            "agent",
            "agent_name",
            "class",
            "dose",
            "dose_unit",
            "frequency",
            "started_on",
            "stopped_on",
            "target_inr_low",
            "target_inr_high",
            "planned_duration_months",
            "planned_end",
            "end_decision",
            "reason",
            "episode",
            "recorded_by",
        )
    } == {
        "agent": "warfarin",
        "agent_name": "Warfarin",
        "class": "vka",
        "dose": "5.00",
        "dose_unit": "mg",
        "frequency": "once daily",
        "started_on": s.ago(0),
        "stopped_on": None,
        "target_inr_low": "2.0",
        "target_inr_high": "3.0",
        "planned_duration_months": 6,
        "planned_end": add_months(f.today(), 6).isoformat(),
        "end_decision": "",
        "reason": "Long-term anticoagulation after stenting.",
        "episode": post_op.id,
        "recorded_by": coordinator.id,
    }
    assert body["recorded_at"]
    ufh, listed = s.ok(as_coordinator.get(courses_url(post_op)))
    assert listed == body
    assert (ufh["agent"], ufh["stopped_on"]) == ("ufh_infusion", None)  # bridging goes on


@pytest.mark.parametrize(
    ("agent", "kind"),
    [
        ("enoxaparin", "parenteral"),
        ("ufh_infusion", "parenteral"),
        ("lmwh", "parenteral"),
        ("acenocoumarol", "vka"),
        ("vka", "vka"),
        ("apixaban", "doac"),
        ("doac", "doac"),
    ],
)
def test_each_agent_gets_its_class_and_only_a_vka_a_target_range(
    as_coordinator, post_op, agent, kind
):
    body = s.ok(start(as_coordinator, post_op, agent=agent), 201)

    assert body["class"] == kind
    vka_range = ("2.0", "3.0") if kind == "vka" else (None, None)
    assert (body["target_inr_low"], body["target_inr_high"]) == vka_range


def test_a_lifelong_course_has_no_planned_end(as_coordinator, post_op):
    body = s.ok(
        start(as_coordinator, post_op, agent="rivaroxaban", planned_duration_months=None), 201
    )

    assert (body["planned_duration_months"], body["planned_end"]) == (None, None)


def test_a_vka_keeps_the_target_range_it_is_given(as_coordinator, post_op):
    body = s.ok(
        start(
            as_coordinator, post_op, agent="warfarin", target_inr_low="2.5", target_inr_high="3.5"
        ),
        201,
    )

    assert (body["target_inr_low"], body["target_inr_high"]) == ("2.5", "3.5")


def test_a_doac_with_a_target_inr_range_is_refused(as_coordinator, post_op):
    before = s.saved()

    response = start(
        as_coordinator, post_op, agent="apixaban", target_inr_low="2.0", target_inr_high="3.0"
    )

    assert "VKA only" in " ".join(s.names(response, "target_inr_low"))
    assert s.saved() == before


def test_an_unknown_agent_is_refused_with_the_agents_known(as_coordinator, post_op):
    response = start(as_coordinator, post_op, agent="heparin-ish")

    said = " ".join(s.names(response, "agent"))
    assert "Unknown agent" in said and "warfarin" in said and "doac" in said


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dose", "-1"),
        ("planned_duration_months", 0),
        ("planned_duration_months", 601),
        ("started_on", "31/01/2024"),
        ("dose", "lots"),
    ],
)
def test_a_value_out_of_its_bounds_is_refused_naming_its_field(
    as_coordinator, post_op, field, value
):
    before = s.saved()

    assert s.names(start(as_coordinator, post_op, agent="apixaban", **{field: value}), field)
    assert s.saved() == before


def test_a_course_stopping_before_it_starts_is_refused(as_coordinator, post_op):
    response = start(as_coordinator, post_op, agent="enoxaparin", stopped_on=s.ago(1))

    assert "before it starts" in " ".join(s.names(response, "stopped_on"))


def test_a_course_starting_in_the_future_is_refused(as_coordinator, post_op):
    assert s.names(
        start(as_coordinator, post_op, agent="apixaban", started_on=s.ahead(1)), "started_on"
    )


def test_a_post_naming_an_unknown_field_is_refused(as_coordinator, post_op):
    before = s.saved()

    response = start(as_coordinator, post_op, agent="warfarin", target_inr="2.5")

    assert "Unknown field" in " ".join(s.names(response, "target_inr"))
    assert s.saved() == before


# --- who may ----------------------------------------------------------------------------------
def test_a_nurse_can_read_the_courses_but_cannot_start_one(as_nurse, nurse, post_op, enoxaparin):
    before = s.saved()

    listed = s.ok(as_nurse.get(courses_url(post_op)))
    refused = start(as_nurse, post_op, agent="warfarin")
    not_stopped = change(as_nurse, enoxaparin, stopped_on=s.ago(0), reason="Bridging done.")

    # The pre-procedure UFH infusion (stopped when enoxaparin started), then enoxaparin.
    assert [(c["agent"], c["class"]) for c in listed] == [
        ("ufh_infusion", "parenteral"),
        ("enoxaparin", "parenteral"),
    ]
    assert listed[0]["stopped_on"] == s.ago(0) and listed[1]["id"] == enoxaparin.id
    assert (refused.status_code, not_stopped.status_code) == (403, 403)
    assert "role" in refused.json()["detail"]
    assert s.saved() == before
    assert (
        PatientAccess.objects.filter(
            user=nurse, patient=post_op.patient, what="api:courses"
        ).count()
        == 1
    )


def test_the_list_refuses_a_query_parameter_it_does_not_know(as_coordinator, post_op):
    response = as_coordinator.get(courses_url(post_op) + "?agent=warfarin")

    assert "Unknown query parameter" in " ".join(s.names(response, "agent"))


# --- changing and stopping ------------------------------------------------------------------
def test_a_coordinator_stops_a_course_saying_why(as_coordinator, enoxaparin):
    body = s.ok(change(as_coordinator, enoxaparin, stopped_on=s.ago(0), reason="INR in range."))

    assert (body["id"], body["stopped_on"], body["reason"]) == (
        enoxaparin.id,
        s.ago(0),
        "INR in range.",
    )
    assert (body["dose"], body["dose_unit"], body["frequency"]) == ("1.00", "mg/kg", "twice daily")


def test_a_changed_target_range_is_kept(as_coordinator, post_op):
    warfarin = s.ok(start(as_coordinator, post_op, agent="warfarin"), 201)
    course = AnticoagulationCourse.objects.get(id=warfarin["id"])

    body = s.ok(
        change(
            as_coordinator,
            course,
            target_inr_low="2.5",
            target_inr_high="3.5",
            reason="Recurrence on warfarin.",
        )
    )

    assert (body["target_inr_low"], body["target_inr_high"]) == ("2.5", "3.5")


def test_stopping_a_course_without_a_reason_is_refused(as_coordinator, enoxaparin):
    before = unchanged(enoxaparin)

    missing = change(as_coordinator, enoxaparin, stopped_on=s.ago(0))
    blank = change(as_coordinator, enoxaparin, stopped_on=s.ago(0), reason="   ")

    assert "Say why" in " ".join(s.names(missing, "reason"))
    assert "Say why" in " ".join(s.names(blank, "reason"))
    assert unchanged(enoxaparin) == before


def test_a_patch_naming_an_unknown_field_is_refused(as_coordinator, enoxaparin):
    before = unchanged(enoxaparin)

    response = change(as_coordinator, enoxaparin, stoped_on=s.ago(0), reason="Bridging done.")

    said = " ".join(s.names(response, "stoped_on"))
    assert "Unknown field" in said and "stopped_on" in said
    assert unchanged(enoxaparin) == before


def test_changing_a_doac_to_carry_a_target_range_is_refused(as_coordinator, post_op):
    apixaban = s.ok(start(as_coordinator, post_op, agent="apixaban"), 201)
    course = AnticoagulationCourse.objects.get(id=apixaban["id"])

    response = change(
        as_coordinator,
        course,
        target_inr_low="2.0",
        target_inr_high="3.0",
        reason="Range for the clinic.",
    )

    assert "VKA only" in " ".join(s.names(response, "target_inr_low"))


def test_a_stop_before_the_start_or_in_the_future_is_refused(as_coordinator, enoxaparin):
    before = unchanged(enoxaparin)

    early = change(as_coordinator, enoxaparin, stopped_on=s.ago(1), reason="Stopped.")
    future = change(as_coordinator, enoxaparin, stopped_on=s.ahead(1), reason="Stopped.")

    assert "before it starts" in " ".join(s.names(early, "stopped_on"))
    assert s.names(future, "stopped_on")
    assert unchanged(enoxaparin) == before


def test_a_course_of_another_episode_is_not_found(as_coordinator, coordinator, enoxaparin):
    other = f.episode_in(State.POST_OP, coordinator)

    response = as_coordinator.patch(
        courses_url(other, enoxaparin),
        {"stopped_on": s.ago(0), "reason": "Stopped."},
        format="json",
    )

    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "No such course in this episode."}
    assert unchanged(enoxaparin)["stopped_on"] is None


def test_a_course_of_a_closed_episode_cannot_change(as_coordinator, coordinator, enoxaparin):
    services.episode_transition(
        episode_id=enoxaparin.episode_id,
        name="record_death",
        actor=coordinator,
        effective_on=f.today(),
    )

    stopped = change(as_coordinator, enoxaparin, stopped_on=s.ago(0), reason="Died.")
    started = start(as_coordinator, enoxaparin.episode, agent="apixaban")

    assert (stopped.status_code, started.status_code) == (409, 409)
    assert "closed" in stopped.json()["detail"]


# --- what follows -----------------------------------------------------------------------------
@pytest.fixture
def clock():
    with time_machine.travel(at(PROCEDURE_ON), tick=False) as traveller:
        yield traveller


def test_starting_warfarin_through_the_api_schedules_its_inr_checks_from_its_start(
    coordinator, as_coordinator, clock
):
    episode = discharge(coordinator, clock, anticoagulant="doac")  # discharged 3 Feb 2024
    switch_on = DISCHARGED_ON + dt.timedelta(days=40)
    clock.move_to(at(switch_on))

    body = s.ok(
        start(
            as_coordinator,
            episode,
            agent="warfarin",
            started_on=switch_on.isoformat(),
            reason="Antiphospholipid syndrome found.",
        ),
        201,
    )

    checks = episode.follow_ups.open().filter(kind="inr_check").order_by("due_on")
    days = [(c.due_on - switch_on).days for c in checks]
    assert days[:5] == [7, 14, 21, 28, 56]
    assert {(c.anchor, c.course_id) for c in checks} == {("vka_start", body["id"])}
    assert not FollowUp.objects.filter(
        episode=episode, kind="inr_check", due_on__lt=switch_on
    ).exists()


# --- cost -------------------------------------------------------------------------------------
def test_the_list_costs_the_same_queries_for_one_or_ten_courses(
    as_coordinator, coordinator, post_op, enoxaparin, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as one:
        assert len(s.ok(as_coordinator.get(courses_url(post_op)))) == 2  # UFH, enoxaparin
    for agent in ["warfarin", "apixaban", "dalteparin"] * 3:
        services.course_add(
            actor=coordinator, episode_id=post_op.id, agent=agent, started_on=f.today()
        )

    with django_assert_max_num_queries(len(one)):
        assert len(s.ok(as_coordinator.get(courses_url(post_op)))) == 11
