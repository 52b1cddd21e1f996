"""The three roles and the permissions each check names. Groups are created, with their
permissions, by core/migrations/0001_roles.py; a superuser counts as admin."""

from django.contrib.auth.models import AbstractBaseUser

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


def role_of(user: AbstractBaseUser) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = {g.name for g in user.groups.all()}
    return next((r for r in (ADMIN, COORDINATOR, NURSE) if r in names), None)


def require(actor: AbstractBaseUser, perm: str, doing: str) -> None:
    """Raise Forbidden, saying what the role may not do, unless the actor holds `perm`."""
    if not actor.has_perm(perm):
        raise Forbidden(f"Your role may not {doing}.")
