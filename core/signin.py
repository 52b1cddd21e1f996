"""Sign-in plumbing: the client's address behind the proxy, which django-axes counts failed
sign-ins by (with the username), and the lockout told in words."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address the request came from (settings.AXES_CLIENT_IP_CALLABLE). With no trusted
    proxy (TRUSTED_PROXY_COUNT 0) it is REMOTE_ADDR, and X-Forwarded-For, which anyone may
    send, is ignored. Behind N trusted proxies, each appending the address it was reached from
    to X-Forwarded-For, the client is the Nth entry from the right: entries further left were
    sent by the client itself and prove nothing, so sending them cannot escape a lockout. An
    unreadable entry, or a header shorter than the proxies, falls back to REMOTE_ADDR (the
    nearest proxy): stricter (one lock for all behind it), never looser."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote


def lockout_words() -> str:
    """What a locked-out user is told, on the page and by the API: why, for how long, and who
    can end it. No account detail: the same words whether or not the username exists."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return (
        f"Too many failed sign-ins for this username from this device: signing in is paused "
        f"for {minutes} minutes after the last attempt. Try again later, or ask an admin to "
        f"unlock the account on the users page."
    )


def locked_out(request, original_response=None, credentials=None):
    """The sign-in page's answer to a locked-out username and address
    (settings.AXES_LOCKOUT_CALLABLE): 429, in words."""
    from django.shortcuts import render

    return render(request, "core/locked_out.html", {"detail": lockout_words()}, status=429)
