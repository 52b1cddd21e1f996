import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from core.selectors import users_without_email
from pathway import villalta
from pathway.codes import TERMINAL, State
from pathway.models import Episode
from pathway.selectors import episode_get
from patients.models import Patient
from tasks.models import Alert, CalendarFeed, FollowUp, Kind, Status, Visit
from tasks.models.nurses import UNDO_MINUTES
from tasks.services.delivery import NO_ADDRESS
from tasks.services.result_rules import (
    VisitOpening,
    episode_facts_load,
    followup_takes_result,
    visit_opening,
)


def _statuses(text: str) -> set[str]:
    """One derived status or several, comma separated; an unknown one is a 400 naming it."""
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(Status.values))
    if unknown or not wanted:
        raise InvalidInput(
            {
                "status": f"Unknown status: {', '.join(unknown) or text}. "
                f"Known: {', '.join(Status.values)}."
            }
        )
    return wanted


def followup_list(
    *, actor, episode_id: int, status: str | None = None, today: dt.date | None = None
) -> list[FollowUp]:
    """An episode's follow-ups by due date; with `status` (`overdue`, or `due,overdue`), only
    those whose status, derived from the dates on `today` as each row shows it, is one of
    them."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    wanted = _statuses(status) if status else None
    found = FollowUp.objects.filter(episode=episode).prefetch_related("segments")
    rows = list(found.order_by("due_on", "id"))
    if wanted is None:
        return rows
    today = today or timezone.localdate()
    return [row for row in rows if row.status_on(today) in wanted]


def followup_get(*, actor, follow_up_id: int) -> FollowUp:
    roles.require(actor, roles.VIEW_EPISODES, "see follow-ups")
    follow_up = FollowUp.objects.filter(id=follow_up_id).first()
    if follow_up is None:
        raise NotFound("No such follow-up.")
    return follow_up


def followup_for_result(*, actor, follow_up_id: int) -> FollowUp:
    """The follow-up whose result is about to be recorded: a 404 when there is none, a 409 in
    the result rule's words when it takes none (completed or cancelled)."""
    follow_up = followup_get(actor=actor, follow_up_id=follow_up_id)
    followup_takes_result(follow_up)
    return follow_up


