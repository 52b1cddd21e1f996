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
from tasks.models import DuplexSegmentResult, FollowUp, Visit
from tasks.services.alerts import (
    enqueue,
    urgent_alerts_insert,
)
from tasks.services.outcomes import OUTCOME_KINDS, episode_outcomes_refresh
from tasks.services.result_rules import (
    CEAP_CLASSES,
    VCSS_ITEMS,
    episode_facts_load,
    not_before_previous_move,
    not_in_future,
    result_of,
)
from tasks.services.results_bulk import followup_results_record_bulk

__all__ = ["CEAP_CLASSES", "VCSS_ITEMS", "followup_record_result", "visit_record"]


def _outcome_facts_changed(episode: Episode, kind: str) -> None:
    if kind in OUTCOME_KINDS:
        episode_outcomes_refresh(episode_ids=[episode.id])


def followup_record_result(*, actor, follow_up_id: int, performed_on: dt.date, **data) -> FollowUp:
    """Complete a follow-up with its result; an alarming one alerts the coordinator at once.
    A result dated before the window opens belongs to an unscheduled visit. One result is a
    batch of one: the bulk writer is the only writer of a follow-up's result."""
    (follow_up,) = followup_results_record_bulk(
        actor=actor, results=[{"follow_up_id": follow_up_id, "performed_on": performed_on, **data}]
    )
    return follow_up


def visit_record(*, actor, episode_id: int, kind: str, performed_on: dt.date, **data) -> Visit:
    """An unscheduled visit in surveillance (a patient back with symptoms): the same result
    fields and urgent alerts as a follow-up, and it completes no follow-up."""
    roles.require(actor, roles.RECORD_RESULTS, "record visit results")
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
