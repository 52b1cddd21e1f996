"""Staff look things up in the Django admin; nothing there edits the pathway or its history."""

import pytest
from django.contrib.auth import get_user_model

from pathway.codes import State
from tests.factories import UserFactory, episode_in

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "page",
    [
        "/admin/patients/patient/",
        "/admin/pathway/episode/",
        "/admin/pathway/transition/",
        "/admin/tasks/followup/",
        "/admin/tasks/alert/",
        "/admin/tasks/schedulerule/",
    ],
)
def test_staff_can_look_up_patients_episodes_history_and_follow_ups(
    staff_client, coordinator, page
):
    episode_in(State.SURVEILLANCE, coordinator)
    assert staff_client.get(page).status_code == 200


def test_the_admin_offers_no_way_to_edit_or_delete_the_history(staff_client, coordinator):
    episode = episode_in(State.IMAGING, coordinator)
    row = episode.history.order_by("id").last()

    page = staff_client.get(f"/admin/pathway/transition/{row.id}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert staff_client.get(f"/admin/pathway/transition/{row.id}/delete/").status_code == 403
    assert staff_client.get("/admin/pathway/transition/add/").status_code == 403
    staff_client.post(f"/admin/pathway/transition/{row.id}/change/", {"reason": "edited"})
    row.refresh_from_db()
    assert row.reason == ""


def test_the_episode_page_shows_its_history_read_only(staff_client, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    page = staff_client.get(f"/admin/pathway/episode/{episode.id}/change/")
    assert page.status_code == 200
    assert b"refer_to_mdt" in page.content
    assert b'name="_save"' not in page.content


ADDED = {
    "username": "new-nurse",
    "usable_password": "true",
    "password1": "a-long-fine-password",
    "password2": "a-long-fine-password",
}


def test_a_user_created_in_the_admin_needs_an_email_as_on_the_users_page(staff_client):
    refused = staff_client.post("/admin/auth/user/add/", ADDED)

    assert refused.status_code == 200
    assert "email" in refused.context["adminform"].form.errors
    assert not User.objects.filter(username="new-nurse").exists()

    created = staff_client.post("/admin/auth/user/add/", {**ADDED, "email": "nn@unit.example"})

    assert created.status_code == 302
    assert User.objects.get(username="new-nurse").email == "nn@unit.example"


def test_a_users_email_cannot_be_emptied_in_the_admin(staff_client, nurse):
    page = staff_client.get(f"/admin/auth/user/{nurse.id}/change/")

    assert page.context["adminform"].form.fields["email"].required
