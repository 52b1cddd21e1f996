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
    """The caller's open alerts, newest first; those of follow-ups cancelled since (the patient
    left surveillance) are moot and drop out. Alerts of a visit or a post-op check have no
    follow-up: the filter is a LEFT JOIN, so they stay."""
    return (
        Alert.objects.filter(
            recipient=actor, acknowledged_at__isnull=True, follow_up__cancelled_at__isnull=True
        )
        .select_related("episode__patient", "follow_up")
        .order_by("-created_at", "-id")
    )


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


def dashboard_get(*, actor, today: dt.date | None = None) -> dict:
    """What an admin watches: patients per state, follow-ups due this week (today and the next
    6 days) and overdue, open alerts by kind. Four queries whatever the numbers."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the dashboard")
    today = today or timezone.localdate()
    counts = dict(Episode.objects.values_list("state").annotate(n=Count("id")).order_by())
    follow_ups = FollowUp.objects.open().aggregate(
        due_this_week=Count("id", filter=Q(due_on__gte=today, due_on__lte=today + dt.timedelta(6))),
        overdue=Count("id", filter=Q(window_closes_on__lt=today)),  # windows.overdue_from
    )
    alerts = dict(
        Alert.objects.filter(acknowledged_at__isnull=True, follow_up__cancelled_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "by_state": {state: counts.get(state, 0) for state in State.values},
        "follow_ups": follow_ups,
        "open_alerts": {kind: alerts.get(kind, 0) for kind in Alert.Kind.values},
    }
