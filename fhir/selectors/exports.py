"""A bulk export as its requester sees it: its status (progress, or the manifest) and its
files. Another admin's export is not found: its status URL was handed to its requester."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from core import roles
from core.errors import DomainError, Forbidden, NotFound
from fhir.models import ExportJob


def require_admin(actor) -> None:
    if roles.role_of(actor) != roles.ADMIN:
        raise Forbidden("Your role may not export the unit's data (admins only).")


def export_dir(job_id) -> Path:
    """Where a job's files are written (FHIR_EXPORT_DIR/<job id>)."""
    return Path(settings.FHIR_EXPORT_DIR) / str(job_id)


class Gone(DomainError):
    status = 410


def export_get(*, actor, job_id) -> ExportJob:
    require_admin(actor)
    job = ExportJob.objects.filter(id=job_id, requested_by=actor).first()
    if job is None:
        raise NotFound("No such export.")
    if job.status in (ExportJob.Status.EXPIRED, ExportJob.Status.CANCELLED) or (
        job.expires_at is not None and job.expires_at <= timezone.now()
    ):
        raise Gone(f"This export's files were deleted ({job.status}); kick off a new one.")
    return job


def export_manifest(job: ExportJob, *, base: str) -> dict:
    """The Bulk Data manifest of a completed export."""
    return {
        "transactionTime": job.created_at.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": o["type"],
                "url": f"{base}/$export-file/{job.id}/{o['file']}",
                "count": o["count"],
            }
            for o in job.output
        ],
        "error": [],
    }


def export_file(*, actor, job_id, name: str) -> Path:
    job = export_get(actor=actor, job_id=job_id)
    if job.status != ExportJob.Status.COMPLETED or name not in {o["file"] for o in job.output}:
        raise NotFound("No such file in this export.")
    return export_dir(job.id) / name
