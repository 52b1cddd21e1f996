"""The FHIR edge's plumbing: `application/fhir+json` in and out, every error an
OperationOutcome, the API's sign-in, roles, Idempotency-Key and unknown-parameter rule.

Bodies are read as `application/fhir+json` or `application/json` (what fhirpy and most clients
send; the FHIR http page allows it) and answered as `application/fhir+json` only; asking for
XML (`Accept` or `_format`) is a 406. A search parameter the type does not support is a 400
naming it, never ignored (FHIR's `handling=strict`): a misspelt `birthdate` would otherwise
return every patient."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.api import AnsweredBefore, Endpoint
from core.parsers import LimitedJSONParser

FHIR_JSON = "application/fhir+json"
JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir", "json")
ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    503: "transient",
}


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "json"
    charset = "utf-8"


class FhirParser(LimitedJSONParser):
    media_type = FHIR_JSON


class JsonParser(LimitedJSONParser):
    media_type = "application/json"


class FhirNegotiation(BaseContentNegotiation):
    """JSON whatever JSON flavour is asked for; XML (or anything else only) is a 406."""

    def select_parser(self, request, parsers):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        return next((p for p in parsers if p.media_type == content_type), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = request.query_params.get("_format")
        if wanted is not None and wanted.lower() not in JSON_TYPES:
            raise NotAcceptable("Only JSON is served (application/fhir+json).")
        accept = request.META.get("HTTP_ACCEPT", "*/*") or "*/*"
        kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
        if not any(k in JSON_TYPES or k in ("*/*", "application/*") for k in kinds):
            raise NotAcceptable("Only JSON is served (application/fhir+json).")
        return renderers[0], renderers[0].media_type


def outcome(
    status_code: int, text: str, expression: list[str] | None = None, severity: str = "error"
) -> dict:
    issue: dict[str, Any] = {
        "severity": severity,
        "code": ISSUE_CODE.get(status_code, "processing"),
        "diagnostics": text,
    }
    if expression:
        issue["expression"] = expression
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_of(status_code: int, data, elements: dict[str, str]) -> dict:
    """An error body of the API (`detail`, or messages by field) as an OperationOutcome, each
    field named as the FHIR element it came from."""
    if isinstance(data, dict) and data.get("resourceType") == "OperationOutcome":
        return data
    if not isinstance(data, dict) or "detail" in data:
        detail = data.get("detail") if isinstance(data, dict) else data
        found = outcome(status_code, str(detail))
        for unmet in (data.get("unmet") or []) if isinstance(data, dict) else []:
            found["issue"].append(
                {
                    "severity": "error",
                    "code": "business-rule",
                    "diagnostics": f"{unmet['rule']}: {unmet['message']}",
                }
            )
        return found
    issues = []
    for field, messages in data.items():
        words = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        element = elements.get(field, field)
        issues.append(
            {
                "severity": "error",
                "code": ISSUE_CODE.get(status_code, "processing"),
                "diagnostics": f"{element}: {words}",
                "expression": [element],
            }
        )
    return {"resourceType": "OperationOutcome", "issue": issues}


def params(*names: str) -> tuple:
    """Declared query parameters, for core.api's unknown-parameter check."""
    return tuple(OpenApiParameter(name, str) for name in names)


# Every FHIR view (no docstring: kept out of the OpenAPI schema anyway). The API's Endpoint:
# token or session sign-in, the 400 for an unknown query parameter, Idempotency-Key on POST;
# its answers in FHIR's media type, its errors as OperationOutcomes.
class FhirEndpoint(Endpoint):
    renderer_classes = [FhirRenderer]
    parser_classes = [FhirParser, JsonParser]
    content_negotiation_class = FhirNegotiation
    schema = None  # FHIR's own CapabilityStatement describes it, not the API's OpenAPI schema

    @property
    def elements(self) -> dict[str, str]:
        """A service's field name -> the FHIR element it came from (none by default)."""
        return {}

    def handle_exception(self, exc):
        if isinstance(exc, AnsweredBefore):
            return exc.response
        response = super().handle_exception(exc)
        response.data = outcome_of(response.status_code, response.data, self.elements)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and not (isinstance(response.data, dict) and "resourceType" in response.data)
        ):
            response.data = outcome_of(response.status_code, response.data, self.elements)
        return super().finalize_response(request, response, *args, **kwargs)


def fhir_response(data: dict, status_code: int = status.HTTP_200_OK, **headers) -> Response:
    return Response(data, status=status_code, headers=headers or None)
