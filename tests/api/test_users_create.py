"""POST /api/users/ (contract, "Authentication and roles"): a name and an email for every
role (alerts are emailed), said in words when missing; a password like the person's name is
refused even when their name has accents; a deactivated account is told so at the token
endpoint, and only with its right password."""

import pytest
from django.contrib.auth import get_user_model

from tests.api import support as s
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.mark.parametrize("role", ["coordinator", "nurse", "admin"])
@pytest.mark.parametrize("missing", ["email", "full_name"])
def test_every_role_needs_a_name_and_an_email(as_admin, role, missing):
    body = s.user_body(role=role)
    del body[missing]

    response = as_admin.post("/api/users/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [missing]
    assert not User.objects.filter(username="new-staff").exists()


def test_a_blank_name_is_refused_in_words(as_admin):
    response = as_admin.post("/api/users/", s.user_body(full_name="  "), format="json")
    assert response.status_code == 400
    assert "full_name" in response.json()


def test_a_name_with_accents_is_kept_whole(as_admin):
    body = s.ok(
        as_admin.post("/api/users/", s.user_body(full_name="Zoë  de la Ångström"), format="json"),
        201,
    )
    assert body["full_name"] == "Zoë de la Ångström"
    assert s.ok(as_admin.get("/api/users/?role=nurse"))[0]["full_name"] == "Zoë de la Ångström"


@pytest.mark.parametrize(
    ("username", "full_name", "password"),
    [
        ("zoë.ångström", "Zoë Ångström", "zoe12345"),
        ("nurse-7", "Zoë Ångström", "ANGSTROM-2024"),
        ("søren", "Søren Kierkegaard", "Soren!!1987"),
    ],
)
def test_a_password_like_the_name_is_refused_whatever_the_accents(
    as_admin, username, full_name, password
):
    body = s.user_body(username=username, full_name=full_name, password=password)

    response = as_admin.post("/api/users/", body, format="json")

    assert response.status_code == 400
    assert "too similar" in " ".join(response.json()["password"])


def test_an_unrelated_password_is_still_accepted(as_admin):
    body = s.user_body(
        username="zoë.ångström", full_name="Zoë Ångström", password="vein-stent-Harbour-42"
    )
    assert as_admin.post("/api/users/", body, format="json").status_code == 201


# --- a deactivated account at the token endpoint ----------------------------------------------
PASSWORD = "a-long-test-password"


def _token(username, password):
    return client_for(None).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_a_deactivated_user_is_told_so_in_words(nurse):
    nurse.is_active = False
    nurse.save()

    response = _token(nurse.username, PASSWORD)

    assert response.status_code == 403
    assert "deactivated" in response.json()["detail"]
    assert "token" not in response.json()


def test_a_wrong_password_tells_nothing_of_the_account(nurse):
    gone = UserFactory(username="gone", is_active=False)

    for username in (nurse.username, gone.username, "nobody-at-all"):
        response = _token(username, "not-the-password")
        assert response.status_code == 400
        assert "deactivated" not in response.content.decode()
