"""How the OpenAPI schema describes the app's own pieces (drf-spectacular extensions)."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    # core/api.py key_claim: 1 to 255 printable ASCII characters, spaces around them ignored.
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]*[!-~][ -~]*$"},
    OpenApiParameter.HEADER,
    description="Optional; a new key (a UUID) for each new request. A repeat with the same key "
    "by the same user within 24 hours is answered with the first answer (status and body, "
    "with `Idempotent-Replayed: true`) and writes nothing; while the first still runs, the "
    "repeat waits for it. The key sent with another method, path or body is a 422.",
)


class AutoSchema(openapi.AutoSchema):
    """A GET's query parameters are its view's `query` (core.api.Endpoint), the same list its
    requests are checked against; every signed-in POST, PUT and PATCH takes an
    `Idempotency-Key` header."""

    def get_override_parameters(self):
        declared = list(getattr(self.view, "query", ())) if self.method == "GET" else []
        if self.method in ("POST", "PUT", "PATCH") and self.view.authentication_classes:
            declared.append(IDEMPOTENCY_KEY)
        return [*declared, *super().get_override_parameters()]

    def _process_override_parameters(self, direction="request"):
        """A query serializer saying `empty_means_absent` takes `?name=` as the parameter left
        out (core/query.py): its parameters say so, `allowEmptyValue`, so that a client (and
        schemathesis's negative data) knows an empty value is not a bad date or choice."""
        result = super()._process_override_parameters(direction)
        for item in getattr(self.view, "query", ()) if self.method == "GET" else ():
            if getattr(item, "empty_means_absent", False):
                for name in item().fields:
                    if (parameter := result.get((name, OpenApiParameter.QUERY))) is not None:
                        parameter["allowEmptyValue"] = True
        return result


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A token from POST /api/auth/token/, sent as "Token <token>"; it '
            "ends after API_TOKEN_HOURS, on sign-out and when the password changes.",
        }


ERROR = {
    "type": "object",
    "description": 'Why, in words: {"detail": "..."} or each field named with its problems; a '
    "refused move adds the rules that block it.",
    "additionalProperties": True,
}
WRITES = {"post", "put", "patch", "delete"}


def error_statuses(result, generator, request, public):
    """Document the error answers every operation can really give (core/api.py's handler):
    401 without a valid token (but the token endpoint), 403 for a role that may not, 404 for an
    id that names nothing, 400 for a bad body or query, 409 for a write the record's state
    forbids, 503 when the database went away mid-request."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    texts = {
        "400": "Bad input, named field by field.",
        "401": "No valid token.",
        "403": "The role may not.",
        "404": "No such record.",
        "409": "The record's state forbids it.",
        "422": "The Idempotency-Key was used for another request.",
        "503": "The database or the broker is unavailable just now; nothing was saved.",
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = ["400"]
            if operation.get("security") != [{}] and path != "/api/auth/token/":
                statuses += ["401", "403"]
            if path == "/api/auth/token/":
                statuses += ["403"]  # locked out after failed sign-ins (django-axes)
            if "{" in path or method == "get":  # no such record, or a page past the last
                statuses.append("404")
            if method in WRITES:
                statuses.append("409")
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                statuses.append("422")
            statuses.append("503")
            responses = operation.setdefault("responses", {})
            for code in statuses:
                responses.setdefault(code, {"description": texts[code], "content": ref})
    return result
