"""Figures kept in Django's cache while the facts they are made of stand.

Every write that can change a figure appends a row to an append-only table or rewrites an
outcome row: a move to the history (the stays), a complication or a procedure note to its
revision table (complication rates), and a result, re-intervention, note or discharge plan
rewrites the episode's outcome row (reduced_at). The newest row of each, read in one query of
index look-ups, names the state of the facts; each part of the figures is kept under the
state of the facts it reads, so a new INR reading recomputes the patency, PTS and TTR groups
but not the stays. Ids and times are given out before commit, so a write that commits after a
later one can leave the newest unchanged: entries also expire after a minute, which bounds how
long such a write can go unseen.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from outcomes.models import EpisodeOutcome
from pathway.models import Complication, ProcedureNote, Transition

KEEP_SECONDS = 60
NEWEST = {
    "moves": (Transition._meta.db_table, "id"),
    "complications": (Complication.history.model._meta.db_table, "history_id"),
    "notes": (ProcedureNote.history.model._meta.db_table, "history_id"),
    "outcome_rows": (EpisodeOutcome._meta.db_table, "reduced_at"),
}


def facts_version() -> dict:
    """{name: the newest row of its table} (None where a table is empty), in one query."""
    columns = ", ".join(f"(SELECT MAX({column}) FROM {table})" for table, column in NEWEST.values())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(NEWEST, cursor.fetchone(), strict=True))


def state_name(state: tuple) -> str:
    """A state of the facts as a short name (a cache key's, a chart URL's)."""
    return hashlib.sha256(repr(state).encode()).hexdigest()


def kept(part: str, state: tuple, compute: Callable[[], object], seconds: int = KEEP_SECONDS):
    """The value of `part` for this state of its facts: from the cache, else computed and kept
    for `seconds`. A copy: callers may change what they get."""
    key = f"outcomes:{part}:{state_name(state)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return copy.deepcopy(value)
