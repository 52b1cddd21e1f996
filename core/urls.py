"""Web pages of the core app: users (admins)."""

from django.urls import path

from core import pages

urlpatterns = [
    path("users/", pages.users, name="users"),
]
