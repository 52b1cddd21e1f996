"""Outcome measures as pure functions of recorded facts (pathway.md sections 3 and 5)."""

from __future__ import annotations

import datetime as dt

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


def villalta_score(items: dict) -> int:
    return sum(int(items[name]) for name in VILLALTA_ITEMS)


def villalta_category(items: dict) -> str:
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
