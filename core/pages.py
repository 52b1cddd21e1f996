"""Admin pages for people: list users, create one in a role, change a role, deactivate."""

from django.shortcuts import render

from core import roles
from core.web import page_for


@page_for(roles.MANAGE_USERS, "manage users")
def users(request):
    return render(request, "core/users.html", {})
