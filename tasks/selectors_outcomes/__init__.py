"""The outcome figures of pathway.md section 5 for the admin's dashboard.

The cohort is the episodes with an index procedure (the first procedure note), optionally those
whose index procedure falls in a date range and whose underlying lesion (as that note records
it) is the one asked for. Each episode's facts are reduced once, when they change, into its
EpisodeOutcome row (tasks.services.outcomes); groups.py groups those rows in SQL (patency by day
and event, PTS by category) and the pure functions of pathway.outcomes take the groups: lifelines
fits each patency form on at most one row per day and outcome, weighted by its count. Time in
stage groups the stays each standing move recorded and the open stays by their start. A fixed
number of queries, and rows in the hundreds, whatever the number of episodes; each part is kept
while its facts stand (kept.py).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import roles
from pathway import outcomes
from tasks.selectors_outcomes import groups
from tasks.selectors_outcomes.curves import km_curve
from tasks.selectors_outcomes.kept import facts_version, kept


def _outcomes(procedure_from, procedure_to, lesion, today) -> tuple[dict, dict, tuple]:
    """The figures, each patency form's grouped observations for drawing curves, and the state
    of the outcome rows they come from."""
    today = today or timezone.localdate()
    filters = (procedure_from, procedure_to, lesion)
    filtered = any(v is not None for v in filters)
    facts = facts_version()
    cohort = groups.cohort_of(*filters)

    def from_rows():
        patency = groups.patency_groups(cohort)
        return {
            "patency": patency,
            "km": {form: outcomes.km_table(patency[form]) for form in outcomes.FORMS},
            "pts": groups.pts_counts(cohort),
            "anticoagulation": groups.anticoagulation(cohort),
        }

    rows_state = (filters, facts["outcome_rows"])
    rows = kept("rows", rows_state, from_rows)
    episodes = sum(n for _, _, n in rows["patency"][outcomes.FORMS[0]])
    complications = kept(
        "complications",
        (filters, facts["outcome_rows"], facts["complications"], facts["notes"]),
        lambda: groups.complication_rates(cohort, episodes),
    )
    stays = kept(
        "stays",
        (filters, today, facts["moves"], facts["outcome_rows"] if filtered else None),
        lambda: groups.time_in_stage(cohort, filtered, today),
    )
    figures = {
        "episodes": episodes,
        "patency": rows["km"],
        "pts": rows["pts"],
        "complications": complications,
        "anticoagulation": rows["anticoagulation"],
        "time_in_stage": stays,
    }
    return figures, rows["patency"], rows_state


def outcomes_get(
    *,
    actor,
    procedure_from: dt.date | None = None,
    procedure_to: dt.date | None = None,
    lesion: str | None = None,
    today: dt.date | None = None,
    curves: bool = False,
) -> dict:
    """{"episodes", "patency", "pts", "complications", "anticoagulation", "time_in_stage"}
    (docs/contract api.md, GET /api/dashboard/outcomes/). One query of the facts' version, then
    each part kept for it or computed (seven queries in all), plus the role check. `curves`:
    also {form: km_curve} under "curves", to draw what the summary reports at 6, 12 and 24
    months, from the same grouped facts (the outcomes page)."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    figures, patency, rows_state = _outcomes(procedure_from, procedure_to, lesion, today)
    if curves:
        figures["curves"] = kept(
            "curves", rows_state, lambda: {f: km_curve(patency[f]) for f in outcomes.FORMS}
        )
    return figures
