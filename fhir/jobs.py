"""Celery entry points of the FHIR facade: thin, ids only, idempotent, acknowledged late."""

from celery import shared_task

from fhir.services.exports import export_run, exports_purge_expired, exports_stalled


@shared_task(acks_late=True, ignore_result=True)
def run_bulk_export(job_id: str) -> bool:
    """Write a bulk export's files (a job already done, cancelled or running elsewhere: no-op)."""
    return export_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_bulk_exports() -> int:
    """Every 10 minutes (beat): delete the files of exports past the unit's expiry, and enqueue
    again the jobs a lost message or a dead worker left behind. How many it touched."""
    stalled = exports_stalled()
    for job_id in stalled:
        run_bulk_export.delay(job_id)
    return exports_purge_expired() + len(stalled)
