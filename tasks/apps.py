from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Follow-ups and alerts"

    def ready(self):
        """Subscribe to the pathway: moves (discharge schedules, exits cancel, corrections
        undo) and record writes (the schedule follows corrected facts; alarming checks
        alert). The outcome rows are the outcomes app's (OutcomesConfig.ready()). And what the
        pathway reads of this app's rows, each fact by its reader (tasks/readers.py)."""
        from pathway import hooks
        from tasks import jobs, readers
        from tasks.services import alerts
        from tasks.services.consequences import followups_after_record_change
        from tasks.services.schedule import followups_after_move

        hooks.on_move(followups_after_move)
        hooks.on_record_change(followups_after_record_change)
        readers.register()
        # The services send deliveries through the job, looked up when sent (a test may
        # stand in for it), so they import no Celery entry point.
        alerts.send_delivery = lambda delivery_id: jobs.deliver_alert.delay(delivery_id)
