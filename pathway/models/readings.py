"""An episode's INR readings taken on a VKA (pathway.md section 7, bridging): the INR results
that carry a target range, of its scheduled INR checks and its INR visits. Rows of the tasks
app, read through the episode's reverse relations so that this app never imports it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pathway.models.episode import Episode


def _model(relation: str):
    return Episode._meta.get_field(relation).related_model


def inr_readings(episode_ids) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """Each episode's (day done, INR) readings with a target, in the order done: one query (a
    UNION ALL over the performed, uncancelled INR checks and the INR visits). A reading with
    no target was taken off a VKA (pathway.md section 6) and is left out."""
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
    found: dict[int, list[tuple[dt.date, Decimal]]] = {e: [] for e in episode_ids}
    for episode_id, on, result in follow_ups.order_by().union(visits.order_by(), all=True):
        if (result or {}).get("target") and (result or {}).get("inr"):
            found[episode_id].append((on, Decimal(result["inr"])))
    for readings in found.values():
        readings.sort()
    return found
