"""Forms of the users page and of the sign-in page: they parse; core.services decides."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from core import roles, selectors


def _password_help() -> str:
    return " ".join(password_validation.password_validators_help_texts())


ROLE_CHOICES = [
    (roles.NURSE, "Nurse"),
    (roles.COORDINATOR, "Coordinator"),
    (roles.ADMIN, "Admin"),
]


class UserCreateForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=301, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        label="Email",
        help_text="Alerts are emailed: required for everyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    username = forms.CharField(label="Username", max_length=150)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        # lazy, as Django's own forms: the validators (reading the common passwords' list) are
        # made when the form is shown, not at every process's start
        help_text=lazy(_password_help, str)(),
    )
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class EmailForm(forms.Form):
    email = forms.EmailField(label="Email")


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", "active"), ("0", "inactive")], coerce=lambda v: v == "1"
    )


class SignInForm(AuthenticationForm):
    """The sign-in page's form: a deactivated account with its right password is told it is
    deactivated; any other refusal says only that the username and password do not match."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Please try again.",
        "inactive": selectors.DEACTIVATED,
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login" and selectors.account_deactivated(
                username=self.cleaned_data.get("username") or "",
                password=self.cleaned_data.get("password") or "",
            ):
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise
