from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Follow-ups and alerts"

    def ready(self):
        """Subscribe to the pathway's moves: discharge schedules, exits cancel, corrections undo."""
        from pathway import hooks
        from tasks.services.schedule import followups_after_move

        hooks.on_move(followups_after_move)