def visit_list(*, actor, episode_id: int) -> list[Visit]:
    """An episode's unscheduled visits, oldest first, with their segment results."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    rows = Visit.objects.filter(episode=episode).prefetch_related("segments")
    return list(rows.order_by("performed_on", "id"))


@dataclass(frozen=True)
class ResultForm:
    """What the form of a result shows of the rules it will be judged by (result_rules): the
    episode with its patient; a duplex's `segments`, each stented segment, in the order placed
    (each is reported); for a visit, how it is recorded now (`opening`)."""

    episode: Episode
    segments: list[str]
    opening: VisitOpening | None = None


def result_form_get(*, actor, episode_id: int, kind: str, visit: bool = False) -> ResultForm:
    """The facts a result's form shows, read as the result services read them; `visit`: an
    unscheduled visit, refused (409) when the episode takes none now."""
    roles.require(actor, roles.RECORD_RESULTS, "record results")
    episode = Episode.objects.select_related("patient").filter(id=episode_id).first()
    if episode is None:
        raise NotFound("No such episode.")
    facts = episode_facts_load([episode.id], {kind} & {Kind.DUPLEX}).get(episode.id)
    segments = facts.stented() if facts is not None and kind == Kind.DUPLEX else []
    if not visit:
        return ResultForm(episode, segments)
    opening = visit_opening(facts, state=episode.state, kind=kind)
    if opening is None:
        raise Conflict("Unscheduled visits are recorded while the episode is in surveillance.")
    return ResultForm(episode, segments, opening)


# Where an alert stands in every inbox (pathway.md section 6: critical first, then urgent,
# then the rest): a critical finding (its urgent result, or the escalation carrying its
# grade); any other urgent finding or its escalation; a wait gone on too long (a missed
# follow-up escalated, a stalled episode, a course at its end with no decision), which the
# issue calls routine escalations; then what is simply due or overdue. Oldest first within each.
CRITICAL, URGENT, LATE, ROUTINE = range(4)
URGENCY = Case(
    When(grade=Alert.Grade.CRITICAL, then=Value(CRITICAL)),
    When(Q(kind=Alert.Kind.URGENT_RESULT) | Q(escalates__isnull=False), then=Value(URGENT)),
    When(
        kind__in=[Alert.Kind.ESCALATION, Alert.Kind.STALLED, Alert.Kind.COURSE_ENDING],
        then=Value(LATE),
    ),
    default=Value(ROUTINE),
)


def alert_inbox(*, actor) -> QuerySet[Alert]:
    """The caller's open alerts, critical findings first, then urgent ones, then late work,
    then due and overdue, oldest first within each (URGENCY): the one that cannot wait is at
    the top of the first page however many routine ones are open. Open: neither acknowledged
    nor resolved (an alert of a follow-up since completed or cancelled is moot, and resolved
    when that happened). A user whose role was taken away keeps no inbox: the alerts name
    patients."""
    roles.require(actor, roles.RECORD_RESULTS, "see an inbox")
    return (
        Alert.objects.filter(
            recipient=actor, acknowledged_at__isnull=True, resolved_at__isnull=True
        )
        .select_related("episode__patient", "follow_up", "visit", "postop_check")
        .annotate(urgency=URGENCY)
        .order_by("urgency", "created_at", "id")
    )


COURSE_ENDING_WORDS = "An anticoagulation course reached its planned end with no decision recorded"


def alert_subject(alert: Alert) -> str:
    """What an alert is about, in words, from what raised it (loaded with the inbox)."""
    if alert.kind == Alert.Kind.STALLED:  # an episode waiting too long: the wait, in words
        wait = (alert.finding or {}).get("text")
        return wait or f"Waiting too long: {alert.get_stall_display() or 'stalled'}"
    if alert.kind == Alert.Kind.COURSE_ENDING:  # the course at its end, in words
        return (alert.finding or {}).get("text") or COURSE_ENDING_WORDS
    # (a relation whose id is None is None, read without a query)
    if (fu := alert.follow_up) is not None:
        return f"{fu.get_kind_display()} due {fu.due_on.isoformat()}"
    if (visit := alert.visit) is not None:
        return f"Unscheduled {visit.get_kind_display()} on {visit.performed_on}"
    if (check := alert.postop_check) is not None:
        at = timezone.localtime(check.at)
        return f"Post-op check at {at:%Y-%m-%d %H:%M}"
    return "Alert"


def villalta_of(record: FollowUp | Visit) -> dict | None:
    """The Villalta score and PTS category of a duplex follow-up or visit. Before 3 months
    after the procedure the score is shown but no PTS category is given (pathway.md section 3)."""
    items = (record.result or {}).get("villalta")
    if not items:
        return None
    procedure_on = (record.result or {}).get("procedure_on")
    assessable = procedure_on is None or villalta.pts_assessable(
        dt.date.fromisoformat(procedure_on),
        record.performed_on,  # type: ignore[arg-type]  # done
    )
    return {
        "score": villalta.villalta_score(items),
        "category": villalta.villalta_category(items) if assessable else None,
        "pts_assessable": assessable,
    }


def vcss_total(record: FollowUp | Visit) -> int | None:
    """The revised VCSS: the sum of its ten attributes, computed on read, never stored."""
    items = (record.result or {}).get("vcss")
    return sum(items.values()) if items else None


def followup_counts(*, today: dt.date) -> dict[str, int]:
    """The open follow-ups by their status on `today`, in one aggregate query: `due_now` (its
    window is open), `overdue` (its window has closed), `due_this_week` (its window is not yet
    open and it is due today to today + 6 days), `later` (the other scheduled ones), and
    `open` = the four added up. The conditions are windows.status_on's, in its order, on the
    stored window dates: scheduled while today < opens_on; due while today <= closes_on;
    overdue after, i.e. from windows.overdue_from(closes_on) = closes_on + 1 day."""
    scheduled = Q(window_opens_on__gt=today)
    week_end = today + dt.timedelta(days=6)
    # Counting due_on (never null), a column of the partial index of open follow-ups: the
    # index answers without reading the table.
    return FollowUp.objects.open().aggregate(
        due_now=Count("due_on", filter=~scheduled & Q(window_closes_on__gte=today)),
        overdue=Count("due_on", filter=~scheduled & Q(window_closes_on__lt=today)),
        due_this_week=Count("due_on", filter=scheduled & Q(due_on__lte=week_end)),
        later=Count("due_on", filter=scheduled & Q(due_on__gt=week_end)),
        open=Count("due_on"),
    )


# An alert whose email reached nobody: its delivery was marked sent for want of an address.
UNEMAILED = Q(delivery__sent_at__isnull=False, delivery__last_error=NO_ADDRESS)


def dashboard_get(*, actor, today: dt.date | None = None) -> dict:
    """What an admin watches: patients per state, open follow-ups by status (followup_counts),
    open alerts by kind and how many of them went to the admins because nobody held the role
    (unrouted) or reached nobody by email (the recipient had no address: marked sent with
    delivery.NO_ADDRESS), and the active users without an address. Five queries whatever the
    numbers."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the dashboard")
    today = today or timezone.localdate()
    # COUNT(state): the index on state answers it alone.
    counts = dict(Episode.objects.values_list("state").annotate(n=Count("state")).order_by())
    follow_ups = followup_counts(today=today)
    open_alerts = Alert.objects.filter(acknowledged_at__isnull=True, resolved_at__isnull=True)
    alerts = {
        kind: (n, unrouted, unemailed)
        for kind, n, unrouted, unemailed in open_alerts.values_list("kind")
        .annotate(
            n=Count("kind"),
            unrouted=Count("kind", filter=Q(unrouted=True)),
            unemailed=Count("kind", filter=UNEMAILED),
        )
        .order_by()
    }
    return {
        "by_state": {state: counts.get(state, 0) for state in State.values},
        "follow_ups": follow_ups,
        "open_alerts": {kind: alerts.get(kind, (0, 0))[0] for kind in Alert.Kind.values},
        "unrouted_alerts": sum(unrouted for _, unrouted, _ in alerts.values()),
        "unemailed_alerts": sum(unemailed for _, _, unemailed in alerts.values()),
        "users_without_email": [
            {"id": u.id, "username": u.username, "full_name": u.get_full_name()}
            for u in users_without_email()
        ],
    }


