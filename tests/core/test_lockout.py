"""Failed sign-ins lock out a username from one client address, behind the proxy too: the
address is read from X-Forwarded-For past the trusted proxies, so one stranger's guesses do not
lock the username out for the whole ward. A locked-out user is told so in words, and an admin
unlocks them on the users page."""

import pytest
from django.test import Client, RequestFactory

from core.signin import client_address
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
PROXY = "10.0.0.1"
WARD, STRANGER = "198.51.100.7", "203.0.113.5"


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _page(username, password, forwarded=None, remote=PROXY):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(
        "/accounts/login/", {"username": username, "password": password}, **headers
    )


def _token(username, password, forwarded=None, remote=PROXY):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_for(None).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **headers
    )


def test_behind_the_proxy_a_strangers_guesses_lock_out_only_the_strangers_address(
    behind_one_proxy, nurse
):
    for _ in range(3):
        _page(nurse.username, "guess", forwarded=STRANGER)

    assert _page(nurse.username, PASSWORD, forwarded=STRANGER).status_code == 429
    assert _page(nurse.username, PASSWORD, forwarded=WARD).status_code == 302  # she signs in


def test_behind_the_proxy_the_token_endpoint_locks_out_only_the_strangers_address(
    behind_one_proxy, nurse
):
    for _ in range(3):
        _token(nurse.username, "guess", forwarded=STRANGER)

    assert _token(nurse.username, PASSWORD, forwarded=STRANGER).status_code == 403
    assert _token(nurse.username, PASSWORD, forwarded=WARD).status_code == 200


def test_a_stranger_cannot_escape_the_lockout_by_sending_a_forwarded_header_of_his_own(
    behind_one_proxy, nurse
):
    """The proxy appends the address it was reached from: what the client wrote before it is
    its own claim and is not believed."""
    for n in range(3):
        _page(nurse.username, "guess", forwarded=f"192.0.2.{n}, {STRANGER}")

    response = _page(nurse.username, PASSWORD, forwarded=f"192.0.2.99, {STRANGER}")
    assert response.status_code == 429


def test_with_no_trusted_proxy_the_forwarded_header_is_ignored(nurse):
    """Reached directly (TRUSTED_PROXY_COUNT 0, the default), anyone could write the header:
    only the connection's address counts."""
    for n in range(3):
        _page(nurse.username, "guess", forwarded=f"192.0.2.{n}", remote=STRANGER)

    assert (
        _page(nurse.username, PASSWORD, forwarded="192.0.2.50", remote=STRANGER).status_code == 429
    )
    assert _page(nurse.username, PASSWORD, remote=WARD).status_code == 302


def test_one_usernames_lockout_leaves_the_others_on_the_same_address(
    behind_one_proxy, nurse, coordinator
):
    for _ in range(3):
        _page(nurse.username, "guess", forwarded=WARD)

    assert _page(coordinator.username, PASSWORD, forwarded=WARD).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", PROXY),
        (1, "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (2, "192.0.2.1, 203.0.113.5, 10.1.1.1", "203.0.113.5"),
        (2, "203.0.113.5", PROXY),  # shorter than the proxies: the nearest one, never looser
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_past_the_trusted_proxies(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


# --- told in words, and unlocked by an admin ---------------------------------------------------
def test_a_locked_out_user_is_told_why_for_how_long_and_whom_to_ask(nurse):
    for _ in range(3):
        _page(nurse.username, "guess")

    page = _page(nurse.username, PASSWORD)
    api = _token(nurse.username, PASSWORD)

    html = page.content.decode()
    assert page.status_code == 429
    assert "Too many failed sign-ins" in html and "15 minutes" in html
    assert "ask an admin to unlock the account" in html
    assert api.status_code == 403
    detail = api.json()["detail"]
    assert "Too many failed sign-ins" in detail and "15 minutes" in detail
    assert set(api.json()) == {"detail"}


def test_an_admin_sees_who_is_locked_out_and_unlocks_them(client, admin_user, nurse, coordinator):
    for _ in range(3):
        _page(nurse.username, "guess", remote=STRANGER)
    client.force_login(admin_user)

    people = {p.user.username: p for p in client.get("/users/").context["people"].active}
    assert people[nurse.username].locked and not people[coordinator.username].locked
    html = client.get("/users/").content.decode()
    assert f"/users/{nurse.id}/unlock/" in html
    assert f"/users/{coordinator.id}/unlock/" not in html  # only for a lockout
    assert "Locked out: too many failed sign-ins" in html

    response = client.post(f"/users/{nurse.id}/unlock/", follow=True)

    assert f"{nurse.username} is unlocked" in response.content.decode()
    assert _page(nurse.username, PASSWORD, remote=STRANGER).status_code == 302
    assert not any(p.locked for p in response.context["people"].active)


def test_failures_under_the_limit_show_no_lockout(client, admin_user, nurse):
    for _ in range(2):
        _page(nurse.username, "guess")
    client.force_login(admin_user)

    assert f"/users/{nurse.id}/unlock/" not in client.get("/users/").content.decode()


@pytest.mark.parametrize("role", ["nurse", "coordinator"])
def test_only_admins_unlock(client, request, role, admin_user):
    client.force_login(request.getfixturevalue(role))
    assert client.post(f"/users/{admin_user.id}/unlock/").status_code == 403
