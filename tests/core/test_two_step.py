"""Two-step sign-in on the pages (issue 21): after the password, admins set up an authenticator
app and then give its code before any page, the Django admin included; nurses and coordinators
may, and must when the unit says so; recovery codes work once and can be made anew; a wrong
code is refused in words and counts towards the lockout; an admin resets a lost phone."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import SecondFactorReset, SignInSettings, WebSession
from tests.factories import UserFactory
from tests.two_step import authenticator, code_now

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
START = timezone.make_aware(dt.datetime(2024, 3, 4, 9, 0))


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def password_given(user) -> Client:
    """Signed in with the password on the form, as a person does: the second step still owed."""
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def sent_to(response) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]


def enrolled(client, user) -> list[str]:
    """Set up on the set-up page; the recovery codes the page then shows once."""
    assert client.get("/accounts/two-step/enrol/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-step/enrol/", {"code": code_now(device)})
    assert sent_to(response).startswith("/accounts/two-step/manage/")
    return client.get("/accounts/two-step/manage/").context["new_codes"]


def test_an_admin_sets_up_the_app_before_any_page_or_the_django_admin(admin_user, clock):
    admin_user.is_staff = True
    admin_user.save()
    client = password_given(admin_user)

    for page in ("/dashboard/", "/users/", "/admin/", "/episodes/"):
        assert sent_to(client.get(page)).startswith("/accounts/two-step/enrol/?next=")
    api = client.get("/api/patients/")
    assert api.status_code == 403 and "Finish signing in first" in api.json()["detail"]

    page = client.get("/accounts/two-step/enrol/")
    assert "Set up two-step sign-in" in page.content.decode() and b"<svg" in page.content
    secret = page.context["secret"].replace(" ", "")
    assert secret and secret in page.context["uri"] and page.context["uri"].startswith("otpauth://")
    codes = enrolled(client, admin_user)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_when_setting_up_is_refused_in_words(admin_user, clock):
    client = password_given(admin_user)
    client.get("/accounts/two-step/enrol/")

    response = client.post("/accounts/two-step/enrol/", {"code": "12345"})

    assert response.status_code == 400
    assert "That code does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()
    assert sent_to(client.get("/dashboard/")).startswith("/accounts/two-step/enrol/")


def test_with_an_authenticator_the_code_is_asked_after_the_password(admin_user, clock):
    device = authenticator(admin_user)
    client = password_given(admin_user)
    assert sent_to(client.get("/dashboard/")) == "/accounts/two-step/?next=%2Fdashboard%2F"

    response = client.post("/accounts/two-step/", {"code": code_now(device), "next": "/users/"})

    assert sent_to(response) == "/users/"
    assert client.get("/users/").status_code == 200


def test_a_wrong_code_is_refused_in_words_and_counts_towards_the_lockout(admin_user, clock):
    authenticator(admin_user)
    client = password_given(admin_user)

    wrong = client.post("/accounts/two-step/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    hurried = client.post("/accounts/two-step/", {"code": "000001"})  # django-otp: wait first
    assert hurried.status_code == 400 and "wait a few seconds" in hurried.content.decode()

    clock.shift(dt.timedelta(seconds=5))
    locked = client.post("/accounts/two-step/", {"code": "000002"})  # the third failure

    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert not WebSession.objects.filter(user=admin_user).exists()  # signed out
    assert sent_to(client.get("/dashboard/")).startswith("/accounts/login/")
    again = Client().post(
        "/accounts/login/", {"username": admin_user.username, "password": PASSWORD}
    )
    assert again.status_code == 429  # locked out, the right password notwithstanding


def test_a_right_code_after_a_wrong_one_signs_in(admin_user, clock):
    device = authenticator(admin_user)
    client = password_given(admin_user)
    assert client.post("/accounts/two-step/", {"code": "000000"}).status_code == 400

    clock.shift(dt.timedelta(seconds=2))
    response = client.post("/accounts/two-step/", {"code": code_now(device)})

    assert sent_to(response) == "/"
    assert client.get("/dashboard/").status_code == 200


def test_a_nurse_may_skip_it_and_may_set_it_up(nurse, clock):
    client = password_given(nurse)
    assert client.get("/inbox/").status_code == 200
    page = client.get("/accounts/two-step/manage/").content.decode()
    assert "Your password alone signs you in" in page

    enrolled(client, nurse)
    assert client.get("/inbox/").status_code == 200  # this sign-in gave its code already
    clock.shift(dt.timedelta(minutes=1))
    later = password_given(nurse)
    assert sent_to(later.get("/inbox/")).startswith("/accounts/two-step/?next=")


def test_the_unit_setting_makes_nurses_and_coordinators_set_it_up(nurse, coordinator, clock):
    SignInSettings.objects.update_or_create(pk=1, defaults={"second_factor_for_everyone": True})

    for user, page in ((nurse, "/inbox/"), (coordinator, "/episodes/")):
        client = password_given(user)
        assert sent_to(client.get(page)).startswith("/accounts/two-step/enrol/")
        enrolled(client, user)
        assert client.get(page).status_code == 200


def test_a_recovery_code_works_once(nurse, clock):
    codes = enrolled(password_given(nurse), nurse)

    first = password_given(nurse)
    response = first.post("/accounts/two-step/", {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200 and "9 left" in response.content.decode()
    assert first.get("/inbox/").status_code == 200

    second = password_given(nurse)
    refused = second.post("/accounts/two-step/", {"code": codes[0]})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    assert sent_to(second.get("/inbox/")).startswith("/accounts/two-step/")


def test_new_recovery_codes_end_the_old_ones_and_are_shown_once(nurse, clock):
    client = password_given(nurse)
    old = enrolled(client, nurse)
    assert client.get("/accounts/two-step/manage/").context["new_codes"] is None  # shown once

    assert sent_to(client.post("/accounts/two-step/manage/")) == "/accounts/two-step/manage/"
    new = client.get("/accounts/two-step/manage/").context["new_codes"]

    assert len(new) == 10 and not set(new) & set(old)
    assert set(
        StaticToken.objects.filter(device__user=nurse).values_list("token", flat=True)
    ) == set(new)
    refused = password_given(nurse).post("/accounts/two-step/", {"code": old[1]})
    assert refused.status_code == 400


def test_an_admin_resets_a_lost_phone_and_it_is_recorded(client, admin_user, nurse, clock):
    enrolled(password_given(nurse), nurse)
    client.force_login(admin_user)
    assert b"Reset two-step sign-in" in client.get("/users/").content

    response = client.post(f"/users/{nurse.id}/two-step/reset/", follow=True)

    assert "two-step sign-in was reset" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert not StaticToken.objects.filter(device__user=nurse).exists()
    assert not WebSession.objects.filter(user=nurse).exists()  # her sign-ins ended
    reset = SecondFactorReset.objects.get(user=nurse)
    assert (reset.reset_by, reset.reset_at) == (admin_user, timezone.now())
    assert f"Reset by {admin_user.username}" in response.content.decode()
    assert password_given(nurse).get("/inbox/").status_code == 200  # optional for nurses


def test_an_admin_may_not_reset_their_own(client, admin_user, clock):
    client.force_login(admin_user)

    response = client.post(f"/users/{admin_user.id}/two-step/reset/", follow=True)

    assert "ask another admin" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()
    assert not SecondFactorReset.objects.exists()


def test_made_an_admin_a_user_signs_in_again_in_two_steps(client, admin_user, nurse, clock):
    nurse_client = password_given(nurse)
    client.force_login(admin_user)

    client.post(f"/users/{nurse.id}/role/", {"role": "admin"})

    assert sent_to(nurse_client.get("/inbox/")).startswith("/accounts/login/")
    again = password_given(nurse)
    assert sent_to(again.get("/dashboard/")).startswith("/accounts/two-step/enrol/")


def test_an_htmx_request_before_the_code_is_sent_to_the_code_page_whole(admin_user, clock):
    authenticator(admin_user)
    client = password_given(admin_user)

    response = client.get("/inbox/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/two-step/")


def test_the_users_page_says_whose_two_step_sign_in_is_on(client, admin_user, nurse):
    other_admin = UserFactory(username="admin-2")
    other_admin.groups.add(Group.objects.get(name="admin"))
    client.force_login(admin_user)  # with an authenticator (tests/conftest.py)

    people = client.get("/users/").context["people"].active

    steps = {p.user.username: p.two_step for p in people}
    assert steps == {"admin-1": "on", "admin-2": "missing", nurse.username: "off"}
