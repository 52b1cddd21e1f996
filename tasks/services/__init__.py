"""Writes on follow-ups and alerts, one keyword-only `<entity>_<action>` function each, split by
concern and re-exported here:

- schedule.py: the schedule a discharge makes, cancelled on exit, undone on correction, and
  kept in line with the facts it was built from;
- alerts.py: who gets an alert, inserting alerts once, acknowledging them (and undoing it);
- feeds.py: the secret of a user's clinic-list calendar feed;
- sweep.py: the periodic sweep that raises owed alerts, and the unit's settings;
- stalled.py: alerts for episodes waiting too long (run by the sweep);
- course_end.py: alerts for finite anticoagulation courses at their end undecided (the sweep);
- escalation.py: the escalation delay of each kind of follow-up;
- consequences.py: what a written pathway record changes (the schedule, urgent alerts);
- results.py: recording follow-up results and unscheduled visits (result_rules.py: the rules
  they meet; results_bulk.py: many results at once, by the same rules);
- delivery.py: emails, one per urgent alert and a daily digest, each sent once.
"""

from tasks.services.alerts import UNDO_MINUTES, alert_acknowledge, alert_unacknowledge
from tasks.services.consequences import followups_after_record_change, postop_check_alert
from tasks.services.course_end import course_endings_alert
from tasks.services.delivery import (
    MAX_ATTEMPTS,
    REQUEUE_AFTER,
    deliveries_requeue_stale,
    delivery_send,
    digest_send,
    digests_send,
)
from tasks.services.feeds import calendar_feed_create, calendar_feed_revoke
from tasks.services.results import CEAP_CLASSES, VCSS_ITEMS, followup_record_result, visit_record
from tasks.services.results_bulk import followup_results_record_bulk
from tasks.services.schedule import (
    desired_schedule,
    followups_after_move,
    followups_cancel_open,
    followups_follow_courses,
    followups_follow_procedure_date,
    followups_schedule,
    followups_undo,
)
from tasks.services.stalled import stalled_episodes_alert
from tasks.services.sweep import (
    SweepResult,
    followups_sweep,
    schedule_rule_save,
    unit_settings_save,
)
from tasks.services.topup import followups_top_up

__all__ = [
    "CEAP_CLASSES",
    "MAX_ATTEMPTS",
    "REQUEUE_AFTER",
    "SweepResult",
    "VCSS_ITEMS",
    "UNDO_MINUTES",
    "alert_acknowledge",
    "alert_unacknowledge",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "course_endings_alert",
    "deliveries_requeue_stale",
    "desired_schedule",
    "delivery_send",
    "digest_send",
    "digests_send",
    "followup_record_result",
    "followup_results_record_bulk",
    "followups_after_move",
    "followups_after_record_change",
    "followups_cancel_open",
    "followups_follow_courses",
    "followups_follow_procedure_date",
    "followups_schedule",
    "followups_sweep",
    "followups_top_up",
    "followups_undo",
    "postop_check_alert",
    "schedule_rule_save",
    "stalled_episodes_alert",
    "unit_settings_save",
    "visit_record",
]