# The inbox grouped by patient: one card per patient, the patients in the order of their most
# urgent alert (alert_inbox's order), so a critical finding's patient is still first.
PATIENTS_PER_PAGE = 50


@dataclass(frozen=True)
class PatientAlerts:
    patient: Patient
    alerts: list[Alert]


def alert_inbox_by_patient(*, actor, page_number=1) -> tuple[list[PatientAlerts], object]:
    """A page of the caller's open alerts, one group per patient: the patients ordered by their
    most urgent alert, each group's alerts in alert_inbox's order. Two queries for the rows:
    the ids in order (to place each patient), then the page's alerts."""
    ordered = alert_inbox(actor=actor).values_list("id", "episode__patient_id")
    first_seen: dict[int, list[int]] = {}
    for alert_id, patient_id in ordered:
        first_seen.setdefault(patient_id, []).append(alert_id)
    page = Paginator(list(first_seen), PATIENTS_PER_PAGE).get_page(page_number)
    ids = [alert_id for patient_id in page.object_list for alert_id in first_seen[patient_id]]
    loaded = alert_inbox(actor=actor).filter(id__in=ids).in_bulk()
    groups = []
    for patient_id in page.object_list:
        alerts = [loaded[i] for i in first_seen[patient_id] if i in loaded]
        if alerts:
            groups.append(PatientAlerts(alerts[0].episode.patient, alerts))
    return groups, page


def _routed_to(actor) -> Q:
    """The follow-ups whose alerts would reach the actor (alerts.Recipients): a nurse's are
    those of the episodes assigned to her, and of those assigned to no active nurse; a
    coordinator's likewise; an admin sees every one."""
    role = roles.role_of(actor)
    if role not in (roles.NURSE, roles.COORDINATOR):
        return Q()
    field = "episode__assigned_nurse" if role == roles.NURSE else "episode__assigned_coordinator"
    return (
        Q(**{field: actor}) | Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__is_active": False})
    )


def _open_episode() -> Q:
    """An episode still followed: not closed, its patient's death not recorded."""
    deceased = Episode.objects.filter(
        patient_id=OuterRef("episode__patient_id"), state=State.DECEASED
    )
    return ~Q(episode__state__in=TERMINAL) & ~Q(Exists(deceased))


