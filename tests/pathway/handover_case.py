"""A hand-built anticoagulation journey, shared by the handover and journey tests: operated on
6 January 2025, enoxaparin from the 7th, warfarin from the 8th (the day of discharge, so the
INR checks fall on the 15th, 22nd, 29th, then 5 February, whether they count from the
discharge or from the start of warfarin), and three INR readings: 1.6 on the 15th (INR check),
1.9 on the 19th (an unscheduled visit) and 2.3 on the 22nd (INR check). Seen on the 24th."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tests.factories import PatientFactory, UserFactory, prepare_and_move, walk_to

OPERATED = dt.date(2025, 1, 6)
ENOXAPARIN_ON = dt.date(2025, 1, 7)
WARFARIN_ON = DISCHARGED = dt.date(2025, 1, 8)
READINGS = [  # (day, INR, how): 1.6 and 1.9 below 2.0-3.0, 2.3 in range
    (dt.date(2025, 1, 15), "1.6", "check"),
    (dt.date(2025, 1, 19), "1.9", "visit"),
    (dt.date(2025, 1, 22), "2.3", "check"),
]
SEEN_ON = dt.date(2025, 1, 24)
NEXT_INR = dt.date(2025, 1, 29)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def staff(role: str, username: str, first: str, last: str):
    user = UserFactory(
        username=username, first_name=first, last_name=last, email=f"{username}@unit.example"
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def stop_running_courses(actor, episode, on: dt.date, reason: str) -> None:
    """The heparin drip stops when enoxaparin starts (any course the pre-procedure record
    started: none on a branch where that record writes no course)."""
    for course in episode.courses.filter(stopped_on__isnull=True):
        services.course_change(
            actor=actor, episode_id=episode.id, course_id=course.id, stopped_on=on, reason=reason
        )


def inr_check_due(episode, day: dt.date):
    return episode.follow_ups.get(kind="inr_check", due_on=day, cancelled_at__isnull=True)


def record_inr(actor, episode, day: dt.date, inr: str, how: str) -> None:
    if how == "visit":
        task_services.visit_record(
            actor=actor, episode_id=episode.id, kind="inr_check", performed_on=day, inr=Decimal(inr)
        )
    else:
        task_services.followup_record_result(
            actor=actor,
            follow_up_id=inr_check_due(episode, day).id,
            performed_on=day,
            inr=Decimal(inr),
        )


def bridged_to_warfarin(clock, coordinator, patient=None, readings=READINGS):
    """The case above, walked through the services; the clock left on SEEN_ON."""
    clock.move_to(at(OPERATED))
    patient = patient or PatientFactory(
        given_name="Ada", family_name="Lovelace", mrn="MRN-0042", birth_date=dt.date(1961, 4, 12)
    )
    episode = walk_to(coordinator, patient, State.POST_OP)
    clock.move_to(at(ENOXAPARIN_ON))
    stop_running_courses(coordinator, episode, ENOXAPARIN_ON, "Switched to enoxaparin.")
    services.course_add(
        actor=coordinator,
        episode_id=episode.id,
        agent="enoxaparin",
        started_on=ENOXAPARIN_ON,
        dose=Decimal("1"),
        dose_unit="mg/kg",
        frequency="twice daily",
        reason="Post-operative anticoagulation; bridging to warfarin.",
    )
    clock.move_to(at(WARFARIN_ON))
    services.course_add(
        actor=coordinator,
        episode_id=episode.id,
        agent="warfarin",
        started_on=WARFARIN_ON,
        dose=Decimal("5"),
        dose_unit="mg",
        frequency="once daily",
        planned_duration_months=6,
        reason="Long-term anticoagulation after the stent.",
    )
    prepare_and_move(coordinator, episode, "discharge")
    for day, inr, how in readings:
        clock.move_to(at(day))
        record_inr(coordinator, episode, day, inr, how)
    clock.move_to(at(SEEN_ON))
    episode.refresh_from_db()
    return episode


def more_of_the_journey(clock, actor, episode, course_on: tuple[dt.date, dt.date]) -> None:
    """The case's readings after the first, each on its day, and a short dalteparin course
    (started and stopped on `course_on`), then today back to SEEN_ON: the longer journey the
    cost tests read again."""
    for day, inr, _ in READINGS[1:]:
        clock.move_to(at(day))
        record_inr(actor, episode, day, inr, "visit")
    services.course_add(
        actor=actor,
        episode_id=episode.id,
        agent="dalteparin",
        started_on=course_on[0],
        stopped_on=course_on[1],
    )
    clock.move_to(at(SEEN_ON))


# The case's fixtures, for the modules that walk it (each binds them: `clock = case.clock`).
@pytest.fixture
def clock():
    """Frozen on the day of the operation; the tests move it on."""
    with time_machine.travel(at(OPERATED), tick=False) as traveller:
        yield traveller


@pytest.fixture
def grace(db):
    """The coordinator who walks the patient through and discharges her."""
    return staff("coordinator", "grace", "Grace", "Hopper")
