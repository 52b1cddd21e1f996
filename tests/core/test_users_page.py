"""The admins' users page: create a user in a role with a name and an email (weak passwords
refused inline), change a role, deactivate and reactivate; deactivated accounts listed apart;
a warning for every active nurse or coordinator whom alerts cannot reach for want of an email;
nobody else may open it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from tests.factories import UserFactory
from tests.tasks.support import user_in

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def signed_in(client, admin_user):
    admin_user.email = "ada@unit.example"  # admins are alerted too: one without is warned of
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_an_admin_sees_users_with_role_and_active_flag(signed_in, nurse, coordinator):
    response = signed_in.get("/users/")

    assert response.status_code == 200
    people = {p.user.username: p for p in response.context["people"].active}
    assert people["nurse-1"].role_word == "Nurse"
    assert people["coordinator-1"].role_word == "Coordinator"
    assert people["admin-1"].me is True
    html = response.content.decode()
    assert "Deactivate" in html and "csrfmiddlewaretoken" in html


NEW = {
    "full_name": "Nell Newton",
    "email": "nell@unit.example",
    "username": "newnurse",
    "password": "a-long-fine-password",
    "role": "nurse",
}


def test_an_admin_creates_a_user_in_a_role(signed_in):
    response = signed_in.post("/users/", NEW)

    assert response.status_code == 302
    user = User.objects.get(username="newnurse")
    assert roles.role_of(user) == roles.NURSE
    assert (user.get_full_name(), user.email) == ("Nell Newton", "nell@unit.example")
    assert user.check_password("a-long-fine-password")
    assert "newnurse can now sign in as a nurse." in signed_in.get("/users/").content.decode()


def test_a_weak_password_is_refused_inline(signed_in):
    response = signed_in.post("/users/", {**NEW, "username": "weak", "password": "password"})

    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_a_taken_username_is_refused_inline(signed_in, nurse):
    response = signed_in.post("/users/", {**NEW, "username": "NURSE-1"})

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
    people = signed_in.get("/users/").context["people"]
    assert user in [p.user for p in people.inactive]
    assert user not in [p.user for p in people.active]

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


@pytest.mark.parametrize("missing", ["full_name", "email"])
def test_a_name_and_an_email_are_required_on_the_page(signed_in, missing):
    response = signed_in.post("/users/", {**NEW, missing: ""})

    assert response.status_code == 400
    assert missing in response.context["form"].errors
    assert not User.objects.filter(username="newnurse").exists()


def test_a_password_like_an_accented_name_is_refused_inline(signed_in):
    zoe = {"username": "zoë.ångström", "full_name": "Zoë Ångström", "password": "zoe12345"}

    response = signed_in.post("/users/", {**NEW, **zoe})

    assert response.status_code == 400
    assert "too similar" in " ".join(response.context["form"].errors["password"])


def test_the_page_warns_of_nurses_and_coordinators_without_an_email(signed_in, admin_user):
    user_in("nurse", "nora")  # has an email
    UserFactory(username="no-mail-nurse").groups.add(Group.objects.get(name="nurse"))
    UserFactory(username="no-mail-coordinator").groups.add(Group.objects.get(name="coordinator"))
    gone = UserFactory(username="gone-nurse", is_active=False)
    gone.groups.add(Group.objects.get(name="nurse"))  # deactivated: gets no alerts anyway

    response = signed_in.get("/users/")

    warned = [p.user.username for p in response.context["people"].without_email]
    assert warned == ["no-mail-coordinator", "no-mail-nurse"]
    html = response.content.decode()
    assert "2 active people get no alert email" in html


def test_the_page_warns_of_admins_without_an_email_too(signed_in, admin_user):
    """Admins get the alerts nobody in the role could take, and urgent results left unseen."""
    admin_user.email = ""
    admin_user.save()
    other = UserFactory(username="no-mail-admin")
    other.groups.add(Group.objects.get(name="admin"))
    UserFactory(username="no-mail-root", is_superuser=True)  # a superuser counts as an admin
    UserFactory(username="no-role")  # holds no role: alerted by nobody

    response = signed_in.get("/users/")

    warned = [p.user.username for p in response.context["people"].without_email]
    assert warned == [admin_user.username, "no-mail-admin", "no-mail-root"]
    assert "every role is alerted by email" in response.content.decode()


def test_an_admin_gives_a_missing_email(signed_in):
    user = UserFactory(username="no-mail-nurse")
    user.groups.add(Group.objects.get(name="nurse"))

    response = signed_in.post(f"/users/{user.id}/email/", {"email": "nm@unit.example"}, follow=True)

    user.refresh_from_db()
    assert user.email == "nm@unit.example"
    assert "alerts now go to nm@unit.example" in response.content.decode()
    assert response.context["people"].without_email == []


def test_a_bad_email_is_refused_in_words(signed_in):
    user = UserFactory(username="no-mail-nurse")

    response = signed_in.post(f"/users/{user.id}/email/", {"email": "nope"}, follow=True)

    user.refresh_from_db()
    assert user.email == ""
    assert "Enter a valid email address." in response.content.decode()
