"""What every web page shares: the navigation of the signed-in role, domain errors answered as
pages, and the role check of a page. Pages call the same services and selectors as the API."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import render

from core import roles
from core.errors import DomainError, Forbidden, InvalidInput

NAV: dict[str | None, list[tuple[str, str]]] = {
    roles.COORDINATOR: [
        ("worklist", "Worklist"),
        ("inbox", "Inbox"),
        ("patient-search", "Patients"),
        ("stent-recall", "Stent recall"),
    ],
    roles.NURSE: [
        ("inbox", "Inbox"),
        ("my-follow-ups", "Follow-ups"),
        ("patient-search", "Patients"),
    ],
    roles.ADMIN: [
        ("dashboard", "Dashboard"),
        ("worklist", "Worklist"),
        ("inbox", "Inbox"),
        ("patient-search", "Patients"),
        ("users", "Users"),
        ("stent-recall", "Stent recall"),
    ],
}
HOME = {roles.COORDINATOR: "worklist", roles.NURSE: "inbox", roles.ADMIN: "dashboard"}


def navigation(request) -> dict:
    """The pages the signed-in role may open, for the layout's navigation."""
    role = roles.role_of(request.user) if hasattr(request, "user") else None
    return {"role": role, "nav": NAV.get(role, [])}


def page_for(perm: str, doing: str):
    """A page for the roles holding `perm`: others get the 403 page, strangers sign in."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied(f"Your role may not {doing}.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class DomainErrorPages:
    """A domain error raised by a page (not the API, whose handler answers in JSON) is answered
    with a page in words and its status: 403, 404, or 409 when the record's state forbids it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/") or not isinstance(exception, DomainError):
            return None
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.detail)
        titles = {404: "Not found", 409: "This cannot be done now", 400: "Please check"}
        if isinstance(exception, InvalidInput):
            detail = "; ".join(" ".join(v) for v in exception.errors.values())
        else:
            detail = exception.detail
        context = {"title": titles.get(exception.status, "Error"), "detail": detail}
        return render(request, "core/error.html", context, status=exception.status)


class WordedRefusals:
    """A page's refusal Django answers with no body (a GET to a form that only takes POST: 405)
    is answered with a page saying why, as every other refusal is; the API answers in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(("/api/", "/fhir/"))
            or not 400 <= response.status_code < 500
            or response.streaming
            or response.content
        ):
            return response
        detail = "This address does not take what was sent."
        if isinstance(response, HttpResponseNotAllowed):
            detail = f"This address takes {response['Allow'].replace(', ', ' or ')} only."
        context = {"title": "Not done", "detail": detail}
        worded = render(request, "core/error.html", context, status=response.status_code)
        for name in ("Allow", "Retry-After"):
            if name in response:
                worded[name] = response[name]
        return worded


class NulFreeQueries:
    """A page's query holding a NUL byte (`?state__exact=%00` on an admin list, a filter, a
    search) is a 400 in words before any view compares it: PostgreSQL compares no text with
    one. The API's queries are checked by core/query.py, in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(("/api/", "/fhir/")) and any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            context = {"title": "Please check", "detail": "Null characters are not allowed."}
            return render(request, "core/error.html", context, status=400)
        return self.get_response(request)
