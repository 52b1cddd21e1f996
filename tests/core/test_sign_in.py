"""Signing in: one page for every role, a home per role, and failed attempts throttled on the
page and on the token endpoint alike (django-axes)."""

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.two_step import second_step

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _token(client, username, password):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


HOMES = [("coordinator", "/episodes/"), ("nurse", "/inbox/"), ("admin", "/dashboard/")]


@pytest.mark.parametrize(("role", "home"), HOMES)
def test_each_role_signs_in_on_one_page_and_lands_on_its_own(role, home, request):
    user = request.getfixturevalue({"admin": "admin_user"}.get(role, role))
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    second_step(client, user)  # admins: a code from their authenticator app (issue 21)
    assert client.get("/", follow=False)["Location"] == home


def test_a_user_with_no_role_is_told_so_in_words():
    user = UserFactory(username="no-role")
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert b"no role" in response.content.lower()


def test_a_stranger_is_sent_to_sign_in():
    response = Client().get("/inbox/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_repeated_wrong_passwords_lock_the_sign_in_page_even_for_the_right_one(nurse):
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": nurse.username, "password": "guess"})
    response = client.post("/accounts/login/", {"username": nurse.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content


def test_repeated_wrong_passwords_lock_the_token_endpoint_even_for_the_right_one(nurse):
    client = client_for(None)
    for _ in range(2):
        assert _token(client, nurse.username, "guess").status_code == 400
    assert _token(client, nurse.username, "guess").status_code == 403  # the limit is reached
    response = _token(client, nurse.username, PASSWORD)
    assert response.status_code == 403
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_failures_under_the_limit_do_not_lock_anyone_out(nurse):
    client = client_for(None)
    for _ in range(2):
        _token(client, nurse.username, "guess")
    assert _token(client, nurse.username, PASSWORD).status_code == 200


def test_a_token_sign_in_clears_earlier_failures_as_the_page_does(nurse):
    """AXES_RESET_ON_SUCCESS holds for the API too: without it the next slip locked her out."""
    client = client_for(None)
    for _ in range(2):
        _token(client, nurse.username, "guess")
    assert _token(client, nurse.username, PASSWORD).status_code == 200

    assert _token(client, nurse.username, "guess").status_code == 400
    nurse.refresh_from_db()
    assert nurse.last_login is not None


def test_the_api_docs_are_served_by_the_app_itself(admin_user):
    client = Client()
    client.force_login(admin_user)
    html = client.get("/api/docs/").content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


# --- a deactivated account ------------------------------------------------------------------
def test_a_deactivated_user_is_told_the_account_is_deactivated(nurse):
    nurse.is_active = False
    nurse.save()

    response = Client().post("/accounts/login/", {"username": nurse.username, "password": PASSWORD})

    assert response.status_code == 200
    html = response.content.decode()
    assert "This account is deactivated" in html and "Ask an admin to reactivate it" in html
    assert "do not match" not in html


def test_a_wrong_password_says_only_that_it_does_not_match(nurse):
    gone = UserFactory(username="gone", is_active=False)

    for username in (nurse.username, gone.username):
        response = Client().post("/accounts/login/", {"username": username, "password": "x"})
        html = response.content.decode()
        assert "That username and password do not match." in html
        assert "deactivated" not in html
