"""When a password is accepted on the sign-in page (django.contrib.auth.login), the session
learns at once what the sign-in still needs (core.second_factor.middleware), so pages need not
work it out on every request. API token sign-ins carry no session and are left alone."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest

from core.second_factor.middleware import need_remembered
from core.second_factor.rules import second_step_need


def need_at_sign_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if isinstance(request, HttpRequest) and session is not None and SESSION_KEY in session:
        need_remembered(request, second_step_need(user))
