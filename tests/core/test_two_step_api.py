"""Two-step sign-in and API tokens (issue 21): POST /api/auth/token/ wants `otp` too from an
account that signs in in two steps (admins always; whoever set it up; everyone when the unit
says so); nurses and coordinators without it get their token as the contract always said."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.models import SignInSettings
from tests.conftest import client_for
from tests.two_step import authenticator, code_now

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


@pytest.fixture
def clock():
    start = timezone.make_aware(dt.datetime(2024, 3, 4, 9, 0))
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def token(user, **extra):
    sent = {"username": user.username, "password": PASSWORD, **extra}
    return client_for(None).post("/api/auth/token/", sent, format="json")


def test_nurses_and_coordinators_without_it_sign_in_as_the_contract_says(nurse, coordinator):
    for user in (nurse, coordinator):
        response = token(user)
        assert response.status_code == 200 and response.json()["token"]


def test_an_admin_without_the_code_is_told_to_send_it(admin_user, clock):
    authenticator(admin_user)

    response = token(admin_user)

    assert response.status_code == 400
    assert "send `otp`" in response.json()["otp"][0]
    assert "token" not in response.json()


def test_an_admin_with_the_code_gets_a_token(admin_user, clock):
    device = authenticator(admin_user)

    response = token(admin_user, otp=code_now(device))

    assert response.status_code == 200
    api = client_for(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/users/").status_code == 200


def test_a_code_is_good_once(admin_user, clock):
    code = code_now(authenticator(admin_user))
    assert token(admin_user, otp=code).status_code == 200

    clock.shift(dt.timedelta(seconds=3))  # past django-otp's pause after a wrong code
    response = token(admin_user, otp=code)

    assert response.status_code == 400 and "That code is not right" in response.json()["otp"][0]


def test_an_admin_who_never_set_it_up_is_sent_to_the_web(admin_user):
    response = token(admin_user, otp="123456")

    assert response.status_code == 403
    assert "sign in on the web once to set it up" in response.json()["detail"]


def test_wrong_codes_count_towards_the_lockout(admin_user, clock):
    device = authenticator(admin_user)
    for n in range(2):
        clock.shift(dt.timedelta(seconds=10))
        assert token(admin_user, otp=f"00000{n}").status_code == 400
    clock.shift(dt.timedelta(seconds=10))
    assert token(admin_user, otp="000009").status_code == 403  # the limit is reached

    clock.shift(dt.timedelta(seconds=10))
    response = token(admin_user, otp=code_now(device))

    assert response.status_code == 403
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_a_recovery_code_gets_a_token_once(nurse, client, clock):
    from core.second_factor.services import enrolment_confirm, enrolment_start

    device = enrolment_start(user=nurse)
    _, codes = enrolment_confirm(user=nurse, code=code_now(device))

    assert token(nurse).status_code == 400  # she set it up: her tokens want a code too
    assert token(nurse, otp=codes[3]).status_code == 200
    clock.shift(dt.timedelta(seconds=3))
    assert token(nurse, otp=codes[3]).status_code == 400


def test_the_unit_setting_asks_everyone_for_the_code(nurse, clock):
    SignInSettings.objects.update_or_create(pk=1, defaults={"second_factor_for_everyone": True})

    assert token(nurse).status_code == 403  # not set up yet: on the web first
    assert token(nurse, otp=code_now(authenticator(nurse))).status_code == 200
