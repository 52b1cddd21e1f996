"""Recording many follow-up results at once (the synthetic cohort, an import of past results):
the same rules, errors and rows as `followup_record_result` one by one, in a fixed number of
statements a batch instead of a dozen a result, and the after-results hook (tasks/hooks.py)
called once at the end, so each episode's outcome row is reduced once instead of after every
result (which made a long surveillance cost its square)."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.utils import timezone

from core import roles
from core.revisions import mark, revisions_write_bulk
from pathway.models import Episode
from tasks import hooks
from tasks.models import DuplexSegmentResult, FollowUp
from tasks.services.alerts import (
    alerts_resolve,
    enqueue,
    urgent_alerts_insert_bulk,
)
from tasks.services.result_rules import (
    episode_facts_load,
    followup_result_check,
    followup_takes_result,
    not_in_future,
)

# What recording a result changes on the follow-up (the rest of the locked row stays as read).
RESULT_FIELDS = ["completed_at", "completed_by", "performed_on", "result", "next_alert_on"]


def _locked(results: list[dict]) -> dict[int, FollowUp]:
    """The follow-ups named, with their episodes: the episodes locked first and then the
    follow-ups, each in id order (the order an exit takes them in, and the same for every
    batch, so nothing waits in a circle)."""
    ids = {item["follow_up_id"] for item in results}
    episodes = FollowUp.objects.filter(id__in=ids).values("episode_id")
    list(Episode.objects.select_for_update().filter(id__in=episodes).order_by("id").values("id"))
    rows = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("episode")
        .filter(id__in=ids)
        .order_by("id")
    )
    return {row.id: row for row in rows}


def followup_results_record_bulk(*, actor, results: list[dict]) -> list[FollowUp]:
    """Complete follow-ups with their results, all or none. Each item is {follow_up_id,
    performed_on, and the fields followup_record_result takes}; the first item the one-by-one
    path would refuse (in order, a follow-up named twice included) refuses the whole batch with
    the same error, and nothing is written. Returns the follow-ups in the order given, each
    with `urgent`: what was found alarming and who was alerted (None: nothing was)."""
    roles.require(actor, roles.RECORD_RESULTS, "record follow-up results")
    if not results:
        return []
    with transaction.atomic():
        rows = _locked(results)
        facts = episode_facts_load(
            {row.episode_id for row in rows.values()}, {row.kind for row in rows.values()}
        )
        now = timezone.now()
        written: list[FollowUp] = []
        segments: list[DuplexSegmentResult] = []
        urgent_ones: list[FollowUp] = []
        for item in results:
            data = dict(item)
            follow_up_id, performed_on = data.pop("follow_up_id"), data.pop("performed_on")
            not_in_future(performed_on)
            # completed earlier in this batch too
            follow_up = followup_takes_result(rows.get(follow_up_id))
            result, parts, follow_up.urgent = followup_result_check(
                follow_up, facts[follow_up.episode_id], performed_on, data
            )
            follow_up.completed_at = now
            follow_up.completed_by = actor
            follow_up.performed_on = performed_on
            follow_up.result = result
            follow_up.next_alert_on = None
            mark(follow_up, actor=actor, parts=parts)
            written.append(follow_up)
            if parts:
                segments += (
                    DuplexSegmentResult(follow_up=follow_up, **s) for s in parts["segments"]
                )
            if follow_up.urgent:
                urgent_ones.append(follow_up)
        _write(written, segments)
        hooks.results_recorded(results=[(row.episode_id, row.kind) for row in written])
        findings = [(row.episode, {"follow_up": row}, row.urgent) for row in urgent_ones]
        raised = urgent_alerts_insert_bulk(findings=findings, now=timezone.now())
        for row, told in zip(urgent_ones, raised.told, strict=True):
            row.urgent = told
        enqueue(raised.deliveries)
    return written


def _update_postgresql(written: list[FollowUp]) -> None:
    """The follow-ups' result fields in one UPDATE from arrays: Django's bulk_update builds a
    CASE per row and field, which took 40% of a batch (as the sweep found, README)."""
    first = written[0]
    encoder = FollowUp._meta.get_field("result").encoder
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FollowUp._meta.db_table} AS f SET "
            "completed_at = %s, completed_by_id = %s, next_alert_on = NULL, "
            "performed_on = v.performed_on, result = v.result::jsonb "
            "FROM unnest(%s::bigint[], %s::date[], %s::text[]) AS v(id, performed_on, result) "
            "WHERE f.id = v.id",
            [
                first.completed_at,
                first.completed_by_id,
                [row.id for row in written],
                [row.performed_on for row in written],
                [json.dumps(row.result, cls=encoder) for row in written],
            ],
        )


def _write(written: list[FollowUp], segments: list[DuplexSegmentResult]) -> None:
    """The rows `save` would write for each (the follow-up and its revision), its segment
    results, and its alerts resolved: one statement a table for the whole batch."""
    if connection.vendor == "postgresql":
        _update_postgresql(written)  # every row has the batch's time and actor
    else:
        FollowUp.objects.bulk_update(written, RESULT_FIELDS)
    revisions_write_bulk(written)
    DuplexSegmentResult.objects.bulk_create(segments)
    alerts_resolve(follow_ups=[row.id for row in written], reason="The follow-up was completed.")
