"""API tokens end: after a shift, on sign-out, and when the password changes by any path."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from core.models import WebSession as Session  # settings.SESSION_ENGINE: core.sessions

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def sign_in(user, password=PASSWORD) -> APIClient:
    response = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def can_read(client) -> bool:
    return client.get("/api/patients/").status_code == 200


def test_a_token_is_stored_only_as_a_digest_and_says_when_it_ends(coordinator):
    response = APIClient().post(
        "/api/auth/token/", {"username": coordinator.username, "password": PASSWORD}, format="json"
    )
    token, stored = response.json()["token"], ApiToken.objects.get(user=coordinator)

    assert token not in (stored.digest, stored.token_key)
    assert response.json()["expiry"].startswith(stored.expiry.isoformat()[:16])


def test_a_token_ends_after_a_shift(coordinator):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = sign_in(coordinator)
        traveller.shift(dt.timedelta(hours=9, minutes=59))
        assert can_read(client)
        traveller.shift(dt.timedelta(minutes=2))
        response = client.get("/api/patients/")

    assert response.status_code == 401
    assert not ApiToken.objects.filter(user=coordinator).exists()


def test_signing_out_ends_that_token_and_not_the_one_on_another_device(coordinator):
    laptop, phone = sign_in(coordinator), sign_in(coordinator)

    assert laptop.post("/api/auth/logout/").status_code == 204

    assert laptop.get("/api/patients/").status_code == 401
    assert can_read(phone)


def test_signing_out_everywhere_ends_every_token_of_that_user_only(coordinator, nurse):
    laptop, phone, other = sign_in(coordinator), sign_in(coordinator), sign_in(nurse)

    assert laptop.post("/api/auth/logout-all/").status_code == 204

    assert not can_read(laptop) and not can_read(phone)
    assert other.get("/api/alerts/").status_code == 200


def test_a_password_change_ends_the_tokens_issued_before_it(coordinator):
    before = sign_in(coordinator)
    coordinator.set_password("another-long-password-9")
    coordinator.save()

    response = before.get("/api/patients/")
    assert response.status_code == 401
    assert "password changed" in response.json()["detail"]
    assert can_read(sign_in(coordinator, "another-long-password-9"))


def test_changepassword_from_the_command_line_ends_the_tokens_too(coordinator, monkeypatch):
    before = sign_in(coordinator)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: "a-new-long-password-7")
    call_command("changepassword", coordinator.username, verbosity=0)

    assert before.get("/api/patients/").status_code == 401


def test_an_admin_resetting_a_password_in_the_admin_ends_that_users_tokens(coordinator, client):
    from django.contrib.auth import get_user_model

    before = sign_in(coordinator)
    superuser = get_user_model().objects.create_superuser("root-admin", password="x-long-pw-123")
    client.force_login(superuser)
    response = client.post(
        f"/admin/auth/user/{coordinator.id}/password/",
        {
            "password1": "reset-by-admin-pw-44",
            "password2": "reset-by-admin-pw-44",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert before.get("/api/patients/").status_code == 401


def test_a_made_up_token_is_refused(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert anonymous.get("/api/patients/").status_code == 401


def test_signing_out_without_a_token_is_refused(anonymous):
    assert anonymous.post("/api/auth/logout/").status_code == 401


def test_rotating_the_secret_key_signs_no_api_client_out(coordinator, settings):
    """The old key in SECRET_KEY_FALLBACKS still vouches for the token, as it does for sessions,
    and the first use re-stamps it so dropping the fallback later ends nothing."""
    client = sign_in(coordinator)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "k" * 40

    assert can_read(client)
    settings.SECRET_KEY_FALLBACKS = []
    assert can_read(client)


def test_a_secret_key_dropped_without_a_fallback_ends_the_tokens(coordinator, settings):
    client = sign_in(coordinator)
    settings.SECRET_KEY = "a-rotated-secret-key-" + "k" * 40

    assert client.get("/api/patients/").status_code == 401
    assert not ApiToken.objects.filter(user=coordinator).exists()


def test_deactivating_a_user_on_the_users_page_ends_their_tokens(coordinator, admin_user):
    from core import services

    client = sign_in(coordinator)
    services.user_set_active(actor=admin_user, user_id=coordinator.id, active=False)

    assert client.get("/api/patients/").status_code == 401


def test_expired_tokens_and_sessions_are_purged_each_night_and_live_ones_kept(
    coordinator, nurse, client
):
    from config.celery import app
    from core import jobs

    with time_machine.travel(timezone.now() - dt.timedelta(days=2), tick=False):
        sign_in(coordinator)  # its token ended after a shift, and nobody presented it again
        client.force_login(coordinator)  # and so did the session
    live = sign_in(nurse)
    Client().force_login(nurse)
    now = timezone.now()
    expired = Session.objects.filter(expire_date__lt=now).count()
    kept = set(Session.objects.filter(expire_date__gt=now).values_list("pk", flat=True))

    assert expired and kept
    assert jobs.purge_expired_credentials() == 1 + expired

    assert list(ApiToken.objects.values_list("user", flat=True)) == [nurse.id]
    assert set(Session.objects.values_list("pk", flat=True)) == kept and can_read(live)
    assert jobs.purge_expired_credentials() == 0  # a second run (beat redelivered) is harmless
    entry = app.conf.beat_schedule["purge-expired-credentials"]
    assert entry["task"] == jobs.purge_expired_credentials.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {15})
