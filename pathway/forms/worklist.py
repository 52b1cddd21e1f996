"""Forms of the worklist: its filters (GET), its search (POST, kept in the session so no patient
identifier reaches a URL), a new patient and a new episode."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.errors import DomainError, InvalidInput
from pathway import labels
from pathway.codes import State
from pathway.selectors.worklist import EVERY, OPEN, Filters
from patients.models import Patient
from patients.selectors import SEARCH_MAX_CHARS, search_problem

STATE_CHOICES = [(OPEN, "All open episodes"), (EVERY, "Every state")] + [
    (s, labels.state(s)) for s in State.values
]


class DateInput(forms.DateInput):
    input_type = "date"


class FilterForm(forms.Form):
    state = forms.ChoiceField(label="State", choices=STATE_CHOICES, required=False)
    mine = forms.BooleanField(label="Assigned to me", required=False)
    blocked = forms.BooleanField(label="Blocked", required=False)
    min_days = forms.IntegerField(
        label="At least this many days in the stage", min_value=0, max_value=36500, required=False
    )

    def filters(self, search: str) -> Filters:
        """The filters asked for; an invalid value is left out (and shown on the form)."""
        self.is_valid()  # cleaned_data keeps the valid fields only
        data = self.cleaned_data
        return Filters(
            state=data.get("state") or "",
            mine=bool(data.get("mine")),
            blocked=bool(data.get("blocked")),
            min_days=data.get("min_days"),
            search=search,
        )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="MRN or name", max_length=SEARCH_MAX_CHARS, required=False, strip=True
    )

    def clean_q(self) -> str:
        if problem := search_problem(self.cleaned_data["q"]):
            raise ValidationError(problem)
        return self.cleaned_data["q"]


def show_domain_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal shown on the form: each field's message beside the field."""
    if isinstance(error, InvalidInput):
        for name, messages in error.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error.detail)


def show_validation_error(form: forms.Form, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class AccessibleForm(forms.Form):
    """A form whose inputs point at their error messages, once errors are known."""

    def mark_errors(self) -> forms.Form:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"
        return self


class NewPatientForm(AccessibleForm):
    mrn = forms.CharField(label="MRN", max_length=32)
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    birth_date = forms.DateField(label="Birth date", widget=DateInput)
    sex = forms.ChoiceField(label="Sex", choices=[("", "Choose…"), *Patient.Sex.choices])


class PatientChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Patient) -> str:
        return f"{obj.family_name}, {obj.given_name} ({obj.mrn})"


class NewEpisodeForm(AccessibleForm):
    patient = PatientChoice(label="Patient", queryset=Patient.objects.none(), empty_label="Choose…")
    opened_on = forms.DateField(label="Referral date", widget=DateInput)

    def __init__(self, *args, patients=None, **kwargs):
        super().__init__(*args, **kwargs)
        if patients is not None:
            self.fields["patient"].queryset = patients
