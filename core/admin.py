"""Users in the admin are deactivated, never deleted: the history rows name who did what, and
they cannot be rewritten (the app's database role may not update them), so a deletion would
fail half-way. `/users/` deactivates. An email is required here as on `/users/` and in the API:
alerts are emailed."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import SignInSettings

EMAIL_HELP = "Required: alerts are emailed."


class UserAddForm(AdminUserCreationForm):
    email = forms.EmailField(label="Email address", help_text=EMAIL_HELP)

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "email")


class UserEditForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].required = True
            self.fields["email"].help_text = EMAIL_HELP


class KeptUserAdmin(UserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, KeptUserAdmin)


@admin.register(SignInSettings)
class SignInSettingsAdmin(admin.ModelAdmin):
    """The unit changes how long an idle web sign-in lasts, and whether every role signs in
    in two steps, here, without code."""

    def has_add_permission(self, request):
        return not SignInSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Authenticators and recovery codes are not edited in the admin (it would show their secrets):
# each user sets up their own, and a lost phone is reset on /users/, where it is recorded.
for otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(otp_model):
        admin.site.unregister(otp_model)
