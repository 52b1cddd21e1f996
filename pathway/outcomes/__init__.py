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


# The section 5 measures, each a pure function of plain facts (imported last: pts.py reads the
# Villalta helpers above).
from pathway.outcomes.km import FORMS, HORIZONS, fitted, km_summary, km_table  # noqa: E402
from pathway.outcomes.patency import Duplex, PatencyFacts, Redo, duplex_of, patency  # noqa: E402
from pathway.outcomes.pts import pts_category, pts_counts  # noqa: E402
from pathway.outcomes.rates import complication_rates  # noqa: E402
from pathway.outcomes.stages import (  # noqa: E402
    percentile,
    percentile_of_counts,
    time_in_stage,
    time_in_stage_of_counts,
)
from pathway.outcomes.ttr import (  # noqa: E402
    rosendaal_ttr,
    ttr_figures,
    ttr_summary,
    vka_readings,
    vka_ttr,
)

__all__ = [
    "FORMS",
    "HORIZONS",
    "PTS_FROM_MONTHS",
    "VILLALTA_ITEMS",
    "Duplex",
    "PatencyFacts",
    "Redo",
    "complication_rates",
    "duplex_of",
    "km_summary",
    "km_table",
    "patency",
    "fitted",
    "percentile",
    "percentile_of_counts",
    "pts_assessable",
    "pts_category",
    "pts_counts",
    "rosendaal_ttr",
    "time_in_stage",
    "time_in_stage_of_counts",
    "ttr_figures",
    "ttr_summary",
    "villalta_category",
    "villalta_score",
    "vka_readings",
    "vka_ttr",
]
