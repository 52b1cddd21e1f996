"""Who must sign in in two steps, and what a sign-in still needs: read from the user's role,
the unit's setting and whether they have an authenticator set up."""

from __future__ import annotations

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import roles
from core.models import SignInSettings

NONE = "none"  # no second step: the password was enough
ENROL = "enrol"  # required, not set up yet: set it up before any page
CODE = "code"  # set up: a code before any page


def second_factor_required(user) -> bool:
    """Admins always (they create users, correct moves, change the unit's settings); every
    role when the unit says so."""
    if roles.role_of(user) == roles.ADMIN:
        return True
    return SignInSettings.current().second_factor_for_everyone


def authenticator_of(user) -> TOTPDevice | None:
    """The user's confirmed authenticator (one at most: confirming a new one drops the rest)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def second_step_need(user) -> str:
    """What this user's sign-in needs after the password: a code once they have an
    authenticator (set up by choice or not), setting one up when it is required, else none."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return CODE
    return ENROL if second_factor_required(user) else NONE


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device is not None else 0


def users_with_authenticator(user_ids) -> set[int]:
    """Of these users, those with an authenticator set up: one query (the users page)."""
    rows = TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True)
    return set(rows.values_list("user_id", flat=True))
