"""Who holds a role, written once (core.roles.users_in_role) and read by the assignment lists,
the assignment itself, the users API and alert routing: the active users whose role is that
one, a superuser counting as admin (contract: "a superuser counts as admin")."""

import pytest
from django.contrib.auth.models import Group

from core import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def user(username: str, *groups: str, **fields):
    made = UserFactory(username=username, **fields)
    made.groups.add(*Group.objects.filter(name__in=groups))
    return made


def usernames(role: str) -> list[str]:
    return sorted(roles.users_in_role(role).values_list("username", flat=True))


def test_each_role_holds_its_active_members_and_a_superuser_counts_as_admin_only():
    user("nina", roles.NURSE)
    user("carl", roles.COORDINATOR)
    user("ada", roles.ADMIN)
    user("root", roles.NURSE, is_superuser=True, is_staff=True)
    user("left", roles.NURSE, is_active=False)
    user("both", roles.NURSE, roles.COORDINATOR)

    assert usernames(roles.NURSE) == ["nina"]
    assert usernames(roles.COORDINATOR) == ["both", "carl"]
    assert usernames(roles.ADMIN) == ["ada", "root"]


def test_whom_a_role_holds_agrees_with_the_role_each_user_holds():
    people = [
        user("nina", roles.NURSE),
        user("root", roles.COORDINATOR, is_superuser=True, is_staff=True),
        user("both", roles.ADMIN, roles.NURSE),
        user("nobody"),
    ]

    for person in people:
        held = [r for r in roles.ROLES if roles.users_in_role(r).filter(id=person.id).exists()]
        assert held == ([roles.role_of(person)] if roles.role_of(person) else [])
