"""Two-step sign-in's writes: setting up an authenticator, checking a code, recovery codes,
and an admin's reset. A wrong code counts as a failed sign-in for django-axes (the same
lockout as wrong passwords: AXES_FAILURE_LIMIT per username and address), and django-otp's
own throttle slows guessing further, per authenticator, whatever the address."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from core.models import SecondFactorReset
from core.second_factor.rules import authenticator_of

RECOVERY_CODES = 10
TOTP_SHAPE = re.compile(r"\d{6}")
WRONG_CODE = (
    "That code is not right. Type the 6 digits your authenticator app shows now, or one of "
    "your recovery codes."
)
WAIT = "Too many wrong codes in a row: wait a few seconds, then type the newest code."
WRONG_SETUP = (
    "That code does not match. Check the app shows the account you just added, and type the "
    "6 digits it shows now."
)
ALREADY_SET_UP = "Two-step sign-in is already set up for this account."
NOT_SET_UP = "Two-step sign-in is not set up for this account yet."


def code_cleaned(code: str) -> str:
    """Spaces and dashes dropped, lower case: `123 456`, `ABCD-EFGH` are typed as shown."""
    return re.sub(r"[\s-]", "", code or "").lower()[:32]


def enrolment_start(*, user) -> TOTPDevice:
    """The authenticator being set up: the same secret until it is confirmed, so a reload of
    the page shows the QR code already scanned."""
    if authenticator_of(user) is not None:
        raise Conflict(ALREADY_SET_UP)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def enrolment_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """The first code from the app proves it holds the secret: the authenticator is set up,
    and ten recovery codes are made (shown once)."""
    with transaction.atomic():
        if authenticator_of(user) is not None:
            raise Conflict(ALREADY_SET_UP)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            raise Conflict("Open the set-up page again: it shows the code to scan.")
        if not device.verify_token(code_cleaned(code)):
            raise InvalidInput({"code": WRONG_SETUP})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        return device, _recovery_codes_made(user)


def recovery_codes_regenerate(*, user) -> list[str]:
    """Ten new recovery codes; the old ones stop working at once."""
    with transaction.atomic():
        if authenticator_of(user) is None:
            raise Conflict(NOT_SET_UP)
        return _recovery_codes_made(user)


def _recovery_codes_made(user) -> list[str]:
    """New codes on the same device: a sign-in made with a recovery code stays signed in."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in sorted(codes))
    return sorted(codes)


@dataclass(frozen=True)
class Checked:
    device: TOTPDevice | StaticDevice | None  # the one that took the code; None: refused
    recovery_left: int | None = None  # after a recovery code: how many are left
    wait: bool = False  # refused unread: too many wrong codes just now (django-otp's throttle)
    locked_out: bool = False  # that wrong code reached the lockout (django-axes)


def second_step_check(*, request, user, code: str) -> Checked:
    """A code after the password: six digits are the authenticator's, anything else is a
    recovery code (used up by this). A wrong one, or one sent while django-otp makes the user
    wait, is a failed sign-in (django-axes)."""
    code = code_cleaned(code)
    kind = TOTPDevice if TOTP_SHAPE.fullmatch(code) else StaticDevice
    wait = False
    with transaction.atomic():  # the row locked: two tabs cannot both use one code
        device = kind.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None:
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(code):
                left = device.token_set.count() if isinstance(device, StaticDevice) else None
                return Checked(device, recovery_left=left)
            wait = not allowed
    user_login_failed.send(
        sender=__name__, credentials={"username": user.username}, request=request
    )
    return Checked(None, wait=wait, locked_out=bool(getattr(request, "axes_locked_out", False)))


def second_factor_reset(*, actor, user_id: int):
    """A lost phone: another admin deletes the user's authenticator and recovery codes, ends
    their web sign-ins and API tokens, and the reset is recorded. They sign in with their
    password again and set up a new authenticator (admins must at once)."""
    from core.tokens import signed_out_everywhere

    roles.require(actor, roles.MANAGE_USERS, "reset two-step sign-in")
    with transaction.atomic():
        user = get_user_model().objects.filter(id=user_id).first()
        if user is None:
            raise NotFound("No such user.")
        if user.pk == actor.pk:
            raise Conflict("You may not reset your own two-step sign-in; ask another admin.")
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        SecondFactorReset.objects.create(user=user, reset_by=actor, reset_at=timezone.now())
        signed_out_everywhere(user=user)
    return user
