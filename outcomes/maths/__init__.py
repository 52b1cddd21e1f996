"""Outcome measures as pure functions of plain facts (pathway.md section 5): no Django, no
database, checked with `mypy --strict`. The Villalta scale and an episode's Rosendaal TTR are
the pathway's own (pathway/villalta.py, pathway/ttr.py: its pages word and show them); here
they are gathered over a cohort."""

from __future__ import annotations

from outcomes.maths.km import FORMS, HORIZONS, fitted, km_summary, km_table, weighted
from outcomes.maths.patency import Duplex, PatencyFacts, Redo, duplex_of, patency
from outcomes.maths.pts import pts_category, pts_counts
from outcomes.maths.rates import complication_rates, complication_rates_of
from outcomes.maths.stages import (
    percentile,
    percentile_of_counts,
    time_in_stage,
    time_in_stage_of_counts,
)
from outcomes.maths.ttr import GOOD_TTR, ttr_figures, ttr_figures_of, ttr_summary

__all__ = [
    "FORMS",
    "GOOD_TTR",
    "HORIZONS",
    "Duplex",
    "PatencyFacts",
    "Redo",
    "complication_rates",
    "complication_rates_of",
    "duplex_of",
    "fitted",
    "km_summary",
    "km_table",
    "patency",
    "percentile",
    "percentile_of_counts",
    "pts_category",
    "pts_counts",
    "time_in_stage",
    "time_in_stage_of_counts",
    "ttr_figures",
    "ttr_figures_of",
    "ttr_summary",
    "weighted",
]
