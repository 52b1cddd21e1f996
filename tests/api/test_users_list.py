"""GET /api/users/?role=: the people a coordinator or an admin can assign to an episode."""

import pytest

from tests.api import support as s
from tests.tasks.support import user_in

pytestmark = pytest.mark.django_db


def test_a_coordinator_lists_the_active_nurses_to_assign(coordinator, nurse, as_coordinator):
    user_in("nurse", "nurse-2", first_name="Mary", last_name="Seacole")
    user_in("nurse", "nurse-gone", is_active=False)

    rows = s.ok(as_coordinator.get("/api/users/?role=nurse"))

    assert rows == [
        {"id": nurse.id, "username": "nurse-1", "full_name": "", "role": "nurse"},
        {"id": rows[1]["id"], "username": "nurse-2", "full_name": "Mary Seacole", "role": "nurse"},
    ]


def test_without_a_role_filter_every_active_user_in_a_role_is_listed(
    coordinator, nurse, admin_user, as_admin
):
    from tests.factories import UserFactory

    UserFactory(username="visitor-1")  # in no role: nobody to assign
    rows = s.ok(as_admin.get("/api/users/"))
    assert [(r["username"], r["role"]) for r in rows] == [
        ("admin-1", "admin"),
        ("coordinator-1", "coordinator"),
        ("nurse-1", "nurse"),
    ]


def test_an_unknown_role_is_named(as_coordinator):
    assert s.names(as_coordinator.get("/api/users/?role=surgeon"), "role")


def test_a_nurse_may_not_list_users(as_nurse):
    response = as_nurse.get("/api/users/?role=nurse")
    assert response.status_code == 403
    assert "role" in response.json()["detail"]
