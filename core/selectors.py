"""Reads of the core app: the people an episode can be assigned to, the users page, and
whether a failed sign-in was a deactivated account's."""

from __future__ import annotations

from dataclasses import dataclass, field

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from core import roles
from core.errors import InvalidInput

DEACTIVATED = "This account is deactivated, so it cannot sign in. Ask an admin to reactivate it."
ROLE_WORDS: dict[str | None, str] = {
    roles.NURSE: "Nurse",
    roles.COORDINATOR: "Coordinator",
    roles.ADMIN: "Admin",
}
# Alerts go to every role by email (nurses and coordinators their own, admins the unrouted
# ones and urgent results left unseen): without an address they never hear of them.
ALERTED = roles.ROLES


def user_list_active(*, actor, role: str | None = None) -> list[dict]:
    """The active users holding a role (or `role`), by username, each with that role: whom a
    coordinator or an admin may assign to an episode (contract: GET /api/users/)."""
    roles.require(actor, roles.RUN_TRANSITIONS, "see whom episodes can be assigned to")
    if role is not None and role not in roles.ROLES:
        raise InvalidInput({"role": f"Unknown role. Known: {', '.join(roles.ROLES)}."})
    wanted = [role] if role is not None else roles.ROLES
    held = Case(*(When(id__in=roles.users_in_role(r).values("id"), then=Value(r)) for r in wanted))
    users = get_user_model().objects.annotate(held=held).filter(held__isnull=False)
    return [
        {
            "id": user.id,
            "username": user.username,
            "full_name": user.get_full_name(),
            "role": user.held,
        }
        for user in users.order_by("username")
    ]


@dataclass
class Person:
    user: object
    role: str | None
    role_word: str
    me: bool
    locked: bool = False  # locked out of signing in (django-axes), from some address
    two_step: str = "off"  # "on" (authenticator set up), "off", or "missing" (required, off)
    last_reset: object = None  # the latest reset of their two-step sign-in (who, when)


@dataclass
class People:
    active: list[Person] = field(default_factory=list)
    inactive: list[Person] = field(default_factory=list)
    # Active users in a role with no email: their alerts reach nobody.
    without_email: list[Person] = field(default_factory=list)


def user_people(*, actor) -> People:
    """The users page: who can sign in, who is deactivated (apart), and whom alerts cannot
    reach for want of an email, who is locked out of signing in, and whose two-step sign-in is
    on; by username, in one query, one for the groups, one for the lockouts and three for the
    two-step sign-ins (authenticators, resets, the unit's setting)."""
    from core.models import SecondFactorReset, SignInSettings
    from core.second_factor.rules import users_with_authenticator

    roles.require(actor, roles.MANAGE_USERS, "see users")
    people = People()
    locked = usernames_locked_out()
    users = list(get_user_model().objects.prefetch_related("groups").order_by("username"))
    with_authenticator = users_with_authenticator([u.pk for u in users])
    everyone = SignInSettings.current().second_factor_for_everyone
    resets: dict[int, SecondFactorReset] = {}
    for reset in SecondFactorReset.objects.select_related("reset_by").order_by("-reset_at"):
        resets.setdefault(reset.user_id, reset)
    for user in users:
        role = roles.role_of(user)
        required = role == roles.ADMIN or everyone  # as rules.second_factor_required
        person = Person(
            user,
            role,
            ROLE_WORDS.get(role, "None"),
            user.pk == actor.pk,
            locked=user.username in locked,
            two_step="on" if user.pk in with_authenticator else "missing" if required else "off",
            last_reset=resets.get(user.pk),
        )
        (people.active if user.is_active else people.inactive).append(person)
        if user.is_active and role in ALERTED and not user.email.strip():
            people.without_email.append(person)
    return people


def users_without_email() -> list:
    """The active users holding a role (a superuser counts as admin) who have no email
    address, by username: the alerts sent to them reach nobody by email. One query."""
    users = get_user_model().objects.filter(is_active=True, email="")
    users = users.filter(Q(is_superuser=True) | Q(groups__name__in=roles.ROLES)).distinct()
    return list(users.only("username", "first_name", "last_name").order_by("username"))


def usernames_locked_out() -> set[str]:
    """The usernames django-axes refuses now from at least one address: as many failures as
    AXES_FAILURE_LIMIT, the last within the cool-off (its database handler's rule)."""
    since = timezone.now() - get_cool_off()
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )
    return set(attempts.values_list("username", flat=True))


def account_deactivated(*, username: str, password: str) -> bool:
    """Whether a refused sign-in was a deactivated account's with its right password: only
    then is the user told the account is deactivated (a wrong password tells nothing of the
    account, deactivated or not)."""
    if not username or not password:
        return False
    user = get_user_model().objects.filter(username=username, is_active=False).first()
    return user is not None and user.check_password(password)


def idle_seconds() -> int:
    """How long a web sign-in may stay idle before it ends, in seconds (0: no limit)."""
    from core.models import SignInSettings

    return SignInSettings.current().idle_minutes * 60
