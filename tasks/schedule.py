"""Pure date arithmetic for follow-up schedules (pathway.md section 4). No database here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.dates import add_months

_INTERVAL = re.compile(r"^([1-9][0-9]*)([dwm])$")


@dataclass(frozen=True)
class Offset:
    months: int = 0
    days: int = 0

    def __add__(self, other: Offset) -> Offset:
        return Offset(self.months + other.months, self.days + other.days)

    def __mul__(self, k: int) -> Offset:
        return Offset(self.months * k, self.days * k)


def parse(interval: str) -> Offset:
    match = _INTERVAL.match(interval)
    if not match:
        raise ValueError(f"not an interval: {interval!r} (write 14d, 6w or 3m)")
    n, unit = int(match[1]), match[2]
    return Offset(months=n) if unit == "m" else Offset(days=n * (7 if unit == "w" else 1))


def shift(anchor: dt.date, offset: Offset) -> dt.date:
    return add_months(anchor, offset.months) + dt.timedelta(days=offset.days)


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
    while shift(anchor, last + every * k) <= until:
        offsets.append(last + every * k)
        k += 1
    return [(o, day) for o in offsets if (day := shift(anchor, o)) <= until]


def occurrences(
    anchor: dt.date, first: list[str], then_every: str, until: dt.date
) -> list[dt.date]:
    """The due dates of `positions`."""
    return [day for _, day in positions(anchor, first, then_every, until)]
