from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import roles
from core.errors import InvalidInput


def user_create(*, actor, username: str, password: str, role: str):
    roles.require(actor, roles.MANAGE_USERS, "create users")
    if role not in roles.ROLES:
        raise InvalidInput({"role": f"Unknown role. Known: {', '.join(roles.ROLES)}."})
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput({"username": "That username is taken."})
    user = User(username=username)
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


def user_list(*, actor) -> list:
    """Every user with their groups loaded (role_of reads them), by username."""
    roles.require(actor, roles.MANAGE_USERS, "see users")
    return list(get_user_model().objects.prefetch_related("groups").order_by("username"))


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
    """Give a user exactly one role (group). A superuser stays an admin whatever the groups."""
    if role not in roles.ROLES:
        raise InvalidInput({"role": f"Unknown role. Known: {', '.join(roles.ROLES)}."})
    with transaction.atomic():
        user = _other_user(actor, user_id, "change roles")
        user.groups.remove(*Group.objects.filter(name__in=roles.ROLES).exclude(name=role))
        user.groups.add(Group.objects.get(name=role))
    return user


def user_set_active(*, actor, user_id: int, active: bool):
    """Deactivate (the user can no longer sign in, and gets no alerts) or reactivate a user."""
    with transaction.atomic():
        user = _other_user(actor, user_id, "deactivate users")
        if user.is_active != active:
            user.is_active = active
            user.save(update_fields=["is_active"])
    return user
