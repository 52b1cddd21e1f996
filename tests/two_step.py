"""The second step of signing in, as the tests take it (core/second_factor/): the code an
authenticator app would show now, computed from the device's key (django_otp.oath), and
helpers that complete the step on the pages, or mark a force_login'd session as having
completed it, as django_otp.login does after a right code."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.second_factor.rules import NONE, second_step_need


def needs_second_step(user) -> bool:
    return second_step_need(user) != NONE


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator, set up if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def code_now(device: TOTPDevice) -> str:
    """A code the device accepts now: the app's current one, or the next one when the current
    was used already (a code is good once: the device remembers the last step used)."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step) + device.drift
    step = max(now, device.last_t + 1)
    assert step <= now + device.tolerance, "no fresh code left in this 30-second step"
    return f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"


def second_step(client, user, next_url: str = "") -> None:
    """After the password on the sign-in page: set up an authenticator on the set-up page if
    the user must and has none, else type its code on the code page. Nothing for a user who
    needs no second step."""
    need = second_step_need(user)
    if need == NONE:
        return
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        assert client.get("/accounts/two-step/enrol/").status_code == 200
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post("/accounts/two-step/enrol/", {"code": code_now(device)})
    else:
        sent = {"code": code_now(authenticator(user)), "next": next_url}
        response = client.post("/accounts/two-step/", sent)
    assert response.status_code == 302, response.content[:500]


def mark_verified(client, user) -> None:
    """A force_login'd session of a user who needs the second step, as after a right code:
    the session names a confirmed authenticator of theirs (django_otp's session key)."""
    if second_step_need(user) == NONE:
        return
    session = client.session
    if session.get(SESSION_KEY) != str(user.pk):
        return
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
