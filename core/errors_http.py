"""Django's own error answers (a URL that matches nothing, a crash) in the API's language: JSON
under /api/, the unit's pages elsewhere. Never the debug page, never a traceback."""

import sys

from django.http import JsonResponse
from django.views import defaults

from core import unavailable


def _api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "No such endpoint or record."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """A crash; or the database or the broker gone (a 503 in words, with Retry-After: the
    request's transaction is rolled back on any 5xx, core/one_transaction.py)."""
    error = sys.exc_info()[1]
    if unavailable.is_outage(error):
        return unavailable.answer(request, error=error)
    if _api(request):
        body = {"detail": "Something went wrong on our side; it has been logged."}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "The request was malformed."}, status=400)
    return defaults.bad_request(request, exception)


def forbidden(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "You may not do this."}, status=403)
    return defaults.permission_denied(request, exception)
