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
