"""The journey section's forms: start a course, and change or stop one with a reason. They parse
into the keyword arguments of pathway.services.course_add and course_change, which decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from core.bounds import bounds
from pathway import codes
from pathway.forms.records import DateInput
from pathway.models import AnticoagulationCourse

CLASS_WORDS = {
    codes.CourseClass.PARENTERAL: "Parenteral (heparins, fondaparinux)",
    codes.CourseClass.VKA: "VKA",
    codes.CourseClass.DOAC: "DOAC",
}
AGENTS = [("", "—")] + [
    (words, [(a.value, a.label) for a in codes.CourseAgent if codes.COURSE_CLASS[a] == c])
    for c, words in CLASS_WORDS.items()
]
DECISIONS = [("", "not decided"), *codes.CourseDecision.choices]
TARGETS = ("target_inr_low", "target_inr_high")


def _bounds(name: str) -> dict:
    return bounds(AnticoagulationCourse, name)


def _fields() -> dict:
    """The fields a course is written with, shared by the two forms."""
    return {
        "dose": forms.DecimalField(
            label="Dose", required=False, max_digits=9, decimal_places=2, **_bounds("dose")
        ),
        "dose_unit": forms.CharField(
            label="Dose unit", required=False, max_length=16, help_text="mg, IU, mg/kg, units/h"
        ),
        "frequency": forms.CharField(
            label="Frequency",
            required=False,
            max_length=40,
            help_text="e.g. twice daily, continuous",
        ),
        "target_inr_low": forms.DecimalField(
            label="Target INR from (VKA)", required=False, max_digits=3, decimal_places=1
        ),
        "target_inr_high": forms.DecimalField(
            label="Target INR to (VKA)", required=False, max_digits=3, decimal_places=1
        ),
        "planned_duration_months": forms.IntegerField(
            label="Planned duration (months)",
            required=False,
            **_bounds("planned_duration_months"),
            help_text="Empty for lifelong.",
        ),
    }


class CourseAddForm(forms.Form):
    """Start a course (several may run together: bridging)."""

    agent = forms.ChoiceField(label="Anticoagulant", choices=AGENTS)
    started_on = forms.DateField(label="Started on", widget=DateInput())
    stopped_on = forms.DateField(
        label="Stopped on",
        required=False,
        widget=DateInput(),
        help_text="Only for a course already over.",
    )
    reason = forms.CharField(
        label="Why it starts", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "course")
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"started_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields.update(_fields())
        order = [
            "agent",
            "dose",
            "dose_unit",
            "frequency",
            "started_on",
            "stopped_on",
            *TARGETS,
            "planned_duration_months",
            "reason",
        ]
        self.order_fields(order)

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["dose_unit"], d["frequency"] = d["dose_unit"] or "", d["frequency"] or ""
        return d


class CourseChangeForm(forms.Form):
    """Change or stop one course, with a reason. Each field carries the value the page showed
    (a hidden copy), so only what this user changed is sent: a change someone else saved
    meanwhile is not undone by an untouched field."""

    started_on = forms.DateField(label="Started on", widget=DateInput())
    stopped_on = forms.DateField(label="Stopped on", required=False, widget=DateInput())
    end_decision = forms.ChoiceField(
        label="Decision at the planned end", required=False, choices=DECISIONS
    )
    reason = forms.CharField(
        label="Why it changes or stops", widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, course_id: int, course=None, **kwargs):
        kwargs.setdefault("prefix", f"course{course_id}")
        kwargs.setdefault("label_suffix", "")
        if course is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(course, name)
                    for name in (
                        "started_on",
                        "stopped_on",
                        "end_decision",
                        "dose",
                        "dose_unit",
                        "frequency",
                        *TARGETS,
                        "planned_duration_months",
                    )
                },
            )
        super().__init__(*args, **kwargs)
        self.fields.update(_fields())
        self.order_fields(
            [
                "stopped_on",
                "dose",
                "dose_unit",
                "frequency",
                *TARGETS,
                "planned_duration_months",
                "started_on",
                "end_decision",
                "reason",
            ]
        )
        for name, f in self.fields.items():
            f.show_hidden_initial = name != "reason"
        self.fields["reason"].error_messages["required"] = "Say why the course changes or stops."
        if course is not None:
            self.shown_for(course)

    def shown_for(self, course) -> CourseChangeForm:
        """Only a VKA has a target range: the page shows no target fields for another."""
        if course.agent_class != codes.CourseClass.VKA:
            for name in TARGETS:
                self.fields.pop(name, None)
        return self

    def changes(self) -> dict:
        d = self.cleaned_data
        changed = {n: d[n] for n in self.changed_data if n != "reason"}
        for text in ("dose_unit", "frequency", "end_decision"):
            if text in changed:
                changed[text] = changed[text] or ""
        return changed

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(
                "Nothing was changed: give a stop date or change a field, then save."
            )
        return data
