import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core import roles
from core.errors import NotFound
from pathway import outcomes
from pathway.codes import State
from pathway.models import Episode
from pathway.selectors import episode_get
from tasks.models import Alert, FollowUp, Visit


def followup_list(*, actor, episode_id: int) -> list[FollowUp]:
    episode = episode_get(actor=actor, episode_id=episode_id)
    rows = FollowUp.objects.filter(episode=episode).prefetch_related("segments")
    return list(rows.order_by("due_on", "id"))


def followup_get(*, actor, follow_up_id: int) -> FollowUp:
    roles.require(actor, roles.VIEW_EPISODES, "see follow-ups")
    follow_up = FollowUp.objects.filter(id=follow_up_id).first()
    if follow_up is None:
        raise NotFound("No such follow-up.")
    return follow_up


def visit_list(*, actor, episode_id: int) -> list[Visit]:
    """An episode's unscheduled visits, oldest first, with their segment results."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    rows = Visit.objects.filter(episode=episode).prefetch_related("segments")
    return list(rows.order_by("performed_on", "id"))


def alert_inbox(*, actor) -> QuerySet[Alert]:
    """The caller's open alerts, newest first: neither acknowledged nor resolved (an alert of
    a follow-up since completed or cancelled is moot, and resolved when that happened). A user
    whose role was taken away keeps no inbox: the alerts name patients."""
    roles.require(actor, roles.RECORD_RESULTS, "see an inbox")
    return (
        Alert.objects.filter(
            recipient=actor, acknowledged_at__isnull=True, resolved_at__isnull=True
        )
        .select_related("episode__patient", "follow_up", "visit", "postop_check")
        .order_by("-created_at", "-id")
    )


def alert_subject(alert: Alert) -> str:
    """What an alert is about, in words, from what raised it (loaded with the inbox)."""
    if alert.kind == Alert.Kind.STALLED:  # an episode waiting too long: the wait, in words
        return (alert.finding or {}).get("text") or f"Episode {alert.get_stall_display()}"
    if alert.follow_up_id:
        fu = alert.follow_up
        return f"{fu.get_kind_display()} due {fu.due_on.isoformat()}"
    if alert.visit_id:
        visit = alert.visit
        return f"Unscheduled {visit.get_kind_display()} on {visit.performed_on.isoformat()}"
    if alert.postop_check_id:
        at = timezone.localtime(alert.postop_check.at)
        return f"Post-op check at {at:%Y-%m-%d %H:%M}"
    return "Alert"


def villalta_of(record: FollowUp | Visit) -> dict | None:
    """The Villalta score and PTS category of a duplex follow-up or visit. Before 3 months
    after the procedure the score is shown but no PTS category is given (pathway.md section 3)."""
    items = (record.result or {}).get("villalta")
    if not items:
        return None
    procedure_on = (record.result or {}).get("procedure_on")
    assessable = procedure_on is None or outcomes.pts_assessable(
        dt.date.fromisoformat(procedure_on), record.performed_on
    )
    return {
        "score": outcomes.villalta_score(items),
        "category": outcomes.villalta_category(items) if assessable else None,
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


def dashboard_get(*, actor, today: dt.date | None = None) -> dict:
    """What an admin watches: patients per state, open follow-ups by status (followup_counts),
    open alerts by kind and how many of them went to the admins because nobody held the role
    (unrouted). Four queries whatever the numbers."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the dashboard")
    today = today or timezone.localdate()
    # COUNT(state): the index on state answers it alone.
    counts = dict(Episode.objects.values_list("state").annotate(n=Count("state")).order_by())
    follow_ups = followup_counts(today=today)
    open_alerts = Alert.objects.filter(acknowledged_at__isnull=True, resolved_at__isnull=True)
    alerts = {
        kind: (n, unrouted)
        for kind, n, unrouted in open_alerts.values_list("kind")
        .annotate(n=Count("kind"), unrouted=Count("kind", filter=Q(unrouted=True)))
        .order_by()
    }
    return {
        "by_state": {state: counts.get(state, 0) for state in State.values},
        "follow_ups": follow_ups,
        "open_alerts": {kind: alerts.get(kind, (0, 0))[0] for kind in Alert.Kind.values},
        "unrouted_alerts": sum(unrouted for _, unrouted in alerts.values()),
    }
