"""An admin made in the app (on /users/ or through the API) can open the Django admin and change
the unit's settings there; the role taken away, the admin is closed to them again. Other roles
never reach it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tasks.models import UnitSettings
from tests.two_step import second_step

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-fine-password-42"
SETTINGS_URL = f"/admin/tasks/unitsettings/{1}/change/"


def _made_on_the_users_page(client, admin_user, role="admin", username="new-admin"):
    client.force_login(admin_user)
    response = client.post(
        "/users/",
        {
            "full_name": "Ada Newcome",
            "email": "an@unit.example",
            "username": username,
            "password": PASSWORD,
            "role": role,
        },
    )
    assert response.status_code == 302
    return User.objects.get(username=username)


def _signed_in(username) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    second_step(client, User.objects.get(username=username))  # admins: their code (issue 21)
    return client


def _settings_form(page) -> dict:
    form = page.context["adminform"].form
    return {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }


def test_an_admin_made_on_the_users_page_changes_the_unit_settings_in_the_admin(client, admin_user):
    UnitSettings.current()
    _made_on_the_users_page(client, admin_user)
    new_admin = _signed_in("new-admin")

    page = new_admin.get(SETTINGS_URL)
    assert page.status_code == 200
    assert b'name="_save"' in page.content
    saved = new_admin.post(SETTINGS_URL, {**_settings_form(page), "digest_hour": 7})

    assert saved.status_code == 302
    assert UnitSettings.current().digest_hour == 7
    assert new_admin.get("/admin/tasks/schedulerule/").status_code == 200


def test_an_admin_made_through_the_api_opens_the_unit_settings(as_admin):
    UnitSettings.current()
    body = {
        "username": "api-admin",
        "password": PASSWORD,
        "role": "admin",
        "email": "aa@unit.example",
        "full_name": "Api Admin",
    }
    assert as_admin.post("/api/users/", body, format="json").status_code == 201

    assert _signed_in("api-admin").get(SETTINGS_URL).status_code == 200


def test_an_admin_given_the_role_later_opens_them_and_loses_them_with_the_role(client, admin_user):
    UnitSettings.current()
    user = _made_on_the_users_page(client, admin_user, role="nurse", username="nina-later")
    assert not user.is_staff

    client.post(f"/users/{user.id}/role/", {"role": "admin"})
    assert _signed_in("nina-later").get(SETTINGS_URL).status_code == 200

    client.post(f"/users/{user.id}/role/", {"role": "coordinator"})
    user.refresh_from_db()
    assert not user.is_staff
    closed = _signed_in("nina-later").get(SETTINGS_URL)
    assert closed.status_code == 302 and "/admin/login/" in closed["Location"]


@pytest.mark.parametrize("role", ["nurse", "coordinator"])
def test_other_roles_made_in_the_app_do_not_reach_the_admin(client, admin_user, role):
    _made_on_the_users_page(client, admin_user, role=role, username=f"new-{role}")

    response = _signed_in(f"new-{role}").get(SETTINGS_URL)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_superuser_demoted_on_the_users_page_keeps_the_admin(client, admin_user):
    root = User.objects.create_user(
        "root-2", "r@unit.example", PASSWORD, is_staff=True, is_superuser=True
    )
    client.force_login(admin_user)

    client.post(f"/users/{root.id}/role/", {"role": "nurse"})

    root.refresh_from_db()
    assert root.is_staff  # a superuser counts as an admin whatever the groups
