"""FHIR Bulk Data export: kick-off (a job row, the Celery job enqueued after commit), the job
itself (one ndjson file per resource type, written in batches of episodes so memory stays
bounded whatever the cohort), cancellation, and the sweep (expired files, stalled jobs).

A Group is a pathway state (`Group/surveillance`, `Group/post-op`, ...): the episodes in it now
and their patients. Admins only: an export is every patient's record at once."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound
from fhir.models import ExportJob
from fhir.selectors.exports import export_dir, require_admin
from fhir.selectors.load import episodes_load
from fhir.selectors.patients import patients_resources, with_death
from fhir.selectors.resources import EPISODE_TYPES, episode_resources
from pathway.codes import State
from pathway.models import Episode
from patients.models import Patient
from tasks.models import UnitSettings

log = logging.getLogger(__name__)
EXPORT_TYPES = ("Patient", *EPISODE_TYPES)
BATCH = 200  # episodes (or patients) read, built and written at a time
CLAIM = dt.timedelta(minutes=30)  # a job not heard from for this long may be run again
STALLED_AFTER = dt.timedelta(minutes=10)  # a queued job no worker took
NDJSON = ("application/fhir+ndjson", "application/ndjson", "ndjson")
GROUPS = {state.replace("_", "-"): state for state in State.values}


def export_kick_off(
    *, actor, group: str | None, types: str | None, output_format: str | None, request_url: str
) -> ExportJob:
    """A new export job, queued; its Celery job is enqueued once the row is committed."""
    require_admin(actor)
    if group is not None and group not in GROUPS:
        raise NotFound(f"No such Group. Groups are pathway states: {', '.join(GROUPS)}.")
    if output_format is not None and output_format not in NDJSON:
        raise InvalidInput({"_outputFormat": "Only application/fhir+ndjson is written."})
    wanted = list(EXPORT_TYPES)
    if types:
        wanted = [t.strip() for t in types.split(",") if t.strip()]
        if unknown := [t for t in wanted if t not in EXPORT_TYPES]:
            raise InvalidInput(
                {
                    "_type": f"Not exported: {', '.join(t[:40] for t in unknown)}. "
                    f"Exported: {', '.join(EXPORT_TYPES)}."
                }
            )
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor, group=group or "", types=wanted, request_url=request_url[:500]
        )
        transaction.on_commit(lambda: _enqueue(str(job.id)))
    return job


# How a job is sent to Celery: fhir/jobs.py's task, set by FhirConfig.ready() (jobs.py calls
# this module, so this module names no job).
enqueue: Callable[[str], object] | None = None


def _enqueue(job_id: str) -> None:
    if enqueue is None:
        raise RuntimeError("The FHIR app is not ready: no export job to enqueue.")
    enqueue(job_id)


def _claim(job_id) -> ExportJob | None:
    """The job, claimed for this run; None when it is done, cancelled or being run."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(id=job_id).first()
        if job is None or job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
            return None
        if job.status == ExportJob.Status.RUNNING and job.claimed_until and job.claimed_until > now:
            return None
        job.status, job.claimed_until, job.done_episodes = ExportJob.Status.RUNNING, now + CLAIM, 0
        job.save(update_fields=["status", "claimed_until", "done_episodes"])
    return job


