"""The worklist costs the same queries for 5 or 40 episodes. A module of its own: each cohort
is walked once for all the queries asked of it (tests/module_rows.py), which the other worklist
tests, counting the episodes they make, could not share."""

import pytest

from tests.conftest import _user
from tests.module_rows import rows_for_the_module
from tests.pathway.test_worklist_page import URL, _cohort, rows

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 16  # session, user, 2 permissions, groups (nav), counts, page count, rows,
# 4 prefetches (MDT decisions, imaging, procedure notes, history), follow-ups owed, and for
# those in surveillance, what finishing it depends on (urgent results, latest duplex, its
# failed stented segments)


@pytest.fixture(scope="module")
def n(request, django_db_setup, django_db_blocker, _app_role):
    """`request.param` episodes (_cohort), walked once per size; pytest runs the tests of one
    size together and rolls the cohort back before walking the next."""
    yield from rows_for_the_module(
        django_db_blocker, lambda: _cohort(_user("coordinator"), request.param) or request.param
    )


@pytest.fixture
def web(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.mark.parametrize("n", [5, 40], indirect=True)
@pytest.mark.parametrize("query", [{}, {"blocked": "on"}, {"state": "surveillance"}])
def test_the_worklist_costs_the_same_queries_for_5_or_40_episodes(
    web, coordinator, django_assert_max_num_queries, n, query
):
    web.post(URL, {"q": ""})

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = web.get(URL, query)

    assert response.status_code == 200
    assert rows(response)
