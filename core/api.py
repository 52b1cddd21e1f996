"""API plumbing shared by every app: errors to status codes, and the users endpoint."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django_fsm import TransitionNotAllowed
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core import roles, selectors, services
from core.errors import DomainError
from core.roles import ROLES


def exception_handler(exc, context):
    """Domain errors keep their status; every known failure answers in words, never a 500."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": "That move is not allowed now."}, status=409)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "This conflicts with a record already saved; nothing was changed."},
            status=status.HTTP_409_CONFLICT,
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


def body(serializer_class, request) -> dict:
    """Parse a request body or answer 400 naming each bad field."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class UserIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    role = serializers.ChoiceField(choices=ROLES)


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()


class UserListOut(UserOut):
    full_name = serializers.CharField()


class UsersApi(APIView):
    permission_classes = writes_need(roles.MANAGE_USERS, "create users")

    @extend_schema(
        parameters=[OpenApiParameter("role", str, enum=list(ROLES))],
        responses=UserListOut(many=True),
    )
    def get(self, request):
        """The active users (of `role`), for assigning an episode (coordinators, admins)."""
        role = request.query_params.get("role") or None
        rows = selectors.user_list_active(actor=request.user, role=role)
        return Response(UserListOut(rows, many=True).data)

    @extend_schema(request=UserIn, responses={201: UserOut})
    def post(self, request):
        data = body(UserIn, request)
        user = services.user_create(actor=request.user, **data)
        out = {"id": user.id, "username": user.username, "role": data["role"]}
        return Response(UserOut(out).data, status=status.HTTP_201_CREATED)


class TokenApi(ObtainAuthToken):
    """The contract's token endpoint. Failed attempts count towards django-axes' lockout, as on
    the sign-in page: a locked-out username and address get 403 until the cool-off ends, even
    with the right password."""

    throttle_classes = []

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # Axes marks the request it refused; DRF's Request keeps that attribute itself.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": "Too many failed sign-ins for this username; try again later."},
                    status=status.HTTP_403_FORBIDDEN,
                )
            raise
