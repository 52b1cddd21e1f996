"""Stalled episodes (pathway.md section 6): an episode waiting longer than the unit allows
raises a `stalled` alert for its coordinator, once per stall.

The waits, each from the unit's settings (UnitSettings):
- in MDT discussion after the latest decision `defer` (from the later of the decision's date and
  the move into MDT discussion): `stalled_mdt_defer_days`;
- in imaging (from the move into imaging, Episode.entered_on): `stalled_imaging_days`;
- booked for the procedure, after `schedule_procedure` or `reintervene`: `stalled_procedure_days`;
- in surveillance while the selection's thrombophilia stays `pending`, from the discharge:
  `thrombophilia_pending_days`.

A stall is the wait that began with the standing move into the current state (`stall_move`): one
alert per stall and recipient (the unique constraint `one_alert_per_stall`, inserted with ON
CONFLICT DO NOTHING, so two sweeps at once write it once). Any move of the episode resolves it
(alerts_resolve_stalled); a correction that undoes that move brings it back. The sweep runs it
in a fixed number of queries whatever the number of episodes: one finds every stalled episode,
the recipients are looked up once, one statement writes the alerts and their deliveries.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from pathway.codes import MdtOutcome, State, Thrombophilia
from pathway.models import Episode, MdtDecision, SelectionAssessment, Transition
from pathway.rules import LATEST_MDT_FIRST
from tasks.models import Alert, UnitSettings
from tasks.services.alert_rows import alerts_with_deliveries_insert
from tasks.services.alerts import Recipients, enqueue, silenced

log = logging.getLogger(__name__)
# Each row: (episode, stall, stall move, recipient, unrouted, finding); once per stall and
# recipient.
COLUMNS = (
    ("episode_id", "bigint"),
    ("stall", "varchar"),
    ("stall_move_id", "bigint"),
    ("recipient_id", "int"),
    ("unrouted", "boolean"),
    ("finding", "jsonb"),
)
ONCE = "ON CONFLICT (stall_move_id, stall, recipient_id) WHERE kind = 'stalled' DO NOTHING"

STALL_OF = {
    State.MDT_DISCUSSION: Alert.Stall.MDT_DEFER,
    State.IMAGING: Alert.Stall.IMAGING,
    State.PROCEDURE: Alert.Stall.PROCEDURE,
    State.SURVEILLANCE: Alert.Stall.THROMBOPHILIA,
}
WORDS = {
    Alert.Stall.MDT_DEFER: "Waiting {days} days in MDT discussion after a 'defer' decision",
    Alert.Stall.IMAGING: "Waiting {days} days in imaging",
    Alert.Stall.PROCEDURE: "Waiting {days} days for the procedure",
    Alert.Stall.THROMBOPHILIA: "Thrombophilia result pending {days} days after discharge",
}


def stall_limits(unit: UnitSettings) -> dict[str, int]:
    """Days each kind of wait may last before it is a stall."""
    return {
        Alert.Stall.MDT_DEFER: unit.stalled_mdt_defer_days,
        Alert.Stall.IMAGING: unit.stalled_imaging_days,
        Alert.Stall.PROCEDURE: unit.stalled_procedure_days,
        Alert.Stall.THROMBOPHILIA: unit.thrombophilia_pending_days,
    }


def stalled_episodes_owing(today: dt.date, limits: dict[str, int]):
    """Every episode waiting longer than its limit (the sweep asks only whether there is one):
    one query."""

    def before(stall: str) -> dt.date:  # waiting since before this day: longer than the limit
        return today - dt.timedelta(days=limits[stall])

    latest_mdt = MdtDecision.objects.filter(episode=OuterRef("pk")).order_by(*LATEST_MDT_FIRST)
    # Each wait's cheap conditions first (PostgreSQL evaluates them in order): the latest
    # decision is read only for the episodes in MDT discussion long enough.
    deferred = (
        Q(state=State.MDT_DISCUSSION)
        & Q(entered_on__lt=before(Alert.Stall.MDT_DEFER))
        & Q(latest_decision=MdtOutcome.DEFER)
        & Q(defer_on__lt=before(Alert.Stall.MDT_DEFER))
    )
    pending = Exists(
        SelectionAssessment.objects.filter(
            episode=OuterRef("pk"), thrombophilia=Thrombophilia.PENDING
        )
    )
    return (
        Episode.objects.filter(state__in=list(STALL_OF))
        .annotate(
            latest_decision=Subquery(latest_mdt.values("decision")[:1]),
            defer_on=Subquery(latest_mdt.values("date")[:1]),
        )
        .filter(
            Q(state=State.IMAGING) & Q(entered_on__lt=before(Alert.Stall.IMAGING))
            | Q(state=State.PROCEDURE) & Q(entered_on__lt=before(Alert.Stall.PROCEDURE))
            | Q(
                Q(state=State.SURVEILLANCE)
                & Q(entered_on__lt=before(Alert.Stall.THROMBOPHILIA))
                & Q(pending)
            )
            | deferred
        )
        .exclude(silenced(prefix=""))
    )


def stalled_episodes(today: dt.date, limits: dict[str, int]):
    """Every stalled episode (stalled_episodes_owing) with what its alert says: the move that
    began the wait, and the day the wait is counted from."""
    standing = Transition.objects.filter(
        episode=OuterRef("pk"), corrects__isnull=True, corrected_by__isnull=True
    ).order_by("-id")
    return (
        stalled_episodes_owing(today, limits)
        .annotate(stall_move_id=Subquery(standing.values("id")[:1]))
        .values("id", "state", "entered_on", "defer_on", "assigned_coordinator_id", "stall_move_id")
        .order_by("id")
    )


def stalled_episodes_alert(
    *, today: dt.date, unit: UnitSettings | None = None, now: dt.datetime | None = None
) -> int:
    """Alert the coordinator of every stalled episode (the assigned one, else every active
    coordinator, else the admins, unrouted), once per stall, with an email sent at once. Not
    for a patient whose death is recorded. Returns how many alerts were written."""
    unit = unit or UnitSettings.current()
    now = now or timezone.now()
    limits = stall_limits(unit)
    recipients = Recipients()
    rows, sent = [], []
    with transaction.atomic():
        stalled = list(stalled_episodes(today, limits))
        for episode in stalled:
            stall = STALL_OF[episode["state"]]
            since = episode["entered_on"]
            if stall == Alert.Stall.MDT_DEFER:
                since = max(since, episode["defer_on"])
            words = WORDS[stall].format(days=(today - since).days)
            finding = json.dumps({"text": f"{words} (limit {limits[stall]})"})
            route = recipients.of(Alert.Kind.STALLED, None, episode["assigned_coordinator_id"])
            if not route.ids:
                log.error("Episode %s is stalled and nobody can be told.", episode["id"])
                continue
            rows += [
                (episode["id"], stall, episode["stall_move_id"], uid, route.unrouted, finding)
                for uid in route.ids
            ]
        if rows:
            sent = alerts_with_deliveries_insert(
                kind=Alert.Kind.STALLED, columns=COLUMNS, rows=rows, conflict=ONCE, now=now
            )
            enqueue(sent)
    return len(sent)
