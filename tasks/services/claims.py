"""The claim loop the sweep and the escalation of urgent results share: rows owing work are
claimed in batches with SELECT ... FOR UPDATE SKIP LOCKED, read in index order, and each batch
is handled in the transaction that claimed it, so runs at once share the work and never do a
row's twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet


def claimed_batches(
    rows: QuerySet,
    *,
    order_by: tuple[str, ...],
    batch_size: int,
    handle: Callable[[list[Any]], Iterable[int]],
) -> int:
    """Claim `rows` (a queryset of models or of `.values()`) `batch_size` at a time, in
    `order_by` order, skipping those another run holds, and `handle` each batch inside its
    claiming transaction (its writes commit with the claim). `handle` returns the ids of the
    rows it could not serve (nobody to tell): they are not claimed again in this run, and stay
    owed for the next. Returns how many batches were handled, once no row is left to claim."""
    stuck: set[int] = set()
    batches = 0
    while True:
        with transaction.atomic():
            batch = list(
                rows.select_for_update(skip_locked=True, of=("self",))
                .exclude(id__in=stuck)
                .order_by(*order_by)[:batch_size]
            )
            if not batch:
                return batches
            stuck.update(handle(batch))
            batches += 1
