"""The outcome figures of pathway.md section 5 for the admin's dashboard.

The cohort is the episodes with an index procedure (the first procedure note), optionally those
whose index procedure falls in a date range and whose underlying lesion (as that note records
it) is the one asked for. Each episode's facts are reduced once, when they change, into its
EpisodeOutcome row, and what it adds to the figures into counts by month of time zero and
lesion (outcomes.services); groups.py sums the counts the cohort takes (patency by day and
event, PTS by category, TTR bands, complications, stays) and the pure functions of
outcomes.maths take them: lifelines fits each patency form on at most one row per day and
outcome, weighted by its count. A fixed number of queries (five), and rows in the thousands,
whatever the number of episodes; each part is kept in the cache while its facts stand
(kept.py).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import roles
from outcomes import charts, maths
from outcomes.selectors import groups
from outcomes.selectors.curves import km_curve
from outcomes.selectors.kept import KEEP_SECONDS, facts_version, kept, state_name

CHART_KEEP_SECONDS = KEEP_SECONDS  # a chart is as fresh as the figures beside it


def _rows(filters: tuple, facts: dict) -> tuple[dict, tuple]:
    """The parts read from the outcome rows alone (patency groups and their Kaplan-Meier
    tables, PTS, TTR), kept for the rows' state, and that state."""

    def from_rows():
        # No outcome row at all (the table emptied, say lost in a restore): no cohort, whatever
        # the counts kept from the rows before (`manage.py outcomes_rebuild` repairs both).
        some = facts["outcome_rows"] is not None
        patency, pts, anticoagulation = groups.patency_groups_pts_and_ttr(filters, some)
        return {
            "patency": patency,
            "km": {form: maths.km_table(patency[form]) for form in maths.FORMS},
            "pts": pts,
            "anticoagulation": anticoagulation,
        }

    rows_state = (filters, facts["outcome_rows"])
    return kept("rows", rows_state, from_rows), rows_state


def _outcomes(procedure_from, procedure_to, lesion, today) -> tuple[dict, dict, tuple]:
    """The figures, each patency form's grouped observations for drawing curves, and the state
    of the outcome rows they come from."""
    today = today or timezone.localdate()
    filters = (procedure_from, procedure_to, lesion)
    filtered = any(v is not None for v in filters)
    facts = facts_version()
    rows, rows_state = _rows(filters, facts)
    episodes = sum(n for _, _, n in rows["patency"][maths.FORMS[0]])
    complications = kept(
        "complications",
        (filters, facts["outcome_rows"], facts["complications"], facts["notes"]),
        lambda: groups.complication_rates(filters, episodes),
    )
    stays = kept(
        "stays",
        (filters, today, facts["moves"], facts["outcome_rows"] if filtered else None),
        lambda: groups.time_in_stage(filters, today),
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
    version: bool = False,
) -> dict:
    """{"episodes", "patency", "pts", "complications", "anticoagulation", "time_in_stage"}
    (docs/contract api.md, GET /api/dashboard/outcomes/). One query of the facts' version, then
    each part kept for it or computed (five queries in all, whatever the filters), plus the
    role check. `curves`:
    also {form: km_curve} under "curves", the full curves that the summary reports at 6, 12 and
    24 months, from the same grouped facts. `version`: also, under "version", a short name of
    the outcome rows' state (the page puts it in its charts' URLs)."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    figures, patency, rows_state = _outcomes(procedure_from, procedure_to, lesion, today)
    if curves:
        figures["curves"] = kept(
            "curves", rows_state, lambda: {f: km_curve(patency[f]) for f in maths.FORMS}
        )
    if version:
        figures["version"] = state_name(rows_state)[:16]
    return figures


def outcome_chart_get(
    *,
    actor,
    form: str,
    title: str,
    procedure_from: dt.date | None = None,
    procedure_to: dt.date | None = None,
    lesion: str | None = None,
) -> str:
    """One patency form's Kaplan-Meier chart (an SVG document titled `title`), drawn from the
    outcome rows and kept in Django's cache while they stand: a second request reads one query
    (the facts' version) and draws nothing (about 100 ms a chart otherwise)."""
    roles.require(actor, roles.VIEW_DASHBOARD, "see the outcomes")
    filters = (procedure_from, procedure_to, lesion)
    facts = facts_version()

    def draw() -> str:
        rows, _ = _rows(filters, facts)
        return charts.km_svg(km_curve(rows["patency"][form]), title=title)

    return kept(
        "chart", (form, title, filters, facts["outcome_rows"]), draw, seconds=CHART_KEEP_SECONDS
    )
