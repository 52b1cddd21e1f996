from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Follow-ups and alerts"

    def ready(self):
        """Subscribe to the pathway: moves (discharge schedules, exits cancel, corrections
        undo) and record writes (the schedule follows corrected facts; alarming checks alert);
        both keep the episode's outcome facts in line, and after `migrate` the rows still
        missing are reduced (tasks 0008 creates the table empty). And what the pathway reads of
        this app's rows, each fact by its reader (tasks/readers.py)."""
        from django.db.models.signals import post_migrate

        from pathway import hooks
        from tasks import readers
        from tasks.services.consequences import followups_after_record_change
        from tasks.services.outcomes import (
            outcomes_after_migrate,
            outcomes_after_move,
            outcomes_after_record_change,
        )
        from tasks.services.schedule import followups_after_move

        hooks.on_move(followups_after_move)
        hooks.on_record_change(followups_after_record_change)
        # After the schedule's handlers: outcomes read the follow-ups as they left them.
        hooks.on_move(outcomes_after_move)
        hooks.on_record_change(outcomes_after_record_change)
        post_migrate.connect(outcomes_after_migrate, sender=self)
        readers.register()
