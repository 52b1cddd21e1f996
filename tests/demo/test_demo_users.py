"""The logins `load_demo` prints meet the password rules the users page enforces, and work."""

import pytest
from django.contrib.auth import get_user_model, password_validation

from demo.cohort import demo_users_reset
from tests.two_step import authenticator, code_now, needs_second_step

pytestmark = pytest.mark.django_db


def test_each_printed_demo_login_passes_the_password_rules_and_gets_a_token(anonymous):
    passwords = demo_users_reset()

    assert len(passwords) == 3
    for username, password in passwords.items():
        user = get_user_model().objects.get(username=username)
        password_validation.validate_password(password, user)  # raises naming the rule broken
        sent = {"username": username, "password": password}
        if needs_second_step(user):  # demo-admin, once their authenticator app is set up
            sent["otp"] = code_now(authenticator(user))
        response = anonymous.post("/api/auth/token/", sent, format="json")
        assert response.status_code == 200, response.content


def test_a_drawn_password_the_rules_refuse_is_drawn_again(monkeypatch):
    """A random password is now and then "too similar to the username": the demo never prints
    one the sign-in rules would refuse."""
    drawn = iter(["demo-nurse", "x7Qm2-Lp9Zt4Rw8K"])
    monkeypatch.setattr("demo.cohort.secrets.token_urlsafe", lambda n: next(drawn))
    monkeypatch.setattr("demo.cohort.ROLES", ["nurse"])

    passwords = demo_users_reset()

    assert passwords == {"demo-nurse": "x7Qm2-Lp9Zt4Rw8K"}
