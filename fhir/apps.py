from django.apps import AppConfig


class FhirConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fhir"
    verbose_name = "FHIR R4"

    def ready(self) -> None:
        """Hand the export service its Celery job (looked up when sent, so a test may stand
        in for it), so the service names no module above it."""
        from fhir import jobs
        from fhir.services import exports

        exports.enqueue = lambda job_id: jobs.run_bulk_export.delay(job_id)
