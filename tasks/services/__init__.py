"""Writes on follow-ups and alerts, one keyword-only `<entity>_<action>` function each, split by
concern and re-exported here:

- schedule.py: the schedule a discharge makes, cancelled on exit, undone on correction, and
  kept in line with the facts it was built from;
- alerts.py: who gets an alert, inserting alerts once, acknowledging them;
- sweep.py: the periodic sweep that raises owed alerts, and the unit's settings;
- results.py: recording follow-up results;
- delivery.py: emails, one per urgent alert and a daily digest, each sent once.
"""

from tasks.services.alerts import RECORD_RESULTS, alert_acknowledge
from tasks.services.delivery import (
    MAX_ATTEMPTS,
    REQUEUE_AFTER,
    deliveries_requeue_stale,
    delivery_send,
    digest_send,
    digests_send,
)
from tasks.services.results import followup_record_result
from tasks.services.schedule import (
    followups_after_move,
    followups_cancel_open,
    followups_schedule,
    followups_undo,
)
from tasks.services.sweep import SweepResult, followups_sweep, unit_settings_save

__all__ = [
    "MAX_ATTEMPTS",
    "RECORD_RESULTS",
    "REQUEUE_AFTER",
    "SweepResult",
    "alert_acknowledge",
    "deliveries_requeue_stale",
    "delivery_send",
    "digest_send",
    "digests_send",
    "followup_record_result",
    "followups_after_move",
    "followups_cancel_open",
    "followups_schedule",
    "followups_undo",
    "followups_sweep",
    "unit_settings_save",
]
