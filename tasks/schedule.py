"""Pure date arithmetic for follow-up schedules (pathway.md section 4). No database here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.dates import OutOfCalendar, add_days, add_months

_INTERVAL = re.compile(r"([1-9][0-9]*)([dwm])")
# An interval is at most ten years: a longer one is a typing slip, and its offsets would leave
# the follow-up's offset columns (small integers) and, repeated, the calendar.
LONGEST = {"d": 3653, "w": 522, "m": 120}


@dataclass(frozen=True)
class Offset:
    months: int = 0
    days: int = 0

    def __add__(self, other: Offset) -> Offset:
        return Offset(self.months + other.months, self.days + other.days)

    def __mul__(self, k: int) -> Offset:
        return Offset(self.months * k, self.days * k)


def parse(interval: str) -> Offset:
    """`14d`, `6w` or `3m` as an Offset; anything else, or more than ten years, a ValueError."""
    match = _INTERVAL.fullmatch(interval) if isinstance(interval, str) else None
    if not match:
        raise ValueError(f"not an interval: {interval!r} (write 14d, 6w or 3m)")
    n, unit = int(match[1]), match[2]
    if n > LONGEST[unit]:
        raise ValueError(f"{interval!r} is longer than ten years ({LONGEST[unit]}{unit})")
    return Offset(months=n) if unit == "m" else Offset(days=n * (7 if unit == "w" else 1))


def shift(anchor: dt.date, offset: Offset) -> dt.date:
    """The date `offset` after `anchor`; OutOfCalendar past year 9999."""
    return add_days(add_months(anchor, offset.months), offset.days)


def _shift_until(anchor: dt.date, offset: Offset, until: dt.date) -> dt.date | None:
    """`shift`, or None when it falls after `until` (past the calendar's end included)."""
    try:
        day = shift(anchor, offset)
    except OutOfCalendar:
        return None
    return day if day <= until else None


def positions(
    anchor: dt.date, first: list[str], then_every: str, until: dt.date
) -> list[tuple[Offset, dt.date]]:
    """(offset, due date) pairs: each first offset from the anchor, then the last one plus k
    repeats, up to and including `until`. Each date is computed from the anchor, so months
    never drift; the offset says where the date stands, so it can be computed again when the
    anchor is corrected."""
    offsets = [parse(o) for o in first]
    every = parse(then_every)
    last = offsets[-1] if offsets else Offset()
    k = 1
    while _shift_until(anchor, last + every * k, until) is not None:
        offsets.append(last + every * k)
        k += 1
    return [(o, day) for o in offsets if (day := _shift_until(anchor, o, until)) is not None]


def occurrences(
    anchor: dt.date, first: list[str], then_every: str, until: dt.date
) -> list[dt.date]:
    """The due dates of `positions`."""
    return [day for _, day in positions(anchor, first, then_every, until)]
