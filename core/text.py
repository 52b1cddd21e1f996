"""Text folded for comparison: accents and case ignored, so "zoe" finds "Zoë" and "ANGSTROM"
finds "Ångström". `fold` is the Python side (decomposed (NFKD), combining marks dropped, then
casefolded, and the few Latin letters that have no decomposition spelt out); `Folded` is the
same in a query: the SQL function `core_fold`, made by migration core 0005 on PostgreSQL
(lower(unaccent(text)), IMMUTABLE so that it can be indexed) and registered on every SQLite
connection as `fold` itself (core.apps)."""

from __future__ import annotations

import unicodedata

from django.db.models import Func, TextField

SQL_FUNCTION = "core_fold"

# Letters that NFKD leaves whole, written as PostgreSQL's unaccent writes them.
_UNDECOMPOSED = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)


def fold(text: str) -> str:
    """`text` without accents and case: "Zoë Ångström" → "zoe angstrom"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold_or_null(text):
    return None if text is None else fold(str(text))


class Folded(Func):
    """An expression folded in the database as `fold` folds in Python."""

    function = SQL_FUNCTION
    arity = 1
    output_field = TextField()


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """SQLite has no unaccent: each connection gets `fold` as its `core_fold`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQL_FUNCTION, 1, _fold_or_null, deterministic=True)
