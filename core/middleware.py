"""What every answer shares: patient data never kept by a browser or a proxy, and a web form
sent twice (a double click, a refresh, a retry) answered with its first answer, never saved
twice (core/idempotency.py)."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import DatabaseError
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from core import idempotency

FORM_TOKEN = "form_token"  # the field core/static/core/app.js adds to every POST form
NOT_CACHED_EXCEPT = ("/healthz",)
# What of an answer is given again: its type, where it sends the browser, what htmx is told.
KEPT_HEADERS = ("content-type", "location", "retry-after")


def kept_headers(response) -> dict:
    return {
        name: value
        for name, value in response.items()
        if name.lower() in KEPT_HEADERS or name.lower().startswith("hx-")
    }


def answered_again(repeat: idempotency.Repeat) -> HttpResponse:
    response = HttpResponse(repeat.body, status=repeat.status)
    for name, value in repeat.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def may_be_cached(response: HttpResponse, *, max_age: int) -> HttpResponse:
    """Let the signed-in browser alone keep this answer for `max_age` seconds: for a view
    whose answer carries no patient's data, only figures over many (the outcomes' charts);
    NoStore leaves it be."""
    patch_cache_control(response, private=True, max_age=max_age)
    response.may_be_cached = True  # type: ignore[attr-defined]  # a mark NoStore reads
    return response


class NoStore:
    """`Cache-Control: no-store` on every page and API answer (the contract: those carrying
    patient data; telling which do is harder than saying it of all). Static files are answered
    before this (whitenoise) and keep their long caching; /healthz is for the load balancer;
    a view answering aggregate figures alone may say so (`may_be_cached`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path not in NOT_CACHED_EXCEPT and not getattr(response, "may_be_cached", False):
            patch_cache_control(response, no_store=True)
        return response


class FormRepeats:
    """A web form posted again with the same `form_token` and the same fields, by the same
    user, within 24 hours, is answered with the first answer (the same redirect, the same
    flash message) without calling its view: one row, whatever the number of clicks. Only a
    success (2xx, 3xx) is kept: a refused form saved nothing and may simply run again. The API
    has its own key, the `Idempotency-Key` header (core.api.Endpoint)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        claimed = getattr(request, "_form_claimed", None)
        if claimed is not None:
            _keep(claimed, response, _notices(request))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After the CSRF check (an earlier middleware's process_view) and the sign-in.
        if request.method != "POST" or request.path.startswith(("/api/", "/admin/")):
            return None
        if not request.user.is_authenticated:
            return None
        try:
            token = request.POST.get(FORM_TOKEN, "")
            # The fields, not the body: a multipart body differs at each sending (its boundary).
            fields = sorted(request.POST.lists())
            files = sorted((name, f.name, f.size) for name, f in request.FILES.items())
        except (RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation, RawPostDataException):
            return None  # the view answers it as before
        if not token:
            return None
        sent = repr((fields, files))
        key = idempotency.fingerprint(token[:200], request.method, request.get_full_path(), sent)
        outcome = idempotency.answer_claim(user=request.user, key=f"form:{key}", fingerprint=key)
        if isinstance(outcome, idempotency.Claimed):
            request._form_claimed = outcome
            return None
        if isinstance(outcome, idempotency.Repeat):
            _notices_again(request, outcome.notices)
            return answered_again(outcome)
        detail = (
            "This form is still being saved. Reload the page in a moment to see whether it was."
            if outcome.status == 409 and outcome.why == idempotency.STILL_RUNNING
            else "This form was sent before and did not finish, so whether it was saved is "
            "not known. Reload the page to check before sending it again."
        )
        return render(
            request, "core/error.html", {"title": "Not saved twice", "detail": detail}, status=409
        )


def _keep(claimed, response, notices: list) -> None:
    """In the request's transaction (core/one_transaction.py): the answer is kept if and only
    if the form's write commits. A database error is not swallowed: the transaction is lost,
    and the page answers 503 (nothing was saved)."""
    if 200 <= response.status_code < 400 and not response.streaming:
        idempotency.answer_keep(
            claimed=claimed,
            status=response.status_code,
            headers=kept_headers(response),
            body=response.content,
            notices=notices,
        )
    elif response.status_code < 500:
        idempotency.answer_release(claimed=claimed)
    else:  # the transaction is rolled back (core/one_transaction.py), the claim with it
        try:
            idempotency.answer_release(claimed=claimed)
        except DatabaseError:
            pass  # the database gone: the rollback is the release


def _notices(request) -> list:
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [[m.level, str(m.message), m.extra_tags or ""] for m in queued]


def _notices_again(request, notices: list) -> None:
    """The first answer's flash messages, unless the browser still holds them (it may have
    dropped the first answer when the second click replaced it)."""
    storage = getattr(request, "_messages", None)
    if storage is None:
        return
    pending = {(m.level, str(m.message)) for m in storage._loaded_messages}
    for level, text, tags in notices:
        if (level, text) not in pending:
            messages.add_message(request, level, text, extra_tags=tags)


IDLE_SEEN = "idle_seen"  # the session's last activity, as the server counts it (epoch seconds)
IDLE_FOR = "idle_for"  # the idle limit in force when it was written (seconds; 0: none)
IDLE_WRITE_EVERY = 60  # seconds: the session is written at most once a minute
IDLE_LEFT_HEADER = "Idle-Seconds-Left"
KEEP_ALIVE_PATH = "/accounts/keep-alive/"  # its GET asks how long is left, and is no activity
SIGNED_OUT_IDLE = "You were signed out after {minutes} minutes without activity. Sign in again."


def idle_stamp(request, *, now: int) -> None:
    """Count this request as activity: the session remembers it, with the unit's idle limit
    of the moment (core.selectors.idle_seconds)."""
    from core.selectors import idle_seconds

    request.session[IDLE_SEEN] = now
    request.session[IDLE_FOR] = idle_seconds()


class IdleSignOut:
    """A web sign-in left idle longer than the unit's setting (SignInSettings.idle_minutes)
    ends: the next request finds the session signed out and is asked to sign in again. Each
    request counts as activity, but the session is written at most once a minute (each write
    is a query), so the server's count may start up to a minute early; the page's script warns
    a minute before the end (core/static/core/app.js), from the seconds left this middleware
    gives (request.idle_left, and the Idle-Seconds-Left header). API token requests carry no
    session and are left alone (a token ends after API_TOKEN_HOURS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import SESSION_KEY, logout

        request.idle_left = None  # seconds left before an idle sign-in ends; None: no limit
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated:
            response = self.get_response(request)
            # Signed in by this request (a session now names its user; an API token does not).
            if SESSION_KEY in request.session and IDLE_SEEN not in request.session:
                idle_stamp(request, now=int(time.time()))
            return response
        now = int(time.time())
        seen, limit = request.session.get(IDLE_SEEN), request.session.get(IDLE_FOR)
        if seen is None:
            # Signed in without a request (the tests' force_login): its first request counts,
            # or, within a minute of the sign-in, nothing needs writing yet.
            last = request.user.last_login
            if last is not None and now - last.timestamp() < IDLE_WRITE_EVERY:
                return self.get_response(request)
            seen = now - IDLE_WRITE_EVERY
        if limit and now - seen > limit:
            logout(request)
            messages.info(request, SIGNED_OUT_IDLE.format(minutes=round(limit / 60)))
            return self.get_response(request)
        peek = request.method == "GET" and request.path == KEEP_ALIVE_PATH
        if not peek and now - seen >= IDLE_WRITE_EVERY:
            idle_stamp(request, now=now)
            seen, limit = now, request.session[IDLE_FOR]
        request.idle_left = max(seen + limit - now, 0) if limit else None
        response = self.get_response(request)
        if request.idle_left is not None:
            response[IDLE_LEFT_HEADER] = str(request.idle_left)
        return response
