"""Reads of the core app: the people an episode can be assigned to."""

from django.contrib.auth import get_user_model

from core import roles
from core.errors import InvalidInput


def user_list_active(*, actor, role: str | None = None) -> list[dict]:
    """The active users holding a role (or `role`), by username, each with that role: whom a
    coordinator or an admin may assign to an episode (contract: GET /api/users/)."""
    roles.require(actor, roles.RUN_TRANSITIONS, "see whom episodes can be assigned to")
    if role is not None and role not in roles.ROLES:
        raise InvalidInput({"role": f"Unknown role. Known: {', '.join(roles.ROLES)}."})
    users = get_user_model().objects.filter(is_active=True).prefetch_related("groups")
    rows = []
    for user in users.order_by("username"):
        held = roles.role_of(user)
        if held is not None and role in (None, held):
            rows.append({"id": user.id, "username": user.username,
                         "full_name": user.get_full_name(), "role": held})  # fmt: skip
    return rows
