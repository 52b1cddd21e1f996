"""Forms of the users page: they parse; core.services decides."""

from django import forms
from django.contrib.auth import password_validation

from core import roles

ROLE_CHOICES = [
    (roles.NURSE, "Nurse"),
    (roles.COORDINATOR, "Coordinator"),
    (roles.ADMIN, "Admin"),
]


class UserCreateForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "active"), ("0", "inactive")],
                                    coerce=lambda v: v == "1")  # fmt: skip
