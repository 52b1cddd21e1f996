"""How long after a follow-up's window closes the coordinator is told (pathway.md sections 4 and
6): each kind's own delay (`ScheduleRule.escalation_days`: a missed INR check after 3 days),
else the unit's (`UnitSettings.escalation_days`, 14). Every user of the delay reads it here: the
sweep's stages, the re-dating of overdue follow-ups when a setting changes, corrections."""

from __future__ import annotations

from django.db.models import F

from tasks import windows
from tasks.models import FollowUp, Kind, ScheduleRule, UnitSettings


def escalation_days_by_kind(*, unit: UnitSettings | None = None) -> dict[str, int]:
    """Each kind of follow-up and its escalation delay: one query (two without `unit`)."""
    unit = unit or UnitSettings.current()
    days = dict.fromkeys(Kind.values, unit.escalation_days)
    rules = ScheduleRule.objects.filter(escalation_days__isnull=False)
    days.update(
        (kind, delay)
        for kind, delay in rules.values_list("kind", "escalation_days")
        if delay is not None  # the filter's promise, told to the type checker
    )
    return days


def overdue_escalations_redate(*, days: dict[str, int]) -> int:
    """Follow-ups already overdue (their escalation owed next) move their escalation date to
    the delay of their kind now in force: a shorter delay is heard sooner. One UPDATE a kind."""
    overdue = FollowUp.objects.open().filter(alert_stage=windows.OVERDUE_STAGE)
    return sum(
        overdue.filter(kind=kind).update(
            # an F expression: the same arithmetic, done in SQL
            next_alert_on=windows.escalation_from(F("window_closes_on"), delay)  # type: ignore[arg-type]
        )
        for kind, delay in days.items()
    )
