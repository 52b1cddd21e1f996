"""No page before the second step: a web sign-in that needs a code (or an authenticator set
up first) is sent to that page from anywhere else, the Django admin included, and the API
used with that sign-in's session answers 403. API tokens are not web sign-ins: the token
endpoint asks for the code itself (core.api.TokenApi)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from core.second_factor.rules import CODE, ENROL, NONE, second_step_need

NEED = "second_step"  # session: what this sign-in needs after the password (rules.NONE...)
# Open before the step: signing in and out, the step's own pages, the idle warning's endpoint,
# the files pages load, the load balancer's check.
OPEN = ("/accounts/login/", "/accounts/logout/", "/accounts/keep-alive/", "/healthz")
OPEN_PREFIXES = ("/static/", "/favicon.ico")
STEP_PAGES = {CODE: "two-step", ENROL: "two-step-enrol"}
API_REFUSED = (
    "Finish signing in first: this sign-in needs a code from your authenticator app "
    "(on the web page it was sent to)."
)


def need_remembered(request, need: str) -> None:
    request.session[NEED] = need


def sign_in_step_needed(request) -> str | None:
    """What this request's web sign-in still needs, or None: no web sign-in, no second step,
    or the code given. Worked out once per sign-in and kept in the session (a unit setting or
    a new role applies from the next sign-in)."""
    if SESSION_KEY not in request.session or not request.user.is_authenticated:
        return None
    need = request.session.get(NEED)
    if need is None:
        need = second_step_need(request.user)
        need_remembered(request, need)
    if need == NONE or request.user.is_verified():
        return None
    return need


class VerifiedBySession(OTPMiddleware):
    """django-otp's middleware (request.user.is_verified()), read from the session alone: the
    session names the authenticator that took a right code (django_otp.login, written only
    then), and no session outlives that authenticator (an admin's reset ends the user's
    sessions; new recovery codes keep their device; the admin edits none). So no page pays a
    query for it; django-otp's own middleware reads the device on every request."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated and request.session.get(DEVICE_ID_SESSION_KEY):
            user.is_verified = lambda: True
        return user


class SecondStep:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        step_paths = {reverse(name) for name in STEP_PAGES.values()}
        if path in OPEN or path.startswith(OPEN_PREFIXES) or path in step_paths:
            return self.get_response(request)
        need = sign_in_step_needed(request)
        if need is None:
            return self.get_response(request)
        if path.startswith("/api/") or path.startswith("/fhir/"):
            return JsonResponse({"detail": API_REFUSED}, status=403)
        url = reverse(STEP_PAGES[need])
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
