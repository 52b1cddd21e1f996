"""Writes on follow-ups and alerts: the schedule made at discharge, cancelling on exit and
undoing on correction, results, the sweep that raises alerts, and their delivery by email.

The sweep claims rows with SELECT ... FOR UPDATE SKIP LOCKED and inserts alerts with
ON CONFLICT DO NOTHING on their unique key, so sweeps running at once never double-alert.
Emails are sent by Celery tasks enqueued after commit; each delivery row is checked and marked
sent under a row lock, so running a delivery twice sends once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core import roles
from core.dates import add_months
from core.errors import Conflict, InvalidInput, NotFound
from pathway.codes import TERMINAL, Anticoagulant
from pathway.models import Episode, Transition
from tasks.models import (
    Alert,
    Delivery,
    DuplexSegmentResult,
    FollowUp,
    Kind,
    ScheduleRule,
    UnitSettings,
)
from tasks.schedule import occurrences

log = logging.getLogger(__name__)

RECORD_RESULTS = "tasks.record_result"
DUE, OVERDUE, ESCALATION = 1, 2, 3
STAGE_KIND = {DUE: Alert.Kind.DUE, OVERDUE: Alert.Kind.OVERDUE, ESCALATION: Alert.Kind.ESCALATION}
MAX_ATTEMPTS = 10
REQUEUE_AFTER = dt.timedelta(minutes=5)


# --- schedule, cancel, undo: called inside episode_transition's transaction -------------------
def _window(due: dt.date, days: int) -> dict:
    opens = due - dt.timedelta(days=days)
    return {
        "due_on": due,
        "window_opens_on": opens,
        "window_closes_on": due + dt.timedelta(days=days),
        "next_alert_on": opens,
    }


def followups_schedule(*, episode: Episode, move: Transition) -> list[FollowUp]:
    """The follow-ups of pathway.md section 4, from the unit's schedule rules."""
    unit = UnitSettings.current()
    procedure_on = episode.current_procedure_note().date
    plan = episode.discharge_plan
    discharged_on = move.effective_on
    rows = []
    for rule in ScheduleRule.objects.filter(active=True).order_by("id"):
        on_vka = plan.anticoagulant == Anticoagulant.VKA
        if rule.vka_only and not on_vka:
            continue
        anchor = procedure_on if rule.anchor == ScheduleRule.Anchor.PROCEDURE else discharged_on
        until = add_months(anchor, unit.horizon_months)
        if rule.vka_only and plan.planned_duration_months:
            until = min(until, add_months(discharged_on, plan.planned_duration_months))
        for due in occurrences(anchor, rule.first_offsets, rule.then_every, until):
            if due >= discharged_on:  # earlier ones are covered by the pre-discharge duplex
                rows.append(
                    FollowUp(
                        episode=episode,
                        kind=rule.kind,
                        created_by=move,
                        **_window(due, rule.window_days),
                    )
                )
    return FollowUp.objects.bulk_create(rows)


def followups_cancel_open(*, episode: Episode, move: Transition) -> int:
    return (
        FollowUp.objects.filter(episode=episode)
        .open()
        .update(cancelled_at=timezone.now(), cancelled_by=move, next_alert_on=None)
    )


def _next_alert_on(
    opens: dt.date, closes: dt.date, stage: int, escalation_days: int
) -> dt.date | None:
    """When the alert after `stage` becomes owed; None once the coordinator was alerted."""
    return {
        0: opens,
        DUE: closes + dt.timedelta(days=1),
        OVERDUE: closes + dt.timedelta(days=1 + escalation_days),
    }.get(stage)


def followups_undo(*, undone: Transition, correction: Transition) -> None:
    """A correction undoes a move's side effects: what it created is cancelled, what it
    cancelled is reopened (and the next sweep raises what became owed meanwhile)."""
    FollowUp.objects.filter(created_by=undone).open().update(
        cancelled_at=timezone.now(), cancelled_by=correction, next_alert_on=None
    )
    escalation_days = UnitSettings.current().escalation_days
    reopened = list(FollowUp.objects.filter(cancelled_by=undone, completed_at__isnull=True))
    for follow_up in reopened:
        follow_up.cancelled_at = None
        follow_up.cancelled_by = None
        follow_up.next_alert_on = _next_alert_on(
            follow_up.window_opens_on, follow_up.window_closes_on, follow_up.alert_stage,
            escalation_days,
        )  # fmt: skip
    FollowUp.objects.bulk_update(reopened, ["cancelled_at", "cancelled_by", "next_alert_on"])


