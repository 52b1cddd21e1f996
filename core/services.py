from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from core import roles
from core.errors import InvalidInput


def _names(full_name: str) -> tuple[str, str]:
    """A full name kept in Django's two fields so that get_full_name() gives it back whole:
    the first word, then the rest."""
    first, _, rest = " ".join(full_name.split()).partition(" ")
    return first, rest


def user_create(
    *, actor, username: str, password: str, role: str, email: str = "", full_name: str = ""
):
    """A user in one role, with a name (shown to colleagues) and an email (alerts are
    emailed): both required, for every role (contract: POST /api/users/). An admin is staff:
    the unit's settings are changed in the Django admin."""
    roles.require(actor, roles.MANAGE_USERS, "create users")
    problems = {}
    if role not in roles.ROLES:
        problems["role"] = f"Unknown role. Known: {', '.join(roles.ROLES)}."
    if not full_name.strip():
        problems["full_name"] = "Give the person's full name: colleagues see it."
    email = email.strip()
    if not email:
        problems["email"] = "Give an email address: alerts are emailed."
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = "Enter a valid email address."
    if problems:
        raise InvalidInput(problems)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput({"username": "That username is taken."})
    first_name, last_name = _names(full_name)
    if len(first_name) > 150 or len(last_name) > 150:
        raise InvalidInput({"full_name": "A full name is at most 150 characters a part."})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == roles.ADMIN,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": exc.messages}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.full_clean()
            user.save()
            user.groups.add(Group.objects.get(name=role))
    except IntegrityError:
        raise InvalidInput({"username": "That username is taken."}) from None
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict) from None
    return user


def _other_user(actor, user_id: int, doing: str):
    from core.errors import Conflict, NotFound

    roles.require(actor, roles.MANAGE_USERS, doing)
    user = get_user_model().objects.filter(id=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    if user.pk == actor.pk:
        raise Conflict("You may not change your own account here; ask another admin.")
    return user


def user_set_role(*, actor, user_id: int, role: str):
    """Give a user exactly one role (group). A superuser stays an admin whatever the groups.
    An admin is staff (they may open the Django admin, where the unit's settings are changed,
    as far as the admin group's permissions go); the role taken away, so is that. Made an
    admin, their web sign-ins end: admins sign in in two steps."""
    if role not in roles.ROLES:
        raise InvalidInput({"role": f"Unknown role. Known: {', '.join(roles.ROLES)}."})
    from core.tokens import sessions_end_all

    with transaction.atomic():
        user = _other_user(actor, user_id, "change roles")
        if role == roles.ADMIN and roles.role_of(user) != roles.ADMIN:
            # Admins sign in in two steps (core/second_factor/): a web sign-in made with the
            # password alone ends, and the next one asks for the code.
            sessions_end_all(user=user)
        user.groups.remove(*Group.objects.filter(name__in=roles.ROLES).exclude(name=role))
        user.groups.add(Group.objects.get(name=role))
        staff = role == roles.ADMIN
        if user.is_staff != staff and not user.is_superuser:  # a superuser's is theirs
            user.is_staff = staff
            user.save(update_fields=["is_staff"])
    return user


def user_set_active(*, actor, user_id: int, active: bool):
    """Deactivate (the user can no longer sign in, and gets no alerts) or reactivate a user."""
    with transaction.atomic():
        user = _other_user(actor, user_id, "deactivate users")
        if user.is_active != active:
            user.is_active = active
            user.save(update_fields=["is_active"])
    return user


def user_set_email(*, actor, user_id: int, email: str):
    """Give a user the address their alerts are emailed to."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput({"email": "Enter a valid email address."}) from None
    with transaction.atomic():
        user = _other_user(actor, user_id, "change email addresses")
        user.email = email
        user.save(update_fields=["email"])
    return user


def user_unlock(*, actor, user_id: int):
    """Lift a lockout (too many failed sign-ins): the user's failed attempts are forgotten,
    from every address, so they can sign in at once. Returns the user and how many
    username-and-address pairs were cleared."""
    from core.errors import NotFound

    roles.require(actor, roles.MANAGE_USERS, "unlock users")
    user = get_user_model().objects.filter(id=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    return user, axes_reset(username=user.username)
