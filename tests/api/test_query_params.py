"""A GET answers 400 naming a query parameter it does not know (contract), instead of ignoring
it: `?stauts=overdue` would otherwise list every follow-up as if filtered. The parameters each
list documents keep working, with `page` where the list is paged and DRF's `format`."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.api import Endpoint
from pathway.codes import State
from tests import factories as f
from tests.api import support as s

pytestmark = pytest.mark.django_db
NOT_API = ("api/schema/", "api/docs/", "api/redoc/")  # the schema and its readers


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


API_ROUTES = sorted(
    (route, getattr(view, "view_class", None))
    for route, view in _routes(get_resolver().url_patterns)
    if route.startswith("api/") and route not in NOT_API
)
GET_ROUTES = [route for route, view in API_ROUTES if view and hasattr(view, "get")]


def url_of(route: str, episode_id: int) -> str:
    return "/" + re.sub(r"<int:\w+>", str(episode_id), route)


@pytest.fixture
def episode(coordinator):
    return f.episode_in(State.SURVEILLANCE, coordinator)


def unknown(response, name: str) -> str:
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert name in body, body
    return " ".join(body[name])


def test_every_api_view_checks_its_query():
    assert len(API_ROUTES) > 20
    assert [route for route, view in API_ROUTES if not (view and issubclass(view, Endpoint))] == []


@pytest.mark.parametrize("route", GET_ROUTES)
def test_every_get_refuses_a_query_parameter_it_does_not_know(route, as_admin, episode):
    response = as_admin.get(url_of(route, episode.id) + "?stauts=overdue&format=json")

    assert "Unknown query parameter" in unknown(response, "stauts")
    assert "format" not in response.json()


@pytest.mark.parametrize(
    ("path", "name", "known"),
    [
        ("/api/episodes/?state=selection&sort=name", "sort", "Known: state, page."),
        ("/api/patients/?q=Ada", "q", "Known: search, page."),
        ("/api/users/?role=nurse&active=1", "active", "Known: role."),
        ("/api/alerts/?kind=urgent_result", "kind", "This takes no query parameters."),
        ("/api/alerts/?page=2", "page", "This takes no query parameters."),  # not paged
        ("/api/dashboard/?since=2024-01-01", "since", "This takes no query parameters."),
        ("/api/dashboard/outcomes/?from=2024-01-01", "from",
         "Known: procedure_from, procedure_to, lesion."),
        ("/api/episodes/{id}/follow-ups/?state=overdue", "state", "Known: status."),
        ("/api/episodes/{id}/visits/?kind=duplex", "kind", "This takes no query parameters."),
        ("/api/episodes/{id}/complications/?early=1", "early", "This takes"),
        ("/api/episodes/{id}/history/?limit=5", "limit", "This takes"),
        ("/api/episodes/{id}/revisions/?record=selection", "record", "This takes"),
    ],
)  # fmt: skip
def test_a_list_names_the_parameter_it_does_not_know_and_those_it_does(
    path, name, known, as_admin, episode
):
    message = unknown(as_admin.get(path.format(id=episode.id)), name)

    assert f"Unknown query parameter. {known}" in message


def test_the_documented_parameters_page_and_format_still_work(as_admin, coordinator, episode):
    f.open_episode(coordinator, f.PatientFactory(mrn="RX-1001", family_name="Okafor"))
    episodes = s.ok(as_admin.get("/api/episodes/?state=surveillance&page=1&format=json"))
    patients = s.ok(as_admin.get("/api/patients/?search=Okafor&page=1"))
    users = s.ok(as_admin.get("/api/users/?role=coordinator&format=json"))
    follow_ups = s.ok(as_admin.get(f"/api/episodes/{episode.id}/follow-ups/?status=scheduled"))
    outcomes = as_admin.get("/api/dashboard/outcomes/?procedure_from=2020-01-01&lesion=")

    assert [e["id"] for e in episodes["results"]] == [episode.id]
    assert [p["mrn"] for p in patients["results"]] == ["RX-1001"]
    assert [u["username"] for u in users] == [coordinator.username]
    assert follow_ups and {row["status"] for row in follow_ups} == {"scheduled"}
    assert outcomes.status_code == 200, outcomes.content
    assert as_admin.get("/api/alerts/?format=api").status_code == 200  # the browsable API


def test_a_role_that_may_not_see_the_outcomes_is_told_so_before_its_query_is_read(as_nurse):
    response = as_nurse.get("/api/dashboard/outcomes/?from=2024-01-01")

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role may not see the outcomes."}


def test_a_write_is_not_refused_for_its_query_string(as_admin):
    response = as_admin.post("/api/patients/?utm_source=mail", s.patient_body(), format="json")

    assert response.status_code == 201, response.content
