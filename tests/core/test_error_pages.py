"""A page that cannot do what was asked answers with a page in words and its status, never a
debug page or a 500; the API keeps answering in JSON."""

import pytest
from django.test import Client, RequestFactory

from core.errors import Conflict
from core.web import DomainErrorPages

pytestmark = pytest.mark.django_db


def test_an_episode_that_does_not_exist_is_the_404_page(coordinator):
    client = Client()
    client.force_login(coordinator)
    response = client.get("/episodes/999999/")
    assert response.status_code == 404
    assert b"Not found" in response.content and b"Traceback" not in response.content


def test_a_refused_action_on_a_page_is_the_409_page_with_the_reason(coordinator):
    request = RequestFactory().post("/episodes/1/record/postop/")
    request.user = coordinator
    middleware = DomainErrorPages(lambda r: None)
    response = middleware.process_exception(
        request, Conflict("The episode is closed ('withdrawn'); its records cannot change.")
    )
    assert response.status_code == 409
    assert b"This cannot be done now" in response.content
    assert b"its records cannot change" in response.content


def test_the_api_keeps_its_json_errors(as_coordinator):
    response = as_coordinator.get("/api/episodes/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such episode."}
