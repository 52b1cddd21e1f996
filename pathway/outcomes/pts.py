"""PTS by Villalta category at each episode's latest assessment made 3 months or more after
time zero (pathway.md section 5)."""

from __future__ import annotations

from pathway import outcomes

CATEGORIES = ("none", "mild", "moderate", "severe")


def pts_counts(episodes) -> dict[str, int]:
    """episodes: (time_zero, [(examined_on, villalta items)]) pairs. Episodes with no assessable
    assessment are not counted."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for time_zero, assessments in episodes:
        assessable = [
            (on, items)
            for on, items in assessments
            if items and outcomes.pts_assessable(time_zero, on)
        ]
        if assessable:
            _, items = max(assessable, key=lambda a: a[0])
            counts[outcomes.villalta_category(items)] += 1
    return counts
