from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self):
        """Keep each episode's outcome row and its counts in the figures in line with its
        facts without pathway or tasks importing this app: a move (every one for the stays; a
        re-intervention or a correction for the row too, pathway's after-move hook), a procedure
        note, discharge plan or complication (after-record hook), a duplex or INR result
        (tasks' after-results hook); and after `migrate`, reduce the rows still missing (tasks
        0008 created the table empty)."""
        from django.db.models.signals import post_migrate

        from outcomes.services import (
            outcomes_after_migrate,
            outcomes_after_move,
            outcomes_after_record_change,
            outcomes_after_results,
        )
        from pathway import hooks
        from tasks import hooks as tasks_hooks

        # Registered after tasks' own handlers (this app comes after it in INSTALLED_APPS):
        # outcomes read the follow-ups as the schedule's handlers left them.
        hooks.on_move(outcomes_after_move)
        hooks.on_record_change(outcomes_after_record_change)
        tasks_hooks.on_results(outcomes_after_results)
        post_migrate.connect(outcomes_after_migrate, sender=self)
