"""Web pages of the core app: users (admins)."""

from django.urls import path

from core import pages

urlpatterns = [
    path("users/", pages.users, name="users"),
    path("users/<int:user_id>/role/", pages.user_role, name="user-role"),
    path("users/<int:user_id>/active/", pages.user_active, name="user-active"),
    path("users/<int:user_id>/email/", pages.user_email, name="user-email"),
    path("users/<int:user_id>/unlock/", pages.user_unlock, name="user-unlock"),
]
