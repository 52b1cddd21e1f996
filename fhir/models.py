"""A bulk export (FHIR Bulk Data): the job row is the audit of who exported what and when, and
the state the status URL answers from; its files live on disk until they expire."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"
        EXPIRED = "expired"  # its files were deleted by the purge

    # Unguessable: its status URL is handed to the client (and signed-in admins only may use it).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # "" for the whole system; else the Group exported (a pathway state, fhir/services/exports.py)
    group = models.CharField(max_length=24, blank=True)
    types = models.JSONField(default=list)
    request_url = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)  # the manifest's transactionTime
    claimed_until = models.DateTimeField(null=True, blank=True)
    total_episodes = models.PositiveIntegerField(default=0)
    done_episodes = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    output = models.JSONField(default=list)  # [{"type", "file", "count"}]
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="exportjob_expiry_idx",
                condition=models.Q(expires_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"export {self.id}"
