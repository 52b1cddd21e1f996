"""Recording results: a scheduled follow-up's (which completes it) or an unscheduled visit's
(which completes nothing). An alarming one alerts the coordinator at once, either way."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import InvalidInput, NotFound
from core.revisions import mark
from pathway.models import Episode
from tasks import hooks
from tasks.models import DuplexSegmentResult, FollowUp, Visit
from tasks.services.alerts import (
    enqueue,
    urgent_alerts_insert,
)
from tasks.services.result_rules import (
    CEAP_CLASSES,
    VCSS_ITEMS,
    episode_facts_load,
    not_in_future,
    result_of,
    visit_is_late,
)
from tasks.services.results_bulk import followup_results_record_bulk

__all__ = ["CEAP_CLASSES", "VCSS_ITEMS", "followup_record_result", "visit_record"]


def followup_record_result(*, actor, follow_up_id: int, performed_on: dt.date, **data) -> FollowUp:
    """Complete a follow-up with its result; an alarming one alerts the coordinator at once
    (the follow-up returned carries `urgent`: what was found and who was alerted). A result
    dated before the window opens belongs to an unscheduled visit. One result is a batch of
    one: the bulk writer is the only writer of a follow-up's result."""
    (follow_up,) = followup_results_record_bulk(
        actor=actor, results=[{"follow_up_id": follow_up_id, "performed_on": performed_on, **data}]
    )
    return follow_up


def visit_record(
    *, actor, episode_id: int, kind: str, performed_on: dt.date, reason: str = "", **data
) -> Visit:
    """An unscheduled visit in surveillance (a patient back with symptoms), or an INR on the ward
    in post-op (section 7): the same result fields and urgent alerts as a follow-up, and it
    completes no follow-up. A duplex or INR done in an earlier stay in surveillance may be
    entered after the episode moved on, with a reason (pathway.md section 6): it counts for
    outcomes and alerts nobody. The visit returned carries `urgent`: what was found alarming
    and who was alerted (None: nobody)."""
    roles.require(actor, roles.RECORD_RESULTS, "record visit results")
    if kind not in Visit.Kind.values:
        raise InvalidInput({"kind": f"A visit is one of: {', '.join(Visit.Kind.values)}."})
    not_in_future(performed_on)
    with transaction.atomic():
        episode = Episode.objects.select_for_update(of=("self",)).filter(id=episode_id).first()
        if episode is None:
            raise NotFound("No such episode.")
        facts = episode_facts_load([episode.id], {kind})[episode.id]
        late = visit_is_late(
            facts, state=episode.state, kind=kind, performed_on=performed_on, reason=reason
        )
        result, parts, urgent = result_of(facts, kind, performed_on, data)
        visit = Visit(
            episode=episode,
            kind=kind,
            performed_on=performed_on,
            result=result,
            recorded_by=actor,
            late_reason=reason.strip() if late else "",
        )
        mark(visit, actor=actor, parts=parts)
        visit.save()
        if parts:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(visit=visit, **s) for s in parts["segments"]
            )
        hooks.results_recorded(results=[(episode.id, kind)])  # the outcome row, if it counts
        visit.urgent = None
        if urgent and not late:
            raised = urgent_alerts_insert(
                episode=episode, now=timezone.now(), urgent=urgent, visit=visit
            )
            enqueue(raised.deliveries)
            visit.urgent = raised.told[0]
    return visit