def _ids_in_batches(queryset):
    """The ids of `queryset`, BATCH at a time, by keyset (never an OFFSET over the table)."""
    last = 0
    while True:
        batch = list(
            queryset.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


class _Files:
    """One ndjson file per type, opened as the first resource of the type comes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.open: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def write(self, resource: dict) -> None:
        kind = resource["resourceType"]
        if kind not in self.open:
            self.open[kind] = (self.folder / f"{kind}.ndjson").open("w", encoding="utf-8")
            self.counts[kind] = 0
        self.open[kind].write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False))
        self.open[kind].write("\n")
        self.counts[kind] += 1

    def close(self) -> None:
        for handle in self.open.values():
            handle.close()


def export_run(*, job_id) -> bool:
    """Write the job's files; True when it completed now. Run again after a crash (its claim
    lapsed), it starts over in a fresh folder: a job is idempotent."""
    job = _claim(job_id)
    if job is None:
        return False
    episodes = Episode.objects.all()
    if job.group:
        episodes = episodes.filter(state=GROUPS[job.group])
    patients = (
        Patient.objects.filter(episodes__in=episodes).distinct()
        if job.group
        else Patient.objects.all()
    )
    episode_types = [t for t in job.types if t != "Patient"]
    total = episodes.count() if episode_types else 0
    ExportJob.objects.filter(id=job.id).update(total_episodes=total)
    partial = export_dir(job.id).with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files = _Files(partial)
    try:
        if "Patient" in job.types:
            for batch in _ids_in_batches(Patient.objects.filter(id__in=patients.values("id"))):
                for resource in patients_resources(
                    with_death(Patient.objects.filter(id__in=batch).order_by("id"))
                ):
                    files.write(resource)
        if episode_types:
            for batch in _ids_in_batches(episodes):
                for data in episodes_load(batch).values():
                    for resources in episode_resources(data, episode_types).values():
                        for resource in resources:
                            files.write(resource)
                ExportJob.objects.filter(id=job.id, status=ExportJob.Status.RUNNING).update(
                    done_episodes=F("done_episodes") + len(batch),
                    claimed_until=timezone.now() + CLAIM,
                )
                if not ExportJob.objects.filter(
                    id=job.id, status=ExportJob.Status.RUNNING
                ).exists():
                    return False  # cancelled meanwhile
    except Exception as error:
        files.close()
        shutil.rmtree(partial, ignore_errors=True)
        ExportJob.objects.filter(id=job.id).update(
            status=ExportJob.Status.FAILED, error=type(error).__name__[:200]
        )
        # The class only: an exception's message may quote a row's values.
        log.warning("Bulk export %s failed: %s", job.id, type(error).__name__)
        return False
    files.close()
    final = export_dir(job.id)
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    now = timezone.now()
    hours = UnitSettings.current().bulk_export_expiry_hours
    output = [
        {"type": t, "file": f"{t}.ndjson", "count": files.counts[t]}
        for t in job.types
        if t in files.counts
    ]
    done = ExportJob.objects.filter(id=job.id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.COMPLETED,
        completed_at=now,
        output=output,
        claimed_until=None,
        expires_at=now + dt.timedelta(hours=hours),
        done_episodes=total,
    )
    if not done:  # cancelled while the last batch was written
        shutil.rmtree(final, ignore_errors=True)
    return bool(done)


def export_cancel(*, actor, job_id) -> None:
    """DELETE on the status URL: the job stops and its files are deleted."""
    require_admin(actor)
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(id=job_id, requested_by=actor).first()
        if job is None:
            raise NotFound("No such export.")
        if job.status in (ExportJob.Status.CANCELLED, ExportJob.Status.EXPIRED):
            raise Conflict(f"This export is already {job.status}.")
        job.status, job.expires_at = ExportJob.Status.CANCELLED, None
        job.save(update_fields=["status", "expires_at"])
    transaction.on_commit(lambda: shutil.rmtree(export_dir(job_id), ignore_errors=True))


def exports_stalled(*, now: dt.datetime | None = None) -> list[str]:
    """The ids of the jobs to enqueue again: queued for longer than a claim (the enqueue after
    commit was lost, the broker down) or running with a lapsed claim (the worker died)."""
    now = now or timezone.now()
    stalled = ExportJob.objects.filter(
        Q(status=ExportJob.Status.QUEUED, created_at__lt=now - STALLED_AFTER)
        | Q(status=ExportJob.Status.RUNNING, claimed_until__lt=now)
    )
    return [str(job_id) for job_id in stalled.values_list("id", flat=True)]


def exports_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the files of every export past its expiry; the rows stay, as the audit of who
    exported what and when. How many were purged."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(expires_at__lte=now).values_list("id", flat=True))
    for job_id in expired:
        shutil.rmtree(export_dir(job_id), ignore_errors=True)
    ExportJob.objects.filter(id__in=expired).update(
        status=ExportJob.Status.EXPIRED, expires_at=None, output=[]
    )
    return len(expired)
