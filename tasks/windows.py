"""Window, due/overdue and escalation arithmetic (pathway.md section 4), once, as pure
functions of dates. The model derives a follow-up's status from them, the sweep its alert
stages, the unit settings the escalation date, the dashboard its counts. No database here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.dates import add_days

SCHEDULED, DUE, OVERDUE, COMPLETED, CANCELLED = (
    "scheduled",
    "due",
    "overdue",
    "completed",
    "cancelled",
)

# Alert stages a follow-up passes through; the sweep stores the last one raised.
NONE, DUE_STAGE, OVERDUE_STAGE, ESCALATION_STAGE = 0, 1, 2, 3
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    opens_on: dt.date
    closes_on: dt.date


def window(due_on: dt.date, days: int) -> Window:
    """Due date +/- `days`, bounds included (OutOfCalendar past the calendar's ends)."""
    return Window(add_days(due_on, -days), add_days(due_on, days))


def status_on(
    today: dt.date,
    opens_on: dt.date,
    closes_on: dt.date,
    *,
    completed: bool = False,
    cancelled: bool = False,
) -> str:
    if completed:
        return COMPLETED
    if cancelled:
        return CANCELLED
    if today < opens_on:
        return SCHEDULED
    if today <= closes_on:
        return DUE
    return OVERDUE


def overdue_from(closes_on: dt.date) -> dt.date:
    """The first day a follow-up is overdue."""
    return closes_on + ONE_DAY


def escalation_from(closes_on: dt.date, escalation_days: int) -> dt.date:
    """The day the coordinator is told of a follow-up still open after its window closed."""
    return closes_on + dt.timedelta(days=1 + escalation_days)


def stage_on(today: dt.date, opens_on: dt.date, closes_on: dt.date, escalation_days: int) -> int:
    """The alert stage a follow-up has reached on `today`."""
    if today >= escalation_from(closes_on, escalation_days):
        return ESCALATION_STAGE
    if today >= overdue_from(closes_on):
        return OVERDUE_STAGE
    if today >= opens_on:
        return DUE_STAGE
    return NONE


def next_alert_on(
    opens_on: dt.date, closes_on: dt.date, stage: int, escalation_days: int
) -> dt.date | None:
    """When the alert after `stage` becomes owed; None once the coordinator was alerted."""
    return {
        NONE: opens_on,
        DUE_STAGE: overdue_from(closes_on),
        OVERDUE_STAGE: escalation_from(closes_on, escalation_days),
    }.get(stage)


def stages_to_raise(old: int, new: int) -> list[int]:
    """Alerts owed moving from stage `old` to `new`. A 'due' the sweep missed while the
    follow-up became overdue is not sent late: the overdue alert says more."""
    return [s for s in range(old + 1, new + 1) if not (s == DUE_STAGE and new > DUE_STAGE)]
