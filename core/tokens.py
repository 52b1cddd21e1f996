"""Issuing and revoking API tokens, and reading one on a request."""

from __future__ import annotations

from dataclasses import dataclass
from hmac import compare_digest

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from core.models import ApiToken, WebSession


def token_issue(*, user) -> tuple[ApiToken, str]:
    """A new token for a user who has just proved their password; the clear token is returned
    once and only its digest is kept."""
    return ApiToken.objects.create(user=user, password_stamp=user.get_session_auth_hash())


def token_revoke(*, token: ApiToken) -> None:
    token.delete()


def tokens_revoke_all(*, user) -> int:
    return ApiToken.objects.filter(user=user).delete()[0]


@dataclass(frozen=True)
class Purged:
    tokens: int
    sessions: int


def credentials_expired_purge() -> Purged:
    """Daily (beat): expired tokens and sessions open nothing, but each still says who signed in
    and when. knox drops an expired token only when it is presented again, and Django keeps a
    session row until `clearsessions`; a user who never comes back would leave theirs forever."""
    now = timezone.now()
    tokens = ApiToken.objects.filter(expiry__lt=now).delete()[0]
    sessions = WebSession.objects.filter(expire_date__lt=now).delete()[0]  # as clearsessions
    return Purged(tokens=tokens, sessions=sessions)


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's expiring, hashed tokens (sent as `Authorization: Token <token>`), refused once the
    password they were issued under has changed. As for sessions, a stamp made with a key in
    SECRET_KEY_FALLBACKS still holds (rotating the key signs nobody out) and is re-made with the
    current key; a key dropped from the fallbacks ends the tokens stamped with it."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        current = user.get_session_auth_hash()
        if compare_digest(token.password_stamp, current):
            return user, token
        if token.password_stamp and any(
            compare_digest(token.password_stamp, fallback)
            for fallback in user.get_session_auth_fallback_hash()
        ):
            token.password_stamp = current
            token.save(update_fields=["password_stamp"])
            return user, token
        token.delete()
        raise exceptions.AuthenticationFailed(
            _("This token ended when the password changed; sign in again.")
        )


def sessions_end_all(*, user) -> int:
    """End every web session of a user (sign out everywhere): one DELETE on an indexed
    column (core.models.WebSession)."""
    return WebSession.objects.filter(user=user).delete()[0]


def signed_out_everywhere(*, user) -> None:
    """Sign out everywhere: every API token and every web session of the user end at once."""
    with transaction.atomic():
        tokens_revoke_all(user=user)
        sessions_end_all(user=user)
