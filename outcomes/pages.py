"""The admin's outcomes page (pathway.md section 5), a CSV of each of its tables and a chart of
each patency form: thin views. The filters are parsed by a small form, the figures come from
the selectors; the page and the CSV files show the same tables, built once in `tables()`. The
page names its charts by URL (<img>): each is drawn in a request of its own, kept while the
outcome rows stand, so the figures show at once and a chart already drawn is not drawn again."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from core import roles
from core.csv_export import csv_response
from core.middleware import may_be_cached
from core.web import page_for
from outcomes import charts
from outcomes.maths import FORMS
from outcomes.selectors import CHART_KEEP_SECONDS, outcome_chart_get, outcomes_get
from pathway import labels
from pathway.codes import UnderlyingLesion
from pathway.villalta import PTS_CATEGORIES, PTS_SCORES, PTS_WORDS
from tasks import selectors

FORM_WORDS = {
    "primary": "Primary patency",
    "assisted_primary": "Assisted primary patency",
    "secondary": "Secondary patency",
}
LESION_WORDS = {
    UnderlyingLesion.NONE: "No underlying lesion",
    UnderlyingLesion.COMPRESSION: "Compression (e.g. May-Thurner)",
    UnderlyingLesion.POST_THROMBOTIC: "Post-thrombotic",
}
CAPTIONS = {
    "patency": "Patency at 6, 12 and 24 months (Kaplan-Meier, 95% CI log-log)",
    "pts": "PTS by Villalta category at the latest assessment, 3 months or more after the "
    "procedure",
    "complications": "Complications: episodes with at least one, per 100 episodes",
    "anticoagulation": "Time in therapeutic range of VKA patients (Rosendaal)",
    "time_in_stage": "Time in each stage, in days",
}
TABLES = tuple(CAPTIONS)


class OutcomesFilter(forms.Form):
    procedure_from = forms.DateField(
        required=False,
        label="Index procedure from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    procedure_to = forms.DateField(
        required=False, label="to", widget=forms.DateInput(attrs={"type": "date"})
    )
    lesion = forms.ChoiceField(
        required=False,
        label="Underlying lesion",
        choices=[("", "All"), *LESION_WORDS.items()],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("procedure_from"), data.get("procedure_to")
        if start and end and start > end:
            self.add_error("procedure_to", "The end comes before the start.")
        return data

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "procedure_from": data.get("procedure_from"),
            "procedure_to": data.get("procedure_to"),
            "lesion": data.get("lesion") or None,
        }


def _pct(fraction) -> str:
    return "–" if fraction is None else f"{100 * fraction:.1f}%"


def _ci(row) -> str:
    if row["ci_low"] is None:
        return "–"
    return f"{100 * row['ci_low']:.1f}–{100 * row['ci_high']:.1f}%"


def _percent(fraction) -> float | None:
    """A share as a percentage, one decimal: 0.6523 -> 65.2 (None stays None)."""
    return None if fraction is None else round(100 * fraction, 1)


def tables(figures: dict) -> dict[str, dict]:
    """{name: {"caption", "header", "rows"}}: each table of the page as plain values (None for
    none), the CSV files' content. One unit per kind of figure, named in the header or the
    measure: shares as percentages (65.2, not 0.652), rates per 100 episodes, times in days."""
    patency = [
        [
            FORM_WORDS[form],
            int(months),
            _percent(row["estimate"]),
            _percent(row["ci_low"]),
            _percent(row["ci_high"]),
            row["at_risk"],
            row["events"],
            row["censored"],
        ]
        for form in FORMS
        for months, row in figures["patency"][form].items()
    ]
    complications = figures["complications"]
    anticoagulation = figures["anticoagulation"]
    stages = figures["time_in_stage"]
    return {
        "patency": {
            "header": [
                "Patency",
                "Months",
                "Estimate (%)",
                "95% CI low (%)",
                "95% CI high (%)",
                "At risk",
                "Events",
                "Censored",
            ],
            "rows": patency,
        },
        "pts": {
            "header": ["Villalta category", "Episodes"],
            "rows": [
                [f"{PTS_WORDS[c]} ({PTS_SCORES[c]})", figures["pts"].get(c, 0)]
                for c in PTS_CATEGORIES
            ],
        },
        "complications": {
            "header": ["Complication", "Early (per 100)", "Late (per 100)"],
            "rows": [
                [
                    labels.sentence(labels.code(kind)),
                    complications["early"][kind],
                    complications["late"].get(kind, 0.0),
                ]
                for kind in complications["early"]
            ],
        },
        "anticoagulation": {
            "header": ["Measure", "Value"],
            "rows": [
                ["VKA patients with a TTR (patients)", anticoagulation["patients"]],
                ["Median TTR (%)", anticoagulation["median_ttr"]],
                [
                    "Share with TTR ≥ 65% (% of VKA patients)",
                    _percent(anticoagulation["share_ttr_65"]),
                ],
                *(
                    [f"Patients with TTR {b['from_pct']}–{b['to_pct']}% (patients)", b["patients"]]
                    for b in anticoagulation["distribution"]
                ),
            ],
        },
        "time_in_stage": {
            "header": ["Stage", "Median (days)", "90th percentile (days)", "Stays"],
            "rows": [
                [labels.state(state), row["median_days"], row["p90_days"], row["stays"]]
                for state, row in stages.items()
            ],
        },
    }


def _patency_forms(figures: dict) -> list[dict]:
    """Per patency form: its chart's name, its estimates and its KMunicate table."""
    return [
        {
            "key": form,
            "title": FORM_WORDS[form],
            "chart_label": charts.km_label(FORM_WORDS[form]),
            "rows": [
                {
                    "months": months,
                    "estimate": _pct(row["estimate"]),
                    "ci": _ci(row),
                    "at_risk": row["at_risk"],
                    "events": row["events"],
                    "censored": row["censored"],
                }
                for months, row in figures["patency"][form].items()
            ],
        }
        for form in FORMS
    ]


