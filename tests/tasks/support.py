"""Shared by the follow-up tests: a clock set to chosen clinic days, and a patient walked
through the real pathway services to discharge into surveillance."""

import datetime as dt

import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from demo import walk as demo
from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tests.conftest import _user
from tests.factories import PatientFactory, UserFactory
from tests.module_rows import rows_for_the_module

PROCEDURE_ON = dt.date(2024, 1, 31)  # a month end, so the 3-month visit is clamped to 30 April
DISCHARGED_ON = dt.date(2024, 2, 3)  # three days later: INR checks count from here
# The demo plan's 6 months (a course from the discharge) end on 3 Aug 2024: reviewed 4 weeks
# before (pathway.md section 7).
PLAN_REVIEW_ON = dt.date(2024, 7, 6)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """`hour` o'clock on `day` in the unit's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def user_in(role: str, username: str, **extra):
    user = UserFactory(username=username, email=f"{username}@unit.example", **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


def discharge(
    actor,
    clock,
    *,
    patient=None,
    procedure_on=PROCEDURE_ON,
    discharged_on=DISCHARGED_ON,
    booked_on=None,
    **plan,
):
    """Walk a new episode to post-op with its procedure on `procedure_on`, then record the
    pre-discharge duplex and the discharge plan and discharge it on `discharged_on`. With
    `booked_on`, everything before the procedure is dated that day, so the procedure date
    may later be corrected to any day from then on."""
    clock.move_to(at(procedure_on))
    if booked_on is None:
        episode = demo.walk_to(actor, patient or PatientFactory(), State.POST_OP)
    else:
        episode = demo.walk_to(actor, patient or PatientFactory(), State.PROCEDURE, on=booked_on)
        episode = demo.prepare_and_move(actor, episode, "complete_procedure")
    clock.move_to(at(discharged_on))
    demo.record_imaging(actor, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_discharge_plan(actor, episode, **plan)
    return services.episode_transition(episode_id=episode.id, name="discharge", actor=actor)


def move(actor, episode, name, **kwargs):
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)


def sweep_on(clock, day: dt.date, hour: int = 9):
    clock.move_to(at(day, hour))
    return task_services.followups_sweep()


INDEX_STENT = "left_common_iliac"  # where demo.record_procedure puts its Wallstent
NEW_STENT = "left_external_iliac"


def redischarge_with_a_new_stent(actor, clock, episode):
    """Re-intervene on 14 Mar 2024 for symptoms, stent the external iliac (the index stent stays
    in the common iliac) on 15 Mar, and discharge again on 18 Mar."""
    clock.move_to(at(dt.date(2024, 3, 14)))
    move(
        actor,
        episode,
        "reintervene",
        reason="Leg swelling again.",
        reintervention={"cause": "symptoms", "segments": [INDEX_STENT]},
    )
    clock.move_to(at(dt.date(2024, 3, 15)))
    stent = {"product": "Viabahn", "diameter_mm": 14, "length_mm": 60, "segment": NEW_STENT}
    demo.record_procedure(actor, episode, stents=[stent])
    move(actor, episode, "complete_procedure")
    clock.move_to(at(dt.date(2024, 3, 18)))
    return demo.prepare_and_move(actor, episode, "discharge")


def discharged_for_the_module(django_db_blocker):
    """The discharged episode's id that a module's tests share (a procedure on 31 Jan,
    discharged on 3 Feb), walked once in the same frozen days a test's own clock would walk it
    in; each test's writes are undone (tests/module_rows.py)."""

    def make() -> int:
        with time_machine.travel(at(PROCEDURE_ON), tick=False) as clock:
            return discharge(_user("coordinator"), clock).id

    yield from rows_for_the_module(django_db_blocker, make)
