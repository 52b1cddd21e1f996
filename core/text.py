"""Text as a search compares it: `fold` drops accents and case, so "zoe" finds "Zoë" and
"angstrom" finds "Ångström", on SQLite and PostgreSQL alike (the folded text is what is stored
and compared; no database function is needed)."""

from __future__ import annotations

import unicodedata

# Letters that carry no combining mark to drop: they are letters of their own in Unicode.
_LETTERS = str.maketrans({
    "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l",
    "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i",
})  # fmt: skip


def fold(text: str) -> str:
    """`text` without accents, in lower case, its spaces collapsed: "  Zoë  Ångström" →
    "zoe angstrom". Apply it to both sides of a comparison."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())
