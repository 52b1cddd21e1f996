"""Record revisions: django-simple-history keeps every write of a record as a row of its
historical table, with the actor, the time and the reason, in the writer's transaction.

A record that has parts in other tables (a procedure note's stents, a duplex result's segments)
names them in `revision_parts` before it is saved, and they are kept in the same row, so one
revision shows the whole record as it was.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record, pre_create_historical_record
from simple_history.utils import get_change_reason_from_object

HISTORY_FIELDS = (
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
    "parts",
)


class WithParts(models.Model):
    """Base of a historical table whose record has parts kept beside it."""

    parts = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True


def revisions(*, parts: bool = False, **kwargs) -> HistoricalRecords:
    """The history of a record: reasons as text of any length; parts when it has them."""
    return HistoricalRecords(
        history_change_reason_field=models.TextField(null=True),
        bases=[WithParts] if parts else [models.Model],
        **kwargs,
    )


def mark(record, *, actor, reason: str = "", parts=None) -> None:
    """Say who writes `record` and why, before it is saved."""
    record._history_user = actor
    record._change_reason = reason or ""
    if parts is not None:
        record.revision_parts = parts


def revisions_write_bulk(records: list, *, history_type: str = "~") -> list:
    """The revision rows that `mark` and a save write one at a time (simple_history's
    post_save), for records written together by bulk_update, which sends no signals: the same
    fields, actor, reason and parts (the same pre/post signals), in one INSERT."""
    if not records:
        return []
    model = type(records[0])
    history = getattr(model, model._meta.simple_history_manager_attribute).model
    rows = []
    for record in records:
        facts = {
            "history_date": getattr(record, "_history_date", timezone.now()),
            "history_user": record._history_user,
            "history_change_reason": get_change_reason_from_object(record),
        }
        row = history(
            history_type=history_type,
            **facts,
            **{f.attname: getattr(record, f.attname) for f in history.tracked_fields},
        )
        pre_create_historical_record.send(
            sender=history, instance=record, history_instance=row, using=None, **facts
        )
        rows.append((record, row, facts))
    history.objects.bulk_create([row for _, row, _ in rows])
    for record, row, facts in rows:
        post_create_historical_record.send(
            sender=history, instance=record, history_instance=row, using=None, **facts
        )
    return [row for _, row, _ in rows]


@receiver(pre_create_historical_record)
def _keep_parts(sender, instance, history_instance, **kwargs) -> None:
    parts = getattr(instance, "revision_parts", None)
    if parts is not None and hasattr(history_instance, "parts"):
        history_instance.parts = parts


SKIPPED = {"id", "episode", "recorded_by", "recorded_at"}


def plain(field, value):
    """A field's value as JSON would carry it, normalised so equal facts compare equal."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(field, models.DateTimeField):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(field, models.DateField):
        return value.isoformat()
    return value


def facts_of(obj, fields=None) -> dict:
    """The recorded facts of a record or of one of its revisions: its fields (not who wrote it,
    that is the revision's) and the parts kept with it."""
    fields = fields if fields is not None else obj._meta.concrete_fields
    facts = {f.name: plain(f, getattr(obj, f.attname)) for f in fields if f.name not in SKIPPED}
    parts = getattr(obj, "parts", None) or getattr(obj, "revision_parts", None)
    facts.update(parts or {})
    return facts
