"""What the outcome tests share: an episode walked to surveillance, and duplex and INR results
recorded as unscheduled visits (any date after discharge, no window to wait for)."""

import datetime as dt
from decimal import Decimal

from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tests.factories import PatientFactory, days_ago, prepare_and_move, record_procedure, walk_to

STENTED = "left_common_iliac"


def plus(start: dt.date, n: int) -> dt.date:
    return start + dt.timedelta(days=n)


def move(actor, episode, name, on, **kwargs):
    return services.episode_transition(
        episode_id=episode.id, name=name, actor=actor, effective_on=on, **kwargs
    )


def discharged(actor, on, lesion=None, booked_days_before=0):
    """Walked to surveillance, everything on `on` (booked that many days before); the index
    note records `lesion`."""
    booked = on - dt.timedelta(booked_days_before)
    episode = walk_to(actor, PatientFactory(), State.PROCEDURE, on=booked)
    record_procedure(actor, episode, date=on, underlying_lesion=lesion)
    move(actor, episode, "complete_procedure", on)
    return prepare_and_move(actor, episode, "discharge", on)


def duplex(nurse, episode, on, result="patent", villalta=None):
    return task_services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=on,
        segments=[{"segment": STENTED, "result": result}],
        villalta=villalta,
    )


def inr(nurse, episode, on, value):
    task_services.visit_record(
        actor=nurse, episode_id=episode.id, kind="inr_check", performed_on=on, inr=Decimal(value)
    )


def build(coordinator, nurse, n: int):
    """n episodes, procedures 400 + 10 i days ago, every third with a compression lesion; each
    patent at 30 days, every other one occluded at 200."""
    episodes = []
    for i in range(n):
        start = days_ago(400 + 10 * i)
        episode = discharged(coordinator, start, "compression" if i % 3 == 0 else None)
        duplex(nurse, episode, plus(start, 30))
        if i % 2:
            duplex(nurse, episode, plus(start, 200), "occluded")
        episodes.append(episode)
    return episodes
