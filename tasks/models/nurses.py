"""What a nurse's day adds to the alerts: who acknowledged an alert or took it back (append-
only), and the secret of her clinic-list calendar feed (stored as a digest only)."""

from django.conf import settings
from django.db import models

# How long an acknowledgement can be taken back by whoever made it (the inbox's Undo).
UNDO_MINUTES = 10


class AlertAcknowledgement(models.Model):
    """One row per acknowledgement of an alert and per undo of one: who, when, which. The
    alert keeps only its current state; this keeps how it got there."""

    class Action(models.TextChoices):
        ACKNOWLEDGED = "acknowledged"
        UNDONE = "undone"

    alert = models.ForeignKey("tasks.Alert", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["alert", "at"], name="alert_ack_alert_at")]

    def __str__(self) -> str:
        return f"{self.action} alert {self.alert_id}"


class CalendarFeed(models.Model):
    """A user's clinic-list feed: the SHA-256 of the random secret in its URL (the secret is
    shown once, when made). One per user; revoking deletes it, a new one replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
