"""The token endpoint's second step (core.api.TokenApi): `otp` beside the username and
password, for accounts that sign in in two steps; the others sign in as the contract says."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response

from core import signin
from core.second_factor import rules, services


@extend_schema_serializer(component_name="AuthToken")  # the schema's name before `otp`
class TokenIn(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        write_only=True,
        help_text="A code from the authenticator app (6 digits) or a recovery code: needed, "
        "after the password, by accounts that sign in in two steps (admins always).",
    )


OTP_NEEDED = (
    "This account signs in in two steps: send `otp`, the 6 digits your authenticator app "
    "shows now (or a recovery code), with the username and password."
)
ENROL_FIRST = (
    "This account must sign in in two steps and has no authenticator app set up yet: sign in "
    "on the web once to set it up, then ask for a token with `otp`."
)


def second_step_refused(request, user, otp: str | None) -> Response | None:
    """The token endpoint's second step: None when the token may be issued."""
    need = rules.second_step_need(user)
    if need == rules.NONE:
        return None
    if need == rules.ENROL:
        return Response({"detail": ENROL_FIRST}, status=status.HTTP_403_FORBIDDEN)
    if not otp:
        return Response({"otp": [OTP_NEEDED]}, status=status.HTTP_400_BAD_REQUEST)
    checked = services.second_step_check(request=request, user=user, code=otp)
    if checked.locked_out:
        return Response({"detail": signin.lockout_words()}, status=status.HTTP_403_FORBIDDEN)
    if checked.device is None:
        words = services.WAIT if checked.wait else services.WRONG_CODE
        return Response({"otp": [words]}, status=status.HTTP_400_BAD_REQUEST)
    return None
