"""Recording results: a scheduled follow-up's (which completes it) or an unscheduled visit's
(which completes nothing). An alarming one alerts the coordinator at once, either way."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from core.revisions import mark
from pathway.codes import TERMINAL, State
from pathway.models import Episode
from tasks.models import DuplexSegmentResult, FollowUp, Kind, Visit
from tasks.services.alerts import (
    RECORD_RESULTS,
    alerts_resolve,
    enqueue,
    urgent_alerts_insert,
)
from tasks.services.outcomes import episode_outcomes_refresh
from tasks.services.result_rules import (
    CEAP_CLASSES,
    VCSS_ITEMS,
    episode_facts_load,
    followup_result_check,
    followup_takes_result,
    not_before_previous_move,
    not_in_future,
    result_of,
)

__all__ = ["CEAP_CLASSES", "VCSS_ITEMS", "followup_record_result", "visit_record"]


def _outcome_facts_changed(episode: Episode, kind: str) -> None:
    """A duplex (patency, Villalta) or an INR reading (TTR) changes the episode's outcome row."""
    if kind in (Kind.DUPLEX, Kind.INR_CHECK):
        episode_outcomes_refresh(episode_ids=[episode.id])


def followup_record_result(*, actor, follow_up_id: int, performed_on: dt.date, **data) -> FollowUp:
    """Complete a follow-up with its result; an alarming one alerts the coordinator at once.
    A result dated before the window opens belongs to an unscheduled visit."""
    roles.require(actor, RECORD_RESULTS, "record follow-up results")
    not_in_future(performed_on)
    with transaction.atomic():
        # The episode first, then its follow-up: the order the moves take them in (an exit
        # locks the episode and then cancels its follow-ups), so the two never deadlock.
        episode_id = FollowUp.objects.filter(id=follow_up_id).values_list("episode_id").first()
        if episode_id is None:
            raise NotFound("No such follow-up.")
        Episode.objects.select_for_update(of=("self",)).filter(id=episode_id[0]).first()
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("episode")
            .filter(id=follow_up_id)
            .first()
        )
        followup_takes_result(follow_up)
        episode = follow_up.episode
        facts = episode_facts_load([episode.id], {follow_up.kind})[episode.id]
        result, parts, urgent = followup_result_check(follow_up, facts, performed_on, data)
        follow_up.completed_at = timezone.now()
        follow_up.completed_by = actor
        follow_up.performed_on = performed_on
        follow_up.result = result
        follow_up.next_alert_on = None
        mark(follow_up, actor=actor, parts=parts)
        follow_up.save()
        if parts:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(follow_up=follow_up, **s) for s in parts["segments"]
            )
        alerts_resolve(follow_ups=[follow_up.id], reason="The follow-up was completed.")
        _outcome_facts_changed(episode, follow_up.kind)
        if urgent:
            enqueue(urgent_alerts_insert(episode=episode, now=timezone.now(), follow_up=follow_up))
    return follow_up


def visit_record(*, actor, episode_id: int, kind: str, performed_on: dt.date, **data) -> Visit:
    """An unscheduled visit in surveillance (a patient back with symptoms): the same result
    fields and urgent alerts as a follow-up, and it completes no follow-up."""
    roles.require(actor, RECORD_RESULTS, "record visit results")
    if kind not in Visit.Kind.values:
        raise InvalidInput({"kind": f"A visit is one of: {', '.join(Visit.Kind.values)}."})
    not_in_future(performed_on)
    with transaction.atomic():
        episode = Episode.objects.select_for_update(of=("self",)).filter(id=episode_id).first()
        if episode is None:
            raise NotFound("No such episode.")
        if episode.state in TERMINAL:
            raise Conflict(f"The episode is closed ('{episode.state}'); it takes no visits.")
        if episode.state != State.SURVEILLANCE:
            raise Conflict(
                f"Unscheduled visits are recorded in surveillance; the episode is in "
                f"'{episode.state}'."
            )
        facts = episode_facts_load([episode.id], {kind})[episode.id]
        if problem := not_before_previous_move(facts, performed_on):
            raise InvalidInput({"performed_on": problem})
        result, parts, urgent = result_of(facts, kind, data)
        visit = Visit(
            episode=episode, kind=kind, performed_on=performed_on, result=result, recorded_by=actor
        )
        mark(visit, actor=actor, parts=parts)
        visit.save()
        if parts:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(visit=visit, **s) for s in parts["segments"]
            )
        _outcome_facts_changed(episode, kind)
        if urgent:
            enqueue(urgent_alerts_insert(episode=episode, now=timezone.now(), visit=visit))
    return visit