def followups_after_move(*, episode: Episode, move: Transition) -> None:
    """What a pathway move does to the follow-ups it owns."""
    if move.name == "discharge":
        followups_schedule(episode=episode, move=move)
    elif move.name == "correct":
        followups_undo(undone=move.corrects, correction=move)
    elif move.target in TERMINAL or move.name == "reintervene":
        followups_cancel_open(episode=episode, move=move)


# --- alerts -----------------------------------------------------------------------------------
def _members(role: str) -> list[int]:
    users = get_user_model().objects.filter(groups__name=role, is_active=True)
    return list(users.values_list("id", flat=True).order_by("id"))


class Recipients:
    """Who gets an alert: the episode's assigned nurse or coordinator while their account is
    active, else everyone active in the role, so nobody who has left swallows an alert."""

    def __init__(self):
        self._members = {}
        self._active = None

    def of(self, kind: str, nurse_id: int | None, coordinator_id: int | None) -> list[int]:
        nurse_kind = kind in Alert.ROUTINE
        assigned = nurse_id if nurse_kind else coordinator_id
        if assigned:
            if self._active is None:
                users = get_user_model().objects.filter(is_active=True)
                self._active = set(users.values_list("id", flat=True))
            if assigned in self._active:
                return [assigned]
        role = roles.NURSE if nurse_kind else roles.COORDINATOR
        if role not in self._members:
            self._members[role] = _members(role)
        return self._members[role]


def _insert_alerts(rows: list[tuple[int, int, str, int]], now: dt.datetime) -> list[int]:
    """Insert (episode, follow-up, kind, recipient) alerts, skipping any that exist, with a
    pending delivery each. Returns the ids of deliveries to send at once (not digests)."""
    if not rows:
        return []
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [p for row in rows for p in (*row, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Alert._meta.db_table} "  # noqa: S608 - fixed table name
            "(episode_id, follow_up_id, kind, recipient_id, created_at) "
            f"VALUES {values} "
            "ON CONFLICT (follow_up_id, kind, recipient_id) DO NOTHING RETURNING id, kind",
            params,
        )
        created = cursor.fetchall()
    deliveries = Delivery.objects.bulk_create(
        Delivery(alert_id=alert_id, digest=kind in Alert.ROUTINE, created_at=now)
        for alert_id, kind in created
    )
    return [d.id for d in deliveries if not d.digest]


def _enqueue(delivery_ids: list[int]) -> None:
    """After commit, one delivery task per id. If Redis is down the first failure ends the
    loop (robust: logged, not raised); the rows wait for deliveries_requeue_stale."""
    if not delivery_ids:
        return

    def send_later() -> None:
        from tasks.jobs import deliver_alert  # edges import services, not the reverse

        for delivery_id in delivery_ids:
            deliver_alert.delay(delivery_id)

    transaction.on_commit(send_later, robust=True)


def unit_settings_save(*, unit: UnitSettings) -> UnitSettings:
    """Save the unit's settings. A new escalation delay also moves the escalation date of
    follow-ups already overdue, so a unit that shortens it is heard sooner."""
    with transaction.atomic():
        unit.full_clean()
        unit.save()
        FollowUp.objects.open().filter(alert_stage=OVERDUE).update(
            next_alert_on=F("window_closes_on") + dt.timedelta(days=1 + unit.escalation_days)
        )
    return unit


# --- the sweep --------------------------------------------------------------------------------
def stage_on(follow_up, today: dt.date, escalation_days: int) -> int:
    closes = follow_up["window_closes_on"]
    if today > closes + dt.timedelta(days=escalation_days):
        return ESCALATION
    if today > closes:
        return OVERDUE
    if today >= follow_up["window_opens_on"]:
        return DUE
    return 0


def stages_to_raise(old: int, new: int) -> list[int]:
    """Alerts owed moving from stage `old` to `new`. A 'due' the sweep missed while the
    follow-up became overdue is not sent late: the overdue alert says more."""
    return [s for s in range(old + 1, new + 1) if not (s == DUE and new > DUE)]


def _set_stages(updates: list[tuple[int, int, dt.date | None]]) -> None:
    """One UPDATE ... FROM (VALUES ...) for the batch: (id, stage, next alert date) rows."""
    table = FollowUp._meta.db_table
    values = ", ".join(["(%s, %s, %s)"] * len(updates))
    as_date = "::date" if connection.vendor == "postgresql" else ""  # an all-NULL column
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET alert_stage = v.column2, next_alert_on = v.column3{as_date} "
            f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
            [p for row in updates for p in row],
        )


