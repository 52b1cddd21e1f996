from django.db.models import QuerySet

from core import roles
from core.errors import NotFound
from pathway.selectors import episode_get
from tasks.models import Alert, FollowUp


def followup_list(*, actor, episode_id: int) -> list[FollowUp]:
    episode = episode_get(actor=actor, episode_id=episode_id)
    return list(FollowUp.objects.filter(episode=episode).order_by("due_on", "id"))


def followup_get(*, actor, follow_up_id: int) -> FollowUp:
    roles.require(actor, roles.VIEW_EPISODES, "see follow-ups")
    follow_up = FollowUp.objects.filter(id=follow_up_id).first()
    if follow_up is None:
        raise NotFound("No such follow-up.")
    return follow_up


def alert_inbox(*, actor) -> QuerySet[Alert]:
    """The caller's open alerts, newest first."""
    return Alert.objects.filter(recipient=actor, acknowledged_at__isnull=True).order_by(
        "-created_at", "-id"
    )
