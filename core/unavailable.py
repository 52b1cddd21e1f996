"""The answers when the database or the broker is down, in words, for pages (HTML), the API
(JSON) and FHIR (an OperationOutcome), with Retry-After. A 503 is given only when nothing of
the request was saved (core/one_transaction.py rolls its transaction back); when a COMMIT was
lost and whether it committed cannot be known, a 500 says so."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

RETRY_AFTER = "5"  # seconds
DATABASE = "The database is unavailable just now; nothing was saved. Please try again in a moment."
BROKER = "The task queue is unavailable just now; nothing was saved. Please try again in a moment."
NOT_KNOWN = (
    "The connection to the database was lost while this was being saved, so whether it was "
    "saved is not known. Check the record before sending it again; sent again with the same "
    "Idempotency-Key or form, it is answered with the first answer if it was saved."
)
PAGE_STEP = {
    True: "Send the form again, or reload the page, in a moment.",
    False: "Reload the page to see whether it was saved before sending it again.",
}


def is_outage(error: BaseException | None) -> bool:
    """The database's connection lost or refused, or the broker unreachable: a moment's
    unavailability, not a fault of the request."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    try:
        from kombu.exceptions import OperationalError as BrokerDown
    except ImportError:  # pragma: no cover - Celery is a requirement
        return False
    return isinstance(error, BrokerDown)


def answer(request, *, known: bool = True, error: BaseException | None = None) -> HttpResponse:
    """503 (nothing was saved), or 500 when whether it was saved is not known (`known`)."""
    if not known:
        detail, status = NOT_KNOWN, 500
    else:
        detail, status = (DATABASE, 503) if _database(error) else (BROKER, 503)
    path = request.path
    response: HttpResponse
    if path.startswith("/api/"):
        response = JsonResponse({"detail": detail}, status=status)
    elif path.startswith("/fhir/"):
        issue = {"severity": "error", "code": "transient", "diagnostics": detail}
        response = JsonResponse({"resourceType": "OperationOutcome", "issue": [issue]})
        response.status_code = status
        response["Content-Type"] = "application/fhir+json"
    else:
        title = "Not available just now" if known else "Not known whether it was saved"
        context = {"title": title, "detail": detail, "next_step": PAGE_STEP[known]}
        # Without the request: its context processors would ask the database for the user.
        html = render_to_string("core/unavailable.html", context)
        response = HttpResponse(html, status=status)
    if known:
        response["Retry-After"] = RETRY_AFTER
    return response


def _database(error: BaseException | None) -> bool:
    return error is None or isinstance(error, OperationalError | InterfaceError)