@dataclass
class SweepResult:
    follow_ups: int = 0
    alerts: int = 0
    batches: int = 0


def followups_sweep(*, today: dt.date | None = None, batch_size: int = 1000) -> SweepResult:
    """Raise every alert owed today, each once, in batches of claimed follow-ups."""
    today = today or timezone.localdate()
    escalation_days = UnitSettings.current().escalation_days
    recipients = Recipients()
    result = SweepResult()
    deliveries_requeue_stale()
    while True:
        with transaction.atomic():
            claimed = list(
                FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(next_alert_on__lte=today)
                .order_by("next_alert_on", "id")
                .values(
                    "id",
                    "episode_id",
                    "window_opens_on",
                    "window_closes_on",
                    "alert_stage",
                    "episode__assigned_nurse_id",
                    "episode__assigned_coordinator_id",
                )[:batch_size]
            )
            if not claimed:
                return result
            now = timezone.now()
            alerts, updates = [], []
            for row in claimed:
                stage = stage_on(row, today, escalation_days)
                for s in stages_to_raise(row["alert_stage"], stage):
                    kind = STAGE_KIND[s]
                    for user_id in recipients.of(
                        kind,
                        row["episode__assigned_nurse_id"],
                        row["episode__assigned_coordinator_id"],
                    ):
                        alerts.append((row["episode_id"], row["id"], kind, user_id))
                stage = max(stage, row["alert_stage"])
                next_on = _next_alert_on(row["window_opens_on"], row["window_closes_on"], stage,
                                         escalation_days)  # fmt: skip
                updates.append((row["id"], stage, next_on))
            _set_stages(updates)
            _enqueue(_insert_alerts(alerts, now))
            result.follow_ups += len(claimed)
            result.alerts += len(alerts)
            result.batches += 1


# --- results ----------------------------------------------------------------------------------
def _target_inr(episode: Episode) -> tuple[Decimal, Decimal]:
    plan = getattr(episode, "discharge_plan", None)
    if plan is not None and plan.target_inr_low is not None:
        return plan.target_inr_low, plan.target_inr_high
    unit = UnitSettings.current()
    return unit.default_inr_low, unit.default_inr_high


def _duplex_result(episode: Episode, segments: list[dict], villalta: dict | None) -> tuple:
    seen = [s["segment"] for s in segments]
    if len(seen) != len(set(seen)):
        raise InvalidInput({"segments": "Each segment may be reported once."})
    note = episode.current_procedure_note()
    stented = {s.segment for s in note.stents.all()} if note else set()
    missing = sorted(stented - set(seen))
    if missing:
        raise InvalidInput(
            {"segments": f"Report every stented segment; missing: {', '.join(missing)}."}
        )
    urgent = any(s["result"] != DuplexSegmentResult.Result.PATENT for s in segments)
    procedure_on = note.date.isoformat() if note else None
    # Segment results are rows (DuplexSegmentResult); the JSON keeps the rest of the visit.
    return {"villalta": villalta, "procedure_on": procedure_on}, urgent


def followup_record_result(*, actor, follow_up_id: int, performed_on: dt.date, **data) -> FollowUp:
    """Complete a follow-up with its result; an alarming one alerts the coordinator at once."""
    roles.require(actor, RECORD_RESULTS, "record follow-up results")
    if performed_on > timezone.localdate():
        raise InvalidInput({"performed_on": "This date is in the future."})
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("episode", "created_by")
            .filter(id=follow_up_id)
            .first()
        )
        if follow_up is None:
            raise NotFound("No such follow-up.")
        if follow_up.completed_at:
            raise Conflict("A result has already been recorded for this follow-up.")
        if follow_up.cancelled_at:
            raise Conflict("This follow-up was cancelled; it takes no result.")
        if performed_on < follow_up.created_by.effective_on:
            raise InvalidInput({"performed_on": "This is before the patient was discharged."})
        episode = follow_up.episode
        if follow_up.kind == Kind.DUPLEX:
            result, urgent = _duplex_result(episode, data["segments"], data.get("villalta"))
        elif follow_up.kind == Kind.INR_CHECK:
            low, high = _target_inr(episode)
            result = {"inr": str(data["inr"]), "target": [str(low), str(high)]}
            urgent = not (low <= data["inr"] <= high)
        else:
            result = {"adherent": data["adherent"], "notes": data.get("notes", "")}
            urgent = False
        follow_up.completed_at = timezone.now()
        follow_up.completed_by = actor
        follow_up.performed_on = performed_on
        follow_up.result = result
        follow_up.next_alert_on = None
        follow_up.save()
        if follow_up.kind == Kind.DUPLEX:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(follow_up=follow_up, **s) for s in data["segments"]
            )
        if urgent:
            kind = Alert.Kind.URGENT_RESULT
            rows = [
                (episode.id, follow_up.id, kind, user_id)
                for user_id in Recipients().of(kind, None, episode.assigned_coordinator_id)
            ]
            _enqueue(_insert_alerts(rows, timezone.now()))
    return follow_up


