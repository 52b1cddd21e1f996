"""The second step's pages: the code after the password, setting up an authenticator, and
one's own two-step settings (new recovery codes). Thin: core.second_factor.services decides."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from core import signin
from core.errors import Conflict, InvalidInput
from core.second_factor import rules, services
from core.second_factor.middleware import need_remembered, sign_in_step_needed

NEW_CODES = "two_step_new_codes"  # the session holds new recovery codes until shown, once


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_http_methods(["GET", "POST"])
@_signed_in
def code(request):
    """After the password: the authenticator's code or a recovery code."""
    need = sign_in_step_needed(request)
    if need is None:
        return redirect(_next(request))
    if need == rules.ENROL:
        return redirect("two-step-enrol")
    error, status = "", 200
    if request.method == "POST":
        credentials = {"username": request.user.username}
        if AxesProxyHandler.is_locked(request, credentials):
            logout(request)
            return signin.locked_out(request)
        checked = services.second_step_check(
            request=request, user=request.user, code=request.POST.get("code", "")
        )
        if checked.locked_out:
            logout(request)
            return signin.locked_out(request)
        if checked.device is not None:
            django_otp.login(request, checked.device)
            if checked.recovery_left is not None:
                messages.warning(
                    request,
                    f"You signed in with a recovery code; it will not work again. "
                    f"{checked.recovery_left} left: make new ones on your two-step page.",
                )
            return redirect(_next(request))
        error, status = (services.WAIT if checked.wait else services.WRONG_CODE), 400
    context = {"error": error, "next": _next(request)}
    return render(request, "core/two_step_code.html", context, status=status)


def _qr(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="QR code to scan with your authenticator app"
    )


@require_http_methods(["GET", "POST"])
@_signed_in
def enrol(request):
    """Setting up an authenticator: scan (or type) the secret, then type the app's code."""
    if rules.authenticator_of(request.user) is not None:
        return redirect("two-step-manage")
    device = services.enrolment_start(user=request.user)
    error, status = "", 200
    if request.method == "POST":
        try:
            device, codes = services.enrolment_confirm(
                user=request.user, code=request.POST.get("code", "")
            )
        except InvalidInput as exc:
            error, status = " ".join(exc.errors["code"]), 400
        else:
            django_otp.login(request, device)
            need_remembered(request, rules.CODE)
            request.session[NEW_CODES] = codes
            messages.success(request, "Two-step sign-in is set up.")
            return redirect(
                f"{resolve_url('two-step-manage')}?{urlencode({'next': _next(request)})}"
            )
    secret = b32encode(device.bin_key).decode()
    context = {
        "qr": _qr(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": device.config_url,
        "required": rules.second_factor_required(request.user),
        "error": error,
        "next": _next(request),
    }
    return render(request, "core/two_step_enrol.html", context, status=status)


@require_http_methods(["GET", "POST"])
@_signed_in
def manage(request):
    """One's own two-step sign-in: set up or not, recovery codes left, new ones (shown once;
    the old ones stop working)."""
    if request.method == "POST":
        try:
            request.session[NEW_CODES] = services.recovery_codes_regenerate(user=request.user)
        except Conflict as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "New recovery codes made: the old ones no longer work.")
        return redirect("two-step-manage")
    context = {
        "set_up": rules.authenticator_of(request.user) is not None,
        "required": rules.second_factor_required(request.user),
        "left": rules.recovery_codes_left(request.user),
        "new_codes": request.session.pop(NEW_CODES, None),
        "next": _next(request),
    }
    return render(request, "core/two_step.html", context)
