"""An episode's INR readings taken on a VKA (pathway.md section 7, bridging and TTR): the INR
results that carry a target range, of its scheduled INR checks and its INR visits. Rows of the tasks
app, read through the episode's reverse relations so that this app never imports it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pathway.models.episode import Episode
from pathway.ttr import Reading, vka_readings


def _model(relation: str):
    return Episode._meta.get_field(relation).related_model


def vka_readings_of(episode_ids) -> dict[int, list[Reading]]:
    """Each episode's INR readings that count for TTR (pathway.ttr `vka_readings`: taken on a
    VKA, with the target range they were taken against), oldest first, as (day done, INR,
    (low, high)): one query (a UNION ALL over the performed, uncancelled INR checks and the INR
    visits). A reading with no target was taken off a VKA (pathway.md section 6) and is left
    out."""
    fields = ("episode_id", "performed_on", "result")
    follow_ups = (
        _model("follow_ups")
        .objects.filter(
            episode_id__in=episode_ids,
            kind="inr_check",
            performed_on__isnull=False,
            cancelled_at__isnull=True,
        )
        .values_list(*fields)
    )
    visits = (
        _model("visits")
        .objects.filter(episode_id__in=episode_ids, kind="inr_check")
        .values_list(*fields)
    )
    records: dict[int, list] = {e: [] for e in episode_ids}
    for episode_id, on, result in follow_ups.order_by().union(visits.order_by(), all=True):
        records[episode_id].append((on, result))
    return {episode_id: vka_readings(rows) for episode_id, rows in records.items()}


def inr_readings(episode_ids) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Each episode's (day done, INR) readings taken on a VKA, in the order done (the
    bridging rule's): `vka_readings_of`, one query."""
    return {
        episode_id: sorted((on, Decimal(inr)) for on, inr, _ in readings)
        for episode_id, readings in vka_readings_of(episode_ids).items()
    }
