"""The three roles and the permissions each check names. Groups are created, with their
permissions, by core/migrations/0001_roles.py; a superuser counts as admin."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from core.errors import Forbidden

COORDINATOR = "coordinator"
NURSE = "nurse"
ADMIN = "admin"
ROLES = (COORDINATOR, NURSE, ADMIN)

MANAGE_PATIENTS = "patients.add_patient"
VIEW_PATIENTS = "patients.view_patient"
OPEN_EPISODES = "pathway.add_episode"
VIEW_EPISODES = "pathway.view_episode"
RECORD_PATHWAY_DATA = "pathway.record_pathway_data"
RUN_TRANSITIONS = "pathway.run_transition"
CORRECT_TRANSITIONS = "pathway.correct_transition"
VIEW_DASHBOARD = "pathway.view_dashboard"
MANAGE_USERS = "auth.add_user"
RECORD_RESULTS = "tasks.record_result"  # every role: results, visits, the inbox


# When a user is in several groups, the first of these is the role held.
PRECEDENCE = (ADMIN, COORDINATOR, NURSE)


def role_of(user: User | AnonymousUser) -> str | None:
    """The one role a user holds: admin for a superuser, else the first group of PRECEDENCE."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = {g.name for g in user.groups.all()}
    return next((r for r in PRECEDENCE if r in names), None)


def users_in_role(role: str) -> QuerySet:
    """The active users who hold `role` as role_of says, each once: a superuser counts as admin
    (and as nothing else), and a user in several groups holds only the first of PRECEDENCE."""
    users = get_user_model().objects.filter(is_active=True)
    if role == ADMIN:
        return users.filter(id__in=users.filter(Q(is_superuser=True) | Q(groups__name=ADMIN)))
    above = PRECEDENCE[: PRECEDENCE.index(role)]
    return users.filter(groups__name=role, is_superuser=False).exclude(groups__name__in=above)


def require(actor: User | AnonymousUser, perm: str, doing: str) -> None:
    """Raise Forbidden, saying what the role may not do, unless the actor holds `perm`."""
    if not actor.has_perm(perm):
        raise Forbidden(f"Your role may not {doing}.")