def _shown(value) -> str:
    if value is None:
        return "–"
    return str(value)


def _filtered(request):
    form = OutcomesFilter(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    kwargs = form.selector_kwargs() if form.is_bound else {}
    return form, outcomes_get(actor=request.user, version=True, **kwargs)


@page_for(roles.VIEW_DASHBOARD, "see the outcomes")
@require_GET
def outcomes_page(request):
    form, figures = _filtered(request)
    context = {"form": form, "query": request.GET.urlencode(), "tables_names": TABLES}
    if figures is None:
        return render(request, "outcomes/outcomes.html", context, status=400)
    shown = tables(figures)
    stages = shown["time_in_stage"]  # on the page, "1 day" and "2.5 days", not "1.0"
    stages["header"] = ["Stage", "Median", "90th percentile", "Stays"]
    stages["rows"] = [[n, labels.days(m), labels.days(p), k] for n, m, p, k in stages["rows"]]
    dashboard = selectors.dashboard_get(actor=request.user)
    context |= {
        "figures": figures,
        "patency_forms": _patency_forms(figures),
        # The charts' URLs name the outcome rows they are drawn from: new rows, a new URL.
        "chart_query": urlencode(
            [*((k, v) for k, v in request.GET.lists() if k != "v"), ("v", figures["version"])],
            doseq=True,
        ),
        "tables": [
            {
                "name": name,
                "caption": CAPTIONS[name],
                "words": name.replace("_", " "),
                "header": shown[name]["header"],
                "rows": [[_shown(v) for v in row] for row in shown[name]["rows"]],
            }
            for name in TABLES
            if name != "patency"
        ],
        "follow_ups": [
            ("Due this week (window not yet open)", dashboard["follow_ups"]["due_this_week"]),
            ("Due now (window open)", dashboard["follow_ups"]["due_now"]),
            ("Overdue (window closed)", dashboard["follow_ups"]["overdue"]),
            ("Unrouted alerts", dashboard["unrouted_alerts"]),
        ],
    }
    return render(request, "outcomes/outcomes.html", context)


@page_for(roles.VIEW_DASHBOARD, "see the outcomes")
@require_GET
def outcomes_chart(request, form_name: str):
    """One patency form's Kaplan-Meier chart as an SVG document, for the page's <img>. Aggregate
    figures only, so the browser may keep it while the page's figures stand
    (CHART_KEEP_SECONDS); the URL changes with the outcome rows (`v`)."""
    if form_name not in FORMS:
        raise Http404("No such patency form.")
    form = OutcomesFilter(request.GET or None)
    if request.GET and not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    kwargs = form.selector_kwargs() if form.is_bound else {}
    svg = outcome_chart_get(
        actor=request.user,
        form=form_name,
        title=FORM_WORDS[form_name],
        **kwargs,
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    return may_be_cached(response, max_age=CHART_KEEP_SECONDS)


@page_for(roles.VIEW_DASHBOARD, "see the outcomes")
@require_GET
def outcomes_csv(request, table: str):
    if table not in TABLES:
        raise Http404("No such table.")
    form, figures = _filtered(request)
    if figures is None:
        errors = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    content = tables(figures)[table]
    return csv_response(
        filename=f"outcomes-{table}.csv", header=content["header"], rows=content["rows"]
    )
