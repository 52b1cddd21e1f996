"""The Villalta scale for the post-thrombotic syndrome (pathway.md section 5): its items, the
score, the category and the category's words, and from when after the procedure it may be
diagnosed. Pure, and in pathway because the pathway's own records are worded with it (results
in words, the result forms); the outcomes app counts episodes by its categories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.dates import add_months

VILLALTA_ITEMS = (
    "pain",
    "cramps",
    "heaviness",
    "paraesthesia",
    "pruritus",
    "pretibial_oedema",
    "skin_induration",
    "hyperpigmentation",
    "redness",
    "venous_ectasia",
    "pain_on_calf_compression",
)
PTS_FROM_MONTHS = 3
PTS_CATEGORIES = ("none", "mild", "moderate", "severe")
# Each category in words, and the scores it spans: the one wording of every page and file.
PTS_WORDS = {
    "none": "No PTS",
    "mild": "Mild PTS",
    "moderate": "Moderate PTS",
    "severe": "Severe PTS",
}
PTS_SCORES = {
    "none": "0-4",
    "mild": "5-9",
    "moderate": "10-14",
    "severe": "15 or more, or an ulcer",
}


def villalta_score(items: Mapping[str, Any]) -> int:
    return sum(int(items[name]) for name in VILLALTA_ITEMS)


def villalta_category(items: Mapping[str, Any]) -> str:
    """0-4 none, 5-9 mild, 10-14 moderate, 15 or more, or any ulcer, severe."""
    score = villalta_score(items)
    if items.get("ulcer") or score >= 15:
        return "severe"
    if score >= 10:
        return "moderate"
    if score >= 5:
        return "mild"
    return "none"


def pts_assessable(procedure_on: dt.date, examined_on: dt.date) -> bool:
    """PTS is diagnosed only from 3 months after the procedure."""
    return examined_on >= add_months(procedure_on, PTS_FROM_MONTHS)
