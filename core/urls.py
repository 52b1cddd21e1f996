"""Web pages of the core app: users (admins), and the second step of signing in."""

from django.urls import path

from core import pages
from core.second_factor import pages as two_step

urlpatterns = [
    path("users/", pages.users, name="users"),
    path("users/<int:user_id>/role/", pages.user_role, name="user-role"),
    path("users/<int:user_id>/active/", pages.user_active, name="user-active"),
    path("users/<int:user_id>/email/", pages.user_email, name="user-email"),
    path("users/<int:user_id>/unlock/", pages.user_unlock, name="user-unlock"),
    path(
        "users/<int:user_id>/two-step/reset/", pages.user_two_step_reset, name="user-two-step-reset"
    ),
    # The second step after the password (core.second_factor.middleware opens these two).
    path("accounts/two-step/", two_step.code, name="two-step"),
    path("accounts/two-step/enrol/", two_step.enrol, name="two-step-enrol"),
    path("accounts/two-step/manage/", two_step.manage, name="two-step-manage"),
]
