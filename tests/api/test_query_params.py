"""A GET answers 400 naming a query parameter it does not know (contract), instead of ignoring
it: `?stauts=overdue` would otherwise list every follow-up as if filtered. The parameters each
list documents keep working, with `page` where the list is paged and DRF's `format`."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.utils import OpenApiParameter

from core.api import Endpoint
from core.query import query_names
from pathway.codes import State
from pathway.models import Episode
from tests import factories as f
from tests.api import support as s
from tests.conftest import _user
from tests.module_rows import rows_for_the_module

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


@pytest.fixture(scope="module")
def _episode_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """One episode in surveillance for all the module's tests: they only read it (each test's
    own writes are undone), and walking it there costs more than most of the tests."""
    yield from rows_for_the_module(
        django_db_blocker, lambda: f.episode_in(State.SURVEILLANCE, _user("coordinator")).id
    )


@pytest.fixture
def episode(_episode_of_the_module, coordinator):
    return Episode.objects.get(id=_episode_of_the_module)


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
        (
            "/api/dashboard/outcomes/?from=2024-01-01",
            "from",
            "Known: procedure_from, procedure_to, lesion.",
        ),
        ("/api/episodes/{id}/follow-ups/?state=overdue", "state", "Known: status."),
        ("/api/episodes/{id}/visits/?kind=duplex", "kind", "This takes no query parameters."),
        ("/api/episodes/{id}/complications/?early=1", "early", "This takes"),
        ("/api/episodes/{id}/history/?limit=5", "limit", "This takes"),
        ("/api/episodes/{id}/revisions/?record=selection", "record", "This takes"),
    ],
)
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


# Issue 21's "twelve invalid requests accepted": an empty filter or a page that is no page
# number was taken for no filter or the first page; each is a 400 naming the parameter. Not the
# outcomes' filters: the contract writes them empty (`?procedure_from=&procedure_to=&lesion=`).
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/episodes/?state=", "state"),
        ("/api/users/?role=", "role"),
        ("/api/episodes/?page=abc", "page"),
        ("/api/episodes/?page=0", "page"),
        ("/api/episodes/?page=-1", "page"),
        ("/api/patients/?page=abc", "page"),
        ("/api/patients/?page=0", "page"),
        ("/api/patients/?page=-1", "page"),
        ("/api/patients/?page=", "page"),
        ("/api/patients/?page=1.5", "page"),
        ("/api/patients/?page=%C2%B2", "page"),  # "²": isdigit() says yes, int() says no
        ("/api/episodes/?state=selection&state=", "state"),
    ],
)
def test_an_empty_filter_or_a_page_that_is_no_number_is_refused_naming_it(
    path, name, as_admin, episode
):
    response = as_admin.get(path.format(id=episode.id))

    assert response.status_code == 400, (response.status_code, response.content)
    said = " ".join(response.json()[name])
    assert "Empty" in said or "whole number from 1" in said


def _needing_a_value():
    """Every (route, parameter) of the API whose GET declares a parameter that an empty value
    means nothing for: a choice, a number, a date, a text declared not blank."""
    found = []
    for route, view in API_ROUTES:
        if not (view and hasattr(view, "get")):
            continue
        for item in view.query:
            if isinstance(item, OpenApiParameter):
                if item.enum or item.type is not str or not item.allow_blank:
                    found.append((route, item.name))
            elif not getattr(item, "empty_means_absent", False):  # the outcomes' filters
                found += [
                    (route, name)
                    for name, field in item().fields.items()
                    if not getattr(field, "allow_blank", False)
                ]
    return found


def test_every_list_filter_and_page_is_covered_by_the_refusals_above():
    covered = {(route, name) for route, name in _needing_a_value()}
    assert ("api/episodes/", "page") in covered and ("api/users/", "role") in covered
    assert len(covered) >= 4


@pytest.mark.parametrize(("route", "name"), _needing_a_value())
def test_every_get_refuses_an_empty_value_where_it_needs_one(route, name, as_admin, episode):
    assert name in query_names(dict(API_ROUTES)[route].query)

    response = as_admin.get(url_of(route, episode.id) + f"?{name}=")

    assert response.status_code == 400, (response.status_code, response.content)
    assert list(response.json()) == [name]


def test_a_page_is_a_whole_number_from_1_or_last_and_one_past_the_last_is_a_404(as_admin, episode):
    assert s.ok(as_admin.get("/api/episodes/?page=1"))["count"] == 1
    assert s.ok(as_admin.get("/api/episodes/?page=last"))["count"] == 1
    assert as_admin.get("/api/episodes/?page=2").status_code == 404
