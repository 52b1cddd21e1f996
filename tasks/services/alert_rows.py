"""Alerts and their deliveries written in one statement, skipping those already written: the
sweep's follow-up alerts, stalled episodes and courses at their end all insert through here, so
what an alert's delivery is (an email, a digest for the routine kinds, else sent at once) is
said once.

Each caller names its columns and its unique key (`ON CONFLICT … DO NOTHING`), so two sweeps at
once write an alert once. In PostgreSQL the alerts come from arrays (one parameter a column,
not one a value) and each inserted alert's delivery from what it returned; elsewhere (SQLite,
`make run`) the alerts are one INSERT and their deliveries a bulk_create."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from tasks.models import Alert, Delivery


def alerts_with_deliveries_insert(
    *,
    columns: Sequence[tuple[str, str]],
    rows: list[tuple],
    conflict: str,
    now: dt.datetime,
    kind: str | None = None,
) -> list[int]:
    """Insert `rows` of alerts, each a tuple in the order of `columns` ((name, PostgreSQL type)
    pairs: "bigint", "int", "varchar", "boolean", "jsonb" for JSON text), all of `kind` unless
    "kind" is one of the columns, skipping those `conflict` (an ON CONFLICT clause) finds
    written; each inserted alert gets a delivery, a digest for a routine kind. Returns the
    ids of the deliveries to send at once (not digests)."""
    if not rows:
        return []
    names = [name for name, _ in columns]
    if (kind is None) == ("kind" not in names):
        raise ValueError("Name the kind once: as `kind` or as a column.")
    if kind is not None:
        columns, rows = [*columns, ("kind", "varchar")], [(*row, kind) for row in rows]
        names.append("kind")
    if connection.vendor == "postgresql":
        return _insert_postgresql(columns, rows, conflict, now)
    values = ", ".join([f"({', '.join(['%s'] * (len(names) + 1))})"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Alert._meta.db_table} "
            f"({', '.join(names)}, created_at) VALUES {values} {conflict} RETURNING id, kind",
            [p for row in rows for p in (*row, now)],
        )
        created = cursor.fetchall()
    made = Delivery.objects.bulk_create(
        Delivery(alert_id=alert_id, digest=written in Alert.ROUTINE, created_at=now)
        for alert_id, written in created
    )
    return [d.id for d in made if not d.digest]


def _insert_postgresql(columns, rows: list[tuple], conflict: str, now: dt.datetime) -> list[int]:
    names = ", ".join(name for name, _ in columns)
    picked = ", ".join(
        f"a.c{i}::jsonb" if type_ == "jsonb" else f"a.c{i}" for i, (_, type_) in enumerate(columns)
    )
    arrays = ", ".join(f"%s::{'text' if type_ == 'jsonb' else type_}[]" for _, type_ in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    routine = [str(routine_kind) for routine_kind in Alert.ROUTINE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH inserted AS (INSERT INTO {Alert._meta.db_table} "
            f"({names}, created_at) SELECT {picked}, %s FROM unnest({arrays}) AS a({aliases}) "
            f"{conflict} RETURNING id, kind) "
            f"INSERT INTO {Delivery._meta.db_table} "
            "(alert_id, digest, created_at, channel, attempts, last_error) "
            "SELECT id, kind = ANY(%s::varchar[]), %s, 'email', 0, '' FROM inserted "
            "RETURNING id, digest",
            [now, *(list(column) for column in zip(*rows, strict=True)), routine, now],
        )
        return [delivery_id for delivery_id, digest in cursor.fetchall() if not digest]
