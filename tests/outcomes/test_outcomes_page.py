"""The admin's outcomes page and its CSV files: sections and charts, filters, bad filters on the
form, the same figures in the CSV as in the selector, roles (the query count that does not grow
with the episodes: test_outcomes_page_cost.py)."""

import csv
import io
import re
from html import unescape

import pytest

from outcomes.selectors import outcomes_get
from pathway.models import Episode
from tests.conftest import _user
from tests.factories import days_ago
from tests.module_rows import rows_for_the_module
from tests.outcomes.support import build

pytestmark = pytest.mark.django_db

URL = "/dashboard/outcomes/"
TABLES = ("patency", "pts", "complications", "anticoagulation", "time_in_stage")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(scope="module")
def _cohort_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The three episodes the tests read the figures of, walked once for the module: each test
    only reads them (and undoes what it writes). A test that counts every episode it builds
    itself needs an empty clinic: tests/outcomes/test_outcomes_page_cost.py."""
    yield from rows_for_the_module(
        django_db_blocker,
        lambda: [e.id for e in build(_user("coordinator"), _user("nurse"), 3)],
    )


@pytest.fixture
def cohort(_cohort_of_the_module, coordinator, nurse):
    return [Episode.objects.get(id=id_) for id_ in _cohort_of_the_module]


def test_an_admin_sees_every_section_and_a_chart_per_patency_form(admin_client, cohort):
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Patency",
        "PTS by Villalta",
        "Complications",
        "Time in therapeutic range",
        "Time in each stage",
        "Follow-ups and alerts now",
    ):
        assert heading in html
    # Each chart is drawn in a request of its own: the page names it by URL, with its name.
    img = r'<img src="(/dashboard/outcomes/charts/[a-z_]+\.svg\?[^"]*)" alt="([^"]+)"'
    charts = re.findall(img, html)
    assert [alt for _, alt in charts] == [
        f"{form}: Kaplan-Meier curve with its 95% confidence band"
        for form in ("Primary patency", "Assisted primary patency", "Secondary patency")
    ]
    for src, _ in charts:
        chart = admin_client.get(unescape(src))
        assert chart["Content-Type"].startswith("image/svg+xml")
        assert chart.content.decode().count('role="img"') == 1
    assert html.count("<figcaption>") == 3
    for form in ("Primary patency", "Assisted primary patency", "Secondary patency"):
        assert f"{form}: numbers at risk, events and censored (KMunicate)" in html
    assert "Surveillance" in html  # a stage in words
    assert "surveillance</th>" not in html
    assert response.context["figures"]["episodes"] == 3


def test_the_dashboard_links_to_the_outcomes(admin_client):
    assert 'href="/dashboard/outcomes/"' in admin_client.get("/dashboard/").content.decode()


def test_filters_change_the_numbers(admin_client, cohort):
    everyone = admin_client.get(URL).context["figures"]
    compression = admin_client.get(URL, {"lesion": "compression"}).context["figures"]
    recent = admin_client.get(URL, {"procedure_from": days_ago(405).isoformat()})
    assert everyone["episodes"] == 3
    assert compression["episodes"] == 1
    assert recent.context["figures"]["episodes"] == 1
    assert everyone["patency"]["primary"]["12"]["events"] == 1
    assert compression["patency"]["primary"]["12"]["events"] == 0
    assert (
        'value="compression" selected'
        in admin_client.get(URL, {"lesion": "compression"}).content.decode()
    )


@pytest.mark.parametrize(
    "query, field",
    [
        ({"procedure_from": "2024-13-45"}, "procedure_from"),
        ({"procedure_from": "2024-05-01", "procedure_to": "2024-01-01"}, "procedure_to"),
        ({"lesion": "banana"}, "lesion"),
    ],
)
def test_a_bad_filter_is_shown_on_the_form(admin_client, cohort, query, field):
    response = admin_client.get(URL, query)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert "/dashboard/outcomes/charts/" not in html  # no chart either
    csv_response = admin_client.get(URL + "pts.csv", query)
    assert csv_response.status_code == 400


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("table", TABLES)
def test_each_csv_downloads_with_a_header_and_the_figures(admin_client, admin_user, cohort, table):
    response = admin_client.get(f"{URL}{table}.csv", {"lesion": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="outcomes-{table}.csv"'
    rows = rows_of(response)
    assert len(rows) >= 2 or table == "time_in_stage"
    assert rows[0][0] and all(rows[0])
    figures = outcomes_get(actor=admin_user)
    if table == "patency":
        assert len(rows) == 1 + 9
        primary_12 = figures["patency"]["primary"]["12"]
        row = next(r for r in rows if r[:2] == ["Primary patency", "12"])
        as_percent = [round(100 * primary_12[k], 1) for k in ("estimate", "ci_low", "ci_high")]
        assert [float(v) for v in row[2:5]] == as_percent
        assert row[5:] == [str(primary_12[k]) for k in ("at_risk", "events", "censored")]
    if table == "pts":
        assert [int(r[1]) for r in rows[1:]] == list(figures["pts"].values())
    if table == "complications":
        assert len(rows) == 1 + len(figures["complications"]["early"])
    if table == "anticoagulation":
        bands = {r[0]: int(r[1]) for r in rows[4:]}
        assert len(bands) == 10
        assert sum(bands.values()) == figures["anticoagulation"]["patients"]
    if table == "time_in_stage":
        stays = {r[0]: int(r[3]) for r in rows[1:]}
        assert stays["Surveillance"] == figures["time_in_stage"]["surveillance"]["stays"]


def test_a_csv_honours_the_filters(admin_client, cohort):
    rows = rows_of(admin_client.get(URL + "patency.csv", {"lesion": "compression"}))
    primary_24 = next(r for r in rows if r[:2] == ["Primary patency", "24"])
    assert int(primary_24[5]) + int(primary_24[6]) + int(primary_24[7]) == 1


def test_an_unknown_table_is_not_found(admin_client):
    assert admin_client.get(URL + "secrets.csv").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_coordinators_and_nurses_may_not(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "pts.csv").status_code == 403


def test_strangers_sign_in(client):
    assert client.get(URL).status_code == 302


def test_curves_are_small_plain_lists(admin_user, cohort):
    curves = outcomes_get(actor=admin_user, curves=True)["curves"]
    assert set(curves) == {"primary", "assisted_primary", "secondary"}
    primary = curves["primary"]
    assert primary["days"][0] == 0.0 and primary["estimate"][0] == 1.0
    assert len(primary["days"]) == len(primary["ci_low"]) <= 300


def test_a_chart_is_an_inline_named_svg_even_without_episodes():
    from outcomes.charts import km_svg

    empty = km_svg({"days": [], "estimate": [], "ci_low": [], "ci_high": []}, title="Primary")
    assert empty.startswith('<svg role="img" aria-label="Primary: Kaplan-Meier curve')
    assert "No episodes" in empty
    curve = {
        "days": [0.0, 100.0, 400.0],
        "estimate": [1.0, 0.5, 0.25],
        "ci_low": [1.0, 0.2, 0.05],
        "ci_high": [1.0, 0.8, 0.6],
    }
    drawn = km_svg(curve, title="A & B")
    assert 'aria-label="A &amp; B: Kaplan-Meier' in drawn
    assert len(drawn) < 60_000


# --- one unit per kind of figure, Excel's BOM, no formulas (issue 18) -------------------------
def test_every_csv_starts_with_a_byte_order_mark_for_excel(admin_client, cohort):
    for table in TABLES:
        body = admin_client.get(f"{URL}{table}.csv").content
        assert body.startswith("\ufeff".encode()), table
        assert body.decode("utf-8-sig").splitlines()[0][0] != "\ufeff"


def test_shares_are_percentages_with_the_unit_named(admin_client, admin_user, cohort):
    figures = outcomes_get(actor=admin_user)
    patency = rows_of(admin_client.get(URL + "patency.csv"))
    assert patency[0][:5] == [
        "Patency",
        "Months",
        "Estimate (%)",
        "95% CI low (%)",
        "95% CI high (%)",
    ]
    estimates = [float(r[2]) for r in patency[1:] if r[2]]
    assert estimates and all(0 <= e <= 100 for e in estimates) and max(estimates) > 1

    ttr = {r[0]: r[1] for r in rows_of(admin_client.get(URL + "anticoagulation.csv"))[1:]}
    share = figures["anticoagulation"]["share_ttr_65"]
    shown = ttr["Share with TTR ≥ 65% (% of VKA patients)"]
    assert shown == ("" if share is None else str(round(100 * share, 1)))
    assert "Median TTR (%)" in ttr and "VKA patients with a TTR (patients)" in ttr
    stages = rows_of(admin_client.get(URL + "time_in_stage.csv"))
    assert stages[0] == ["Stage", "Median (days)", "90th percentile (days)", "Stays"]


def test_median_ttr_and_the_share_over_65_are_both_percentages(admin_client, monkeypatch):
    from outcomes import pages

    real = pages.outcomes_get

    def figures(**kwargs):
        got = real(**kwargs)
        got["anticoagulation"] |= {"patients": 23, "median_ttr": 81.8, "share_ttr_65": 0.652}
        return got

    monkeypatch.setattr(pages, "outcomes_get", figures)
    ttr = {r[0]: r[1] for r in rows_of(admin_client.get(URL + "anticoagulation.csv"))[1:]}
    assert ttr["Median TTR (%)"] == "81.8"
    assert ttr["Share with TTR ≥ 65% (% of VKA patients)"] == "65.2"
    html = admin_client.get(URL).content.decode()
    assert '<td class="num">65.2</td>' in html and "0.652" not in html


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_inert(text):
    from core.csv_export import csv_cell

    assert csv_cell(text) == "'" + text
    assert csv_cell("Primary patency") == "Primary patency"
    assert csv_cell(-2) == -2 and csv_cell(None) == ""


def test_the_page_shows_days_in_words_and_the_whole_pts_heading(admin_client, cohort):
    html = admin_client.get(URL).content.decode()
    assert "at the latest assessment, 3 months or more after the procedure</h2>" in html
    stages = html[html.index('id="outcomes-time_in_stage"') :]
    stages = stages[: stages.index("</section>")]
    assert re.search(r'<td class="num">\d+(\.\d)? days?</td>', stages)
    assert not re.search(r'<td class="num">\d+\.0', stages)