def followups_owed_to(*, actor, today: dt.date, until: dt.date) -> list[FollowUp]:
    """The open follow-ups the actor is looking after (_routed_to), due by `until` or with
    their window open on `today`, overdue ones included, earliest first: what the nurse's list
    and her calendar feed show. An acknowledged alert changes nothing here: the follow-up is
    still owed."""
    roles.require(actor, roles.RECORD_RESULTS, "see follow-ups owed")
    rows = (
        FollowUp.objects.open()
        .filter(_routed_to(actor), _open_episode())
        .filter(Q(due_on__lte=until) | Q(window_opens_on__lte=today))
        .select_related("episode__patient")
        .order_by("due_on", "id")
    )
    return list(rows)


@dataclass(frozen=True)
class PatientFollowUps:
    patient: Patient
    episode: Episode
    follow_ups: list[FollowUp]


def _by_patient(follow_ups: list[FollowUp]) -> list[PatientFollowUps]:
    groups: dict[int, PatientFollowUps] = {}
    for fu in follow_ups:
        group = groups.setdefault(
            fu.episode_id, PatientFollowUps(fu.episode.patient, fu.episode, [])
        )
        group.follow_ups.append(fu)
    return list(groups.values())


def followups_mine(*, actor, today: dt.date | None = None) -> dict:
    """The nurse's follow-ups, read only: `overdue` (the window has closed) and `this_week`
    (its window open now, or due by today + 6 days), each grouped by patient (their earliest
    first)."""
    today = today or timezone.localdate()
    rows = followups_owed_to(actor=actor, today=today, until=today + dt.timedelta(days=6))
    overdue = [fu for fu in rows if fu.window_closes_on < today]
    this_week = [fu for fu in rows if fu.window_closes_on >= today]
    return {
        "today": today,
        "week_end": today + dt.timedelta(days=6),
        "overdue": _by_patient(overdue),
        "this_week": _by_patient(this_week),
        "counts": {"overdue": len(overdue), "this_week": len(this_week)},
    }


# The unit's clinics and the follow-ups each sees.
CLINICS = {"duplex": Kind.DUPLEX, "inr": Kind.INR_CHECK}


def clinic_list(*, actor, clinic: str, day: dt.date) -> list[FollowUp]:
    """A clinic's list for a day (the duplex lab, the INR clinic): every follow-up of its kind
    due that day and not cancelled, the unit's whole list (not one nurse's), by patient."""
    roles.require(actor, roles.RECORD_RESULTS, "see clinic lists")
    if clinic not in CLINICS:
        raise NotFound("No such clinic.")
    rows = (
        FollowUp.objects.filter(kind=CLINICS[clinic], due_on=day, cancelled_at__isnull=True)
        .select_related("episode__patient")
        .order_by("episode__patient__family_name", "episode__patient__given_name", "id")
    )
    return list(rows)


# How far ahead the calendar feed lists follow-ups (the overdue ones are listed too).
FEED_WEEKS = 8


def calendar_feed_follow_ups(*, secret: str, today: dt.date | None = None):
    """The user whose feed `secret` opens and the follow-ups it lists (followups_owed_to, up
    to FEED_WEEKS ahead), or None for a secret revoked, replaced or never made, or a user who
    may no longer sign in or see an inbox."""
    from tasks.services.feeds import feed_digest  # the digest is the services' to define

    feed = CalendarFeed.objects.select_related("user").filter(digest=feed_digest(secret)).first()
    if feed is None or not feed.user.is_active or not feed.user.has_perm(roles.RECORD_RESULTS):
        return None
    today = today or timezone.localdate()
    until = today + dt.timedelta(weeks=FEED_WEEKS)
    return feed.user, followups_owed_to(actor=feed.user, today=today, until=until)


def alert_acknowledged_by(*, actor, alert_id: int) -> Alert | None:
    """The actor's alert if she acknowledged it and may still undo it (the inbox's answer in
    words after an acknowledgement), else None."""
    since = timezone.now() - dt.timedelta(minutes=UNDO_MINUTES)
    return (
        Alert.objects.select_related("episode__patient", "follow_up", "visit", "postop_check")
        .filter(id=alert_id, recipient=actor, acknowledged_at__gte=since)
        .first()
    )


def calendar_feed_exists(*, actor) -> bool:
    """Whether the actor has a feed address that answers (its secret is never shown again)."""
    return CalendarFeed.objects.filter(user=actor).exists()
