"""Celery entry points of the FHIR facade: thin, ids only, idempotent, acknowledged late."""

from celery import shared_task

from fhir.services.exports import export_run, exports_purge_expired


@shared_task(acks_late=True, ignore_result=True)
def run_bulk_export(job_id: str) -> bool:
    """Write a bulk export's files (a job already done, cancelled or running elsewhere: no-op)."""
    return export_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def purge_bulk_exports() -> int:
    """Hourly (beat): delete the files of exports past the unit's expiry."""
    return exports_purge_expired()
