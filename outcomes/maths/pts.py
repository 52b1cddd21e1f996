"""PTS by Villalta category at each episode's latest assessment made 3 months or more after
time zero (pathway.md section 5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pathway.villalta import PTS_CATEGORIES, pts_assessable, villalta_category

CATEGORIES = PTS_CATEGORIES
Assessment = tuple[dt.date, Mapping[str, Any] | None]


def pts_category(time_zero: dt.date, assessments: Iterable[Assessment]) -> str | None:
    """assessments: (examined_on, villalta items) pairs. The category of the latest one made 3
    months or more after time zero, or None when there is none."""
    assessable = [
        (on, items) for on, items in assessments if items and pts_assessable(time_zero, on)
    ]
    if not assessable:
        return None
    _, items = max(assessable, key=lambda a: a[0])
    assert items is not None  # kept above
    return villalta_category(items)


def pts_counts(episodes: Iterable[tuple[dt.date, Iterable[Assessment]]]) -> dict[str, int]:
    """episodes: (time_zero, [(examined_on, villalta items)]) pairs. Episodes with no assessable
    assessment are not counted."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for time_zero, assessments in episodes:
        category = pts_category(time_zero, assessments)
        if category is not None:
            counts[category] += 1
    return counts