def alert_acknowledge(*, actor, alert_id: int) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(id=alert_id, recipient=actor).first()
        if alert is None:
            raise NotFound("No such alert in your inbox.")
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_at"])
    return alert


# --- delivery ---------------------------------------------------------------------------------
KIND_TEXT = {
    Alert.Kind.DUE: "is due",
    Alert.Kind.OVERDUE: "is overdue",
    Alert.Kind.ESCALATION: "is badly overdue (escalated)",
    Alert.Kind.URGENT_RESULT: "has an urgent result",
}


def _line(alert: Alert) -> str:
    """One line per alert, naming the episode number only: email is no place for patient
    details; the app shows them to whoever signs in."""
    fu = alert.follow_up
    return (
        f"- Episode {alert.episode_id}: {fu.get_kind_display()} follow-up due {fu.due_on} "
        f"{KIND_TEXT[alert.kind]}."
    )


def delivery_send(*, delivery_id: int) -> bool:
    """Send one alert's email unless already sent. True if this call sent it."""
    try:
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(of=("self",))
                .select_related("alert__recipient", "alert__follow_up")
                .filter(id=delivery_id)
                .first()
            )
            if delivery is None or delivery.sent_at is not None:
                return False
            recipient = delivery.alert.recipient
            delivery.attempts += 1
            if recipient.email:
                send_mail(
                    subject=f"Pathway alert: {delivery.alert.get_kind_display()}",
                    message=_line(delivery.alert) + "\nSign in to the pathway app to act on it.",
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[recipient.email],
                )
                delivery.last_error = ""
            else:
                delivery.last_error = "No email address: in-app inbox only."
            delivery.sent_at = timezone.now()
            delivery.save()
            return True
    except Exception as exc:
        Delivery.objects.filter(id=delivery_id, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=type(exc).__name__[:200]
        )
        raise


def deliveries_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Immediate deliveries left unsent (Redis was down, a worker died) are enqueued again."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            digest=False,
            sent_at__isnull=True,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lt=now - REQUEUE_AFTER,
        ).values_list("id", flat=True)[:1000]
    )
    _enqueue(ids)
    return len(ids)


def digest_send(*, recipient_id: int, now: dt.datetime | None = None) -> int:
    """One email listing a nurse's new routine alerts, at most once a local day."""
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        pending = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digest=True, sent_at__isnull=True, alert__recipient_id=recipient_id)
            .select_related("alert__follow_up", "alert__recipient")
            .order_by("id")
        )
        already = Delivery.objects.filter(
            digest=True, sent_at__gte=start_of_day, alert__recipient_id=recipient_id
        ).exists()
        if not pending or already:
            return 0
        recipient = pending[0].alert.recipient
        if recipient.email:
            lines = "\n".join(_line(d.alert) for d in pending)
            send_mail(
                subject=f"Pathway digest: {len(pending)} follow-up alert(s)",
                message=f"{lines}\nSign in to the pathway app to act on them.",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient.email],
            )
        Delivery.objects.filter(id__in=[d.id for d in pending]).update(
            sent_at=now, attempts=F("attempts") + 1
        )
        return len(pending)


def digests_send(*, now: dt.datetime | None = None) -> int:
    """The daily digest to each nurse, once the unit's digest hour has come."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < UnitSettings.current().digest_hour:
        return 0
    recipients = (
        Delivery.objects.filter(digest=True, sent_at__isnull=True)
        .values_list("alert__recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for recipient_id in list(recipients):
        try:
            sent += digest_send(recipient_id=recipient_id, now=now)
        except Exception as exc:  # one bad mailbox must not hold up the other nurses' digests
            log.exception("Digest to user %s failed; its alerts stay pending.", recipient_id)
            Delivery.objects.filter(
                digest=True, sent_at__isnull=True, alert__recipient_id=recipient_id
            ).update(attempts=F("attempts") + 1, last_error=type(exc).__name__[:200])
    return sent
