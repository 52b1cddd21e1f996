"""Admin pages for people: list users, create one in a role, change a role, deactivate.
Thin: the forms parse, core.services decides and writes."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core import roles, selectors, services
from core.errors import Conflict, InvalidInput
from core.forms import ActiveForm, EmailForm, RoleForm, UserCreateForm
from core.second_factor import services as two_step
from core.selectors import ROLE_WORDS
from core.web import page_for


def _render(request, form, status=200):
    people = selectors.user_people(actor=request.user)
    context = {"form": form, "people": people, "roles": RoleForm.base_fields["role"].choices}
    return render(request, "core/users.html", context, status=status)


@page_for(roles.MANAGE_USERS, "manage users")
@require_http_methods(["GET", "POST"])
def users(request):
    """The list, and the form that creates a user in a role (errors inline)."""
    if request.method != "POST":
        return _render(request, UserCreateForm())
    form = UserCreateForm(request.POST)
    if form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_service_errors(exc.errors)
        else:
            role = ROLE_WORDS[form.cleaned_data["role"]].lower()
            messages.success(request, f"{user.username} can now sign in as a {role}.")
            return redirect("users")
    return _render(request, form, status=400)


@page_for(roles.MANAGE_USERS, "change roles")
@require_POST
def user_role(request, user_id: int):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("users")
    try:
        user = services.user_set_role(
            actor=request.user, user_id=user_id, role=form.cleaned_data["role"]
        )
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        role = ROLE_WORDS[form.cleaned_data["role"]].lower()
        messages.success(request, f"{user.username} is now a {role}.")
    return redirect("users")


@page_for(roles.MANAGE_USERS, "deactivate users")
@require_POST
def user_active(request, user_id: int):
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the account is active.")
        return redirect("users")
    active = form.cleaned_data["active"]
    try:
        user = services.user_set_active(actor=request.user, user_id=user_id, active=active)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        done = "reactivated: they can sign in again" if active else "deactivated: no sign-in"
        messages.success(request, f"{user.username} {done}.")
    return redirect("users")


@page_for(roles.MANAGE_USERS, "change email addresses")
@require_POST
def user_email(request, user_id: int):
    form = EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a valid email address.")
        return redirect("users")
    try:
        user = services.user_set_email(
            actor=request.user, user_id=user_id, email=form.cleaned_data["email"]
        )
    except (Conflict, InvalidInput) as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, f"{user.username}'s alerts now go to {user.email}.")
    return redirect("users")


@page_for(roles.MANAGE_USERS, "unlock users")
@require_POST
def user_unlock(request, user_id: int):
    user, cleared = services.user_unlock(actor=request.user, user_id=user_id)
    if cleared:
        messages.success(request, f"{user.username} is unlocked: they can sign in again now.")
    else:
        messages.info(request, f"{user.username} was not locked out.")
    return redirect("users")


@page_for(roles.MANAGE_USERS, "reset two-step sign-in")
@require_POST
def user_two_step_reset(request, user_id: int):
    """A lost phone: the user's authenticator and recovery codes go, their sign-ins end."""
    try:
        user = two_step.second_factor_reset(actor=request.user, user_id=user_id)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            f"{user.username}'s two-step sign-in was reset and their sign-ins ended: they sign in "
            f"with their password and set up their authenticator app again.",
        )
    return redirect("users")
