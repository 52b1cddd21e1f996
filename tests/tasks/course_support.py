"""Shared by the anticoagulation-course tests: courses started, changed and stopped through the
pathway services, and a patient bridged from enoxaparin to warfarin in post-op and discharged."""

import datetime as dt

from demo import walk as demo
from pathway import services
from pathway.codes import State
from tests.factories import PatientFactory
from tests.tasks.support import PROCEDURE_ON, at


def after(day: dt.date, n: int) -> dt.date:
    return day + dt.timedelta(days=n)


def start(actor, episode, agent: str, on: dt.date, **extra):
    return services.course_add(
        actor=actor, episode_id=episode.id, agent=agent, started_on=on, **extra
    )


def change(actor, course, reason: str, **changes):
    return services.course_change(
        actor=actor, episode_id=course.episode_id, course_id=course.id, reason=reason, **changes
    )


def in_post_op(actor, clock, *, patient=None):
    """Operated on 31 Jan 2024 and in post-op."""
    clock.move_to(at(PROCEDURE_ON))
    return demo.walk_to(actor, patient or PatientFactory(), State.POST_OP)


def discharge_now(actor, clock, episode, on: dt.date, **plan):
    """The pre-discharge duplex and the discharge plan recorded on `on`, and the discharge."""
    clock.move_to(at(on))
    demo.record_imaging(actor, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_discharge_plan(actor, episode, **plan)
    return services.episode_transition(episode_id=episode.id, name="discharge", actor=actor)


def bridged_and_discharged(
    actor, clock, *, warfarin_on, heparin_until, discharged_on, plan=None, **course
):
    """Enoxaparin from the procedure day (31 Jan 2024), warfarin from `warfarin_on`, enoxaparin
    stopped on `heparin_until`, discharged on `discharged_on` on the warfarin (the discharge
    plan: a VKA for 6 months, or `plan`). Returns the episode and the warfarin course."""
    episode = in_post_op(actor, clock)
    heparin = start(actor, episode, "enoxaparin", PROCEDURE_ON)
    clock.move_to(at(warfarin_on))
    warfarin = start(actor, episode, "warfarin", warfarin_on, **course)
    clock.move_to(at(heparin_until))
    change(actor, heparin, "INR in range.", stopped_on=heparin_until)
    return discharge_now(actor, clock, episode, discharged_on, **(plan or {})), warfarin
