"""The outcomes page's query count does not grow with the episodes: a module of its own, as it
counts every episode it builds, where tests/outcomes/test_outcomes_page.py's tests share a cohort
made once for their module."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.outcomes.support import build

pytestmark = pytest.mark.django_db

URL = "/dashboard/outcomes/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_query_count_does_not_grow_with_the_episodes(
    admin_client, coordinator, nurse, django_assert_max_num_queries
):
    build(coordinator, nurse, 3)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(URL).status_code == 200
    build(coordinator, nurse, 12)
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(URL)
    assert response.context["figures"]["episodes"] == 15
