"""Celery entry points: thin, taking ids only, idempotent, acknowledged late."""

from celery import shared_task

from tasks import services
from tasks.services import topup


@shared_task(acks_late=True, ignore_result=True)
def sweep_followups() -> int:
    """Every minute (beat): follow-up alerts owed, unseen urgent results, stalled episodes,
    courses at their end undecided."""
    result = services.followups_sweep()
    return result.alerts + result.stalled + result.course_endings


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS,
)
def deliver_alert(delivery_id: int) -> bool:
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def send_digests() -> int:
    return services.digests_send()


@shared_task(acks_late=True, ignore_result=True)
def top_up_followups() -> int:
    """Daily (beat): keep repeating follow-ups coming while episodes are in surveillance."""
    return topup.followups_top_up()
