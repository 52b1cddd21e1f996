"""Each patency chart of the outcomes page is a request of its own: an SVG document that an
admin's browser may keep a minute, drawn once while the outcome rows stand (a second request
draws nothing and reads no row), drawn again once a new result changes them; nobody else gets
it."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes import charts
from tests.factories import days_ago
from tests.outcomes.support import discharged, duplex, plus

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/outcomes/"
CHART = "/dashboard/outcomes/charts/primary.svg"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def episode(coordinator, nurse):
    start = days_ago(300)
    episode = discharged(coordinator, start)
    duplex(nurse, episode, plus(start, 30))
    return episode


@pytest.fixture
def drawings(monkeypatch):
    """How many charts were drawn."""
    drawn = []
    real = charts.km_svg

    def counted(curve, *, title):
        drawn.append(title)
        return real(curve, title=title)

    monkeypatch.setattr(charts, "km_svg", counted)
    return drawn


def chart_urls(client, query=None) -> list[str]:
    html = client.get(PAGE, query or {}).content.decode()
    return [unescape(u) for u in re.findall(r'<img src="(/dashboard/outcomes/charts/[^"]+)"', html)]


def test_a_chart_is_an_svg_document_the_admins_browser_may_keep(admin_client, episode):
    response = admin_client.get(CHART)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith('<svg role="img" aria-label="Primary patency: Kaplan-Meier curve')
    assert 'xmlns="http://www.w3.org/2000/svg"' in body  # a document of its own, for <img>
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "max-age=60" in cache_control
    assert "no-store" not in cache_control


def test_the_page_still_stores_nothing(admin_client, episode):
    assert "no-store" in admin_client.get(PAGE)["Cache-Control"]


def test_a_second_request_is_answered_from_the_cache_without_drawing(
    admin_client, episode, drawings
):
    first = admin_client.get(CHART)
    with CaptureQueriesContext(connection) as asked:
        second = admin_client.get(CHART)
    assert second.content == first.content
    assert drawings == ["Primary patency"]  # drawn once
    outcome_rows = [q["sql"] for q in asked if "outcomes_episodeoutcome" in q["sql"]]
    assert len(outcome_rows) == 1 and "MAX(reduced_at)" in outcome_rows[0]  # the version only


def test_the_charts_of_the_page_follow_their_filters(admin_client, episode, drawings):
    urls = chart_urls(admin_client, {"lesion": "compression"})
    assert len(urls) == 3 and all("lesion=compression" in url for url in urls)
    assert "No episodes" in admin_client.get(urls[0]).content.decode()  # none with that lesion


def test_a_new_result_gives_the_charts_new_urls_and_draws_them_again(
    admin_client, episode, nurse, drawings
):
    before = chart_urls(admin_client)
    admin_client.get(before[0])
    duplex(nurse, episode, days_ago(10), "occluded")
    after = chart_urls(admin_client)
    assert after[0] != before[0]  # the browser cannot show the old one for the new figures
    admin_client.get(after[0])
    assert drawings == ["Primary patency", "Primary patency"]


@pytest.mark.parametrize("query", [{"lesion": "banana"}, {"procedure_from": "2024-13-45"}])
def test_a_bad_filter_is_a_400_in_words(admin_client, query):
    response = admin_client.get(CHART, query)
    assert response.status_code == 400
    assert response.content.decode().split(":")[0] in query


def test_an_unknown_patency_form_is_not_found(admin_client):
    assert admin_client.get("/dashboard/outcomes/charts/tertiary.svg").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_only_admins_get_a_chart(client, request, role, drawings):
    client.force_login(request.getfixturevalue(role))
    response = client.get(CHART)
    assert response.status_code == 403
    assert drawings == []


def test_strangers_sign_in_first(client):
    response = client.get(CHART)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
