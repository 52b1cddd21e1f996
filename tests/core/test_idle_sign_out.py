"""A web sign-in left idle ends after the unit's setting (15 minutes by default), so a ward
tablet left signed in does not stay open to whoever picks it up; activity keeps it, the page
is told how long is left (its script warns a minute before), and API tokens are not web
sign-ins. "Sign out everywhere" ends the web sessions with the tokens."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import SignInSettings, WebSession
from tests.conftest import client_for
from tests.two_step import second_step

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
START = timezone.make_aware(dt.datetime(2024, 3, 4, 9, 0))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def later(clock, minutes: float):
    clock.shift(dt.timedelta(minutes=minutes))


def signed_in(user) -> Client:
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_web_sign_in_left_idle_for_15_minutes_ends_with_a_word_why(clock, nurse):
    client = signed_in(nurse)
    assert client.get("/inbox/").status_code == 200

    later(clock, 15.5)
    response = client.get("/inbox/")

    assert signed_out(response)
    page = client.get(response["Location"])
    assert "You were signed out after 15 minutes without activity" in page.content.decode()
    assert not WebSession.objects.filter(user=nurse).exists()


def test_activity_keeps_the_sign_in_open(clock, nurse):
    client = signed_in(nurse)
    for _ in range(8):  # two hours of work, a page every quarter of an hour less a minute
        later(clock, 14)
        assert client.get("/inbox/").status_code == 200


def test_a_sign_in_ends_just_after_the_limit_and_not_before(clock, nurse):
    client = signed_in(nurse)
    client.get("/inbox/")

    later(clock, 14.9)
    assert client.get("/inbox/").status_code == 200  # and that was activity
    later(clock, 15.2)
    assert signed_out(client.get("/inbox/"))


def test_the_limit_is_the_units_setting(clock, nurse):
    SignInSettings.objects.update_or_create(pk=1, defaults={"idle_minutes": 5})
    client = signed_in(nurse)
    client.get("/inbox/")

    later(clock, 6)

    assert signed_out(client.get("/inbox/"))


def test_no_limit_when_the_unit_sets_none(clock, nurse):
    SignInSettings.objects.update_or_create(pk=1, defaults={"idle_minutes": 0})
    client = signed_in(nurse)
    client.get("/inbox/")

    later(clock, 300)

    response = client.get("/inbox/")
    assert response.status_code == 200
    assert "data-idle-left" not in response.content.decode()


def test_the_page_tells_its_script_how_long_is_left(clock, nurse):
    client = signed_in(nurse)
    client.get("/inbox/")
    later(clock, 0.5)

    response = client.get("/inbox/")

    html = response.content.decode()
    assert 'data-idle-left="870"' in html  # 15 minutes from the last counted activity
    assert 'data-keep-alive="/accounts/keep-alive/"' in html
    assert response["Idle-Seconds-Left"] == "870"


def test_asking_how_long_is_left_is_no_activity_and_staying_signed_in_is(clock, nurse):
    client = signed_in(nurse)
    client.get("/inbox/")
    later(clock, 14)

    asked = client.get("/accounts/keep-alive/").json()
    assert asked == {"signed_in": True, "idle_seconds_left": 60}
    stayed = client.post("/accounts/keep-alive/").json()
    assert stayed == {"signed_in": True, "idle_seconds_left": 900}

    later(clock, 14)
    assert client.get("/inbox/").status_code == 200


def test_asking_after_the_end_says_signed_out(clock, nurse):
    client = signed_in(nurse)
    client.get("/inbox/")
    later(clock, 16)

    response = client.get("/accounts/keep-alive/")

    assert response.status_code == 401
    assert response.json() == {"signed_in": False, "login": "/accounts/login/"}


def test_the_session_is_written_at_most_once_a_minute(clock, nurse):
    client = signed_in(nurse)
    client.get("/inbox/")

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/inbox/").status_code == 200
        return sum(
            "core_websession" in q["sql"] and q["sql"].startswith("UPDATE")
            for q in queries.captured_queries
        )

    later(clock, 0.5)
    assert session_writes() == 0
    later(clock, 0.6)  # a minute and more since the last write
    assert session_writes() == 1


def test_an_api_token_is_not_ended_by_idleness(clock, nurse):
    api = client_for(nurse)
    assert api.get("/api/patients/").status_code == 200

    later(clock, 120)

    assert api.get("/api/patients/").status_code == 200


# --- sign out everywhere ------------------------------------------------------------------------
def test_signing_out_everywhere_ends_the_web_sessions_with_the_tokens(clock, nurse, coordinator):
    ward, office = signed_in(nurse), signed_in(nurse)
    colleague = signed_in(coordinator)
    laptop = client_for(nurse)

    assert laptop.post("/api/auth/logout-all/").status_code == 204

    assert signed_out(ward.get("/inbox/")) and signed_out(office.get("/inbox/"))
    assert laptop.get("/api/patients/").status_code == 401
    assert colleague.get("/inbox/").status_code == 200
    assert not WebSession.objects.filter(user=nurse).exists()


def test_signing_out_everywhere_from_a_web_sign_in_ends_that_one_too(clock, nurse):
    ward, office = signed_in(nurse), signed_in(nurse)

    # As an API client does with the browser's session: the API takes JSON only.
    response = office.post("/api/auth/logout-all/", content_type="application/json")

    assert response.status_code == 204
    assert signed_out(office.get("/inbox/")) and signed_out(ward.get("/inbox/"))


def test_each_web_session_names_its_user(clock, nurse, coordinator):
    signed_in(nurse), signed_in(coordinator)
    Client().get("/accounts/login/")  # a stranger's page view keeps no session

    assert sorted(WebSession.objects.values_list("user__username", flat=True)) == sorted(
        [nurse.username, coordinator.username]
    )


def test_a_sign_in_at_the_django_admin_ends_when_idle_too(clock, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    second_step(client, admin_user, "/admin/")  # admins: their code (issue 21)
    assert client.get("/admin/").status_code == 200

    later(clock, 16)

    assert client.get("/admin/").status_code == 302


def test_an_api_token_request_keeps_no_session(clock, nurse):
    api = client_for(nurse)

    assert api.get("/api/patients/").status_code == 200
    assert not WebSession.objects.exists()
