"""API plumbing shared by every app: errors to status codes, and the users endpoint."""

import logging

from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from django.http.request import RawPostDataException
from django_fsm import TransitionNotAllowed
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import UnsupportedMediaType, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from core import idempotency, roles, selectors, services, signin, tokens, unavailable
from core.errors import DomainError, InvalidInput
from core.middleware import answered_again, kept_headers
from core.models import ApiToken
from core.query import PAGE as PAGE  # re-exported: the lists declare it from here
from core.query import query_check
from core.roles import ROLES
from core.second_factor.api import TokenIn, second_step_refused
from core.uploads import JSON_ONLY

log = logging.getLogger(__name__)


def exception_handler(exc, context):
    """Domain errors keep their status; every known failure answers in words, never a 500."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, UnsupportedMediaType):
        return Response({"detail": JSON_ONLY}, status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is larger than 1024 KB."}, status=400)
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": "The request was malformed."}, status=400)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": "That move is not allowed now."}, status=409)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "This conflicts with a record already saved; nothing was changed."},
            status=status.HTTP_409_CONFLICT,
        )
    if unavailable.is_outage(exc):
        # The database or the broker went away mid-request (restart, failover, dropped link):
        # the request is one transaction (core/one_transaction.py), rolled back whole on a 5xx,
        # so nothing was saved and the client may send it again. Only the error's class is
        # logged: its message may quote the statement's values.
        log.warning(
            "Unavailable during %s: %s", context["view"].__class__.__name__, type(exc).__name__
        )
        set_rollback()
        detail = unavailable.DATABASE if isinstance(exc, DatabaseError) else unavailable.BROKER
        return Response(
            {"detail": detail},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": unavailable.RETRY_AFTER},
        )
    return drf_exception_handler(exc, context)


def writes_need(perm: str, doing: str) -> list:
    """Permission classes for a view whose writes need `perm`: the role is refused (403) before
    its body is read, so a nurse never learns field errors of a form she may not send. The
    service checks the role again; this is only the early answer."""

    class RoleMayWrite(BasePermission):
        message = f"Your role may not {doing}."

        def has_permission(self, request, view) -> bool:
            return request.method in SAFE_METHODS or request.user.has_perm(perm)

    return [IsAuthenticated, RoleMayWrite]


def role_needed(perm: str, doing: str) -> list:
    """Permission classes for a view only roles holding `perm` may use at all: refused (403)
    before anything of the request is read, its query parameters included."""

    class RoleMay(BasePermission):
        message = f"Your role may not {doing}."

        def has_permission(self, request, view) -> bool:
            return request.user.has_perm(perm)

    return [IsAuthenticated, RoleMay]


def page_of(item) -> serializers.Serializer:
    """The schema of a page of `item`s, as PageNumberPagination answers a list."""
    return inline_serializer(
        name=f"{item.__name__.removesuffix('Out')}Page",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


# The base of every API view (no docstring: the schema would show it on every operation). A
# GET answers 400 naming a query parameter it does not know instead of ignoring it: DRF would
# ignore it silently, and `?stauts=overdue` would then list every follow-up as if filtered;
# likewise an empty filter (`?state=`) and a page that is no page number (core/query.py).
# What a GET takes is declared once, in `query` (OpenApiParameters, or a Serializer whose
# fields are parameters): the requests are checked against it and the OpenAPI schema documents
# it (core.schema.AutoSchema), so the two cannot drift. Checked after sign-in and permissions,
# before the view reads anything.
#
# A POST, PUT or PATCH sent with an `Idempotency-Key` header is answered once: a repeat with the
# same key (same user, 24 hours) gets the first answer again, status and body, and its handler
# is not called (core/idempotency.py); the key sent with another request is a 422. The key is
# claimed after sign-in and permissions, so a refused role never holds one.
class Endpoint(APIView):
    query: tuple = ()
    _claimed = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and hasattr(self, "get"):  # else 405, as before
            query_check(request, self.query)
        if request.method in IDEMPOTENT and IDEMPOTENCY_KEY in request.headers:
            self._claimed = key_claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, AnsweredBefore):
            return exc.response
        return super().handle_exception(exc)

    def dispatch(self, request, *args, **kwargs):
        try:
            response = super().dispatch(request, *args, **kwargs)
        except BaseException:
            if self._claimed is not None:  # a crash: nothing was answered, a repeat may run
                _release(self._claimed)
            raise
        if self._claimed is not None:
            _settle(self._claimed, response)
        return response


IDEMPOTENT = ("POST", "PUT", "PATCH")
IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_PROBLEM = "Send 1 to 255 printable characters (a UUID is best), new for each new request."


class AnsweredBefore(Exception):
    """A repeat: the response is the first answer, given again."""

    def __init__(self, response):
        super().__init__("answered before")
        self.response = response


def key_claim(request) -> idempotency.Claimed:
    """Claim this request's key, or answer it with the first answer (AnsweredBefore) or the
    reason the key cannot serve it."""
    key = request.headers[IDEMPOTENCY_KEY].strip()
    if not key or len(key) > 255 or not key.isprintable() or not key.isascii():
        raise InvalidInput({IDEMPOTENCY_KEY: KEY_PROBLEM})
    raw = request._request
    try:
        sent = raw.body
    except RawPostDataException:  # a multipart body already read as a stream: its fields
        sent = repr(sorted((k, request.data.getlist(k)) for k in request.data)).encode()
    outcome = idempotency.answer_claim(
        user=request.user,
        key=f"api:{key}",
        fingerprint=idempotency.fingerprint(raw.method, raw.get_full_path(), sent),
    )
    if isinstance(outcome, idempotency.Repeat):
        raise AnsweredBefore(answered_again(outcome))
    if isinstance(outcome, idempotency.Refused):
        raise AnsweredBefore(Response({"detail": outcome.why}, status=outcome.status))
    return outcome


def _settle(claimed, response) -> None:
    """Keep the first answer for its repeats, in the request's transaction: it commits with
    the write or not at all. Not a crash nor a moment's unavailability (5xx, 429), which saved
    nothing and may be sent again with the same key. A database error here is not swallowed:
    the transaction is lost, and the request answers 503 (nothing was saved)."""
    if response is None or response.status_code >= 500 or response.status_code == 429:
        _release(claimed)
        return
    if hasattr(response, "render"):
        response.render()
    idempotency.answer_keep(
        claimed=claimed,
        status=response.status_code,
        headers=kept_headers(response),
        body=response.content,
    )


def _release(claimed) -> None:
    """Let a repeat run. The database gone, the claim is rolled back with the transaction (a
    5xx rolls it back, core/one_transaction.py)."""
    try:
        idempotency.answer_release(claimed=claimed)
    except DatabaseError as error:
        log.warning("A claimed key goes with its transaction: %s", type(error).__name__)


def body(serializer_class, request) -> dict:
    """Parse a request body or answer 400 naming each bad field."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class UserIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    role = serializers.ChoiceField(choices=ROLES)
    email = serializers.EmailField(max_length=254, help_text="Required: alerts are emailed.")
    full_name = serializers.CharField(max_length=301)


class UserListOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    full_name = serializers.CharField()


class UserOut(UserListOut):
    email = serializers.EmailField()


class UsersApi(Endpoint):
    permission_classes = writes_need(roles.MANAGE_USERS, "create users")
    query = (OpenApiParameter("role", str, enum=list(ROLES)),)

    @extend_schema(responses=UserListOut(many=True))
    def get(self, request):
        """The active users (of `role`), for assigning an episode (coordinators, admins)."""
        role = request.query_params.get("role") or None
        rows = selectors.user_list_active(actor=request.user, role=role)
        return Response(UserListOut(rows, many=True).data)

    @extend_schema(request=UserIn, responses={201: UserOut})
    def post(self, request):
        data = body(UserIn, request)
        user = services.user_create(actor=request.user, **data)
        out = {
            "id": user.id,
            "username": user.username,
            "role": data["role"],
            "email": user.email,
            "full_name": user.get_full_name(),
        }
        return Response(UserOut(out).data, status=status.HTTP_201_CREATED)


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


def _credentials(data) -> dict[str, str]:
    """The username and password sent, as text (anything else: empty)."""
    found = {}
    for name in ("username", "password"):
        value = data.get(name) if hasattr(data, "get") else None
        found[name] = value if isinstance(value, str) else ""
    return found


class TokenApi(Endpoint):
    """The contract's token endpoint: a new token per sign-in, ending after API_TOKEN_HOURS, on
    sign-out or when the password changes (core/tokens.py). Failed attempts count towards
    django-axes' lockout, as on the sign-in page: a locked-out username and address get 403
    until the cool-off ends, even with the right password. A success is a sign-in like the
    page's (user_logged_in): axes clears that pair's failures and last_login is kept. A
    deactivated account is told so (403) when its password is right, and only then: a wrong
    password says nothing of the account. An account that signs in in two steps (admins; every
    role when the unit says so; whoever set it up) sends `otp` too: missing or wrong, a 400
    naming it (a wrong one is a failed sign-in); not set up yet, a 403 saying to set it up on
    the web. Accounts without a second step sign in as before."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    @extend_schema(request=TokenIn, responses={200: TokenOut})
    def post(self, request):
        serializer = TokenIn(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # Axes marks the request it refused; DRF's Request keeps that attribute itself.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": signin.lockout_words()}, status=status.HTTP_403_FORBIDDEN
                )
            if selectors.account_deactivated(**_credentials(request.data)):
                return Response({"detail": selectors.DEACTIVATED}, status.HTTP_403_FORBIDDEN)
            raise
        user = serializer.validated_data["user"]
        if refused := second_step_refused(request, user, serializer.validated_data.get("otp")):
            return refused
        instance, token = tokens.token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenOut({"token": token, "expiry": instance.expiry}).data)


class SignOutApi(Endpoint):
    """Ends the token this request was sent with (a session sign-in has none to end)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            tokens.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereApi(Endpoint):
    """Ends every token and every web session of the signed-in user (a lost laptop, a shared
    device)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        tokens.signed_out_everywhere(user=request.user)
        if hasattr(request._request, "session"):  # sent from a web sign-in: it ended too
            request._request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)
