"""The admins' users page: create a user in a role (weak passwords refused inline), change a
role, deactivate and reactivate; nobody else may open it."""

import pytest
from django.contrib.auth import get_user_model

from core import roles
from tests.tasks.support import user_in

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def signed_in(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_admin_sees_users_with_role_and_active_flag(signed_in, nurse, coordinator):
    response = signed_in.get("/users/")

    assert response.status_code == 200
    people = {p["user"].username: p for p in response.context["people"]}
    assert people["nurse-1"]["role_word"] == "Nurse"
    assert people["coordinator-1"]["role_word"] == "Coordinator"
    assert people["admin-1"]["me"] is True
    html = response.content.decode()
    assert "Deactivate" in html and "csrfmiddlewaretoken" in html


def test_an_admin_creates_a_user_in_a_role(signed_in):
    response = signed_in.post(
        "/users/", {"username": "newnurse", "password": "a-long-fine-password", "role": "nurse"}
    )

    assert response.status_code == 302
    user = User.objects.get(username="newnurse")
    assert roles.role_of(user) == roles.NURSE
    assert user.check_password("a-long-fine-password")
    assert "newnurse can now sign in as a nurse." in signed_in.get("/users/").content.decode()


def test_a_weak_password_is_refused_inline(signed_in):
    response = signed_in.post(
        "/users/", {"username": "weak", "password": "password", "role": "nurse"}
    )

    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_a_taken_username_is_refused_inline(signed_in, nurse):
    response = signed_in.post(
        "/users/", {"username": "NURSE-1", "password": "a-long-fine-password", "role": "nurse"}
    )

    assert response.status_code == 400
    assert "That username is taken." in response.content.decode()


def test_an_admin_changes_a_role(signed_in):
    user = user_in("nurse", "nora")

    response = signed_in.post(f"/users/{user.id}/role/", {"role": "coordinator"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert [g.name for g in user.groups.all()] == ["coordinator"]


def test_an_admin_deactivates_and_reactivates_a_user(signed_in):
    user = user_in("nurse", "nora")

    signed_in.post(f"/users/{user.id}/active/", {"active": "0"})
    user.refresh_from_db()
    assert user.is_active is False
    assert "Inactive" in signed_in.get("/users/").content.decode()

    signed_in.post(f"/users/{user.id}/active/", {"active": "1"})
    user.refresh_from_db()
    assert user.is_active is True


def test_an_admin_may_not_deactivate_herself(signed_in, admin_user):
    response = signed_in.post(f"/users/{admin_user.id}/active/", {"active": "0"}, follow=True)

    admin_user.refresh_from_db()
    assert admin_user.is_active is True
    assert "You may not change your own account here" in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_others_get_403(client, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)

    assert client.get("/users/").status_code == 403
    assert (
        client.post("/users/", {"username": "x", "password": "y", "role": "admin"}).status_code
        == 403
    )
    assert client.post(f"/users/{user.id}/active/", {"active": "0"}).status_code == 403
    assert not User.objects.filter(username="x").exists()
