"""Forms of the inbox: they parse what a nurse types into the keyword arguments of
tasks.services.followup_record_result and visit_record; the services judge it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from pathway import labels
from pathway.rules import INR_READING_BOUNDS
from pathway.villalta import VILLALTA_ITEMS
from tasks.models import DuplexSegmentResult
from tasks.services import CEAP_CLASSES

SEGMENT_RESULTS = [
    ("", "Choose…"),
    (DuplexSegmentResult.Result.PATENT, "Patent"),
    (DuplexSegmentResult.Result.STENOSIS, "Stenosis ≥ 50%"),
    (DuplexSegmentResult.Result.OCCLUDED, "Occluded"),
]
VILLALTA_LABELS = {
    "pain": "Pain",
    "cramps": "Cramps",
    "heaviness": "Heaviness",
    "paraesthesia": "Paraesthesia",
    "pruritus": "Pruritus",
    "pretibial_oedema": "Pretibial oedema",
    "skin_induration": "Skin induration",
    "hyperpigmentation": "Hyperpigmentation",
    "redness": "Redness",
    "venous_ectasia": "Venous ectasia",
    "pain_on_calf_compression": "Pain on calf compression",
}
VILLALTA_SYMPTOMS = ("pain", "cramps", "heaviness", "paraesthesia", "pruritus")
VILLALTA_POINTS = [
    ("", "—"),
    ("0", "0 none"),
    ("1", "1 mild"),
    ("2", "2 moderate"),
    ("3", "3 severe"),
]


def _today():
    return timezone.localdate()


class ResultForm(forms.Form):
    performed_on = forms.DateField(
        label="Date performed",
        initial=_today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, prefix_id: str = "", late: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{prefix_id}%s" if prefix_id else "id_%s"
        self.late = late
        if late:
            self.add_reason_field()

    def add_reason_field(self) -> None:
        """Why a result done in an earlier stay in surveillance is entered after the episode
        moved on (pathway.md section 6): the service asks for it, the form only carries it."""
        self.fields["reason"] = forms.CharField(
            label="Why it is entered late",
            widget=forms.Textarea(attrs={"rows": 2}),
            error_messages={
                "required": "Required: say why this result is entered after the episode moved on."
            },
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """A service's InvalidInput, shown on its field (or above the form). A reason asked for
        by the service on a form without one (a result of an earlier stay, found by its date)
        adds the field, so the nurse can give it."""
        if "reason" in errors and "reason" not in self.fields:
            self.add_reason_field()
        for field, messages in errors.items():
            target = field if field in self.fields else None
            if field == "segments":
                target = next((n for n in self.fields if n.startswith("segment_")), None)
            elif field == "villalta":
                target = None
            for message in messages:
                self.add_error(target, message)

    def service_kwargs(self) -> dict:
        kwargs = {"performed_on": self.cleaned_data["performed_on"]}
        if "reason" in self.fields:
            kwargs["reason"] = self.cleaned_data["reason"]
        return kwargs


if TYPE_CHECKING:
    _Form = forms.Form  # to the type checker, the mixin is the form it is mixed into
else:
    _Form = object


class VillaltaMixin(_Form):
    """The 11 Villalta items 0-3 and ulcer; all scored or none (the score is optional)."""

    def add_villalta_fields(self) -> None:
        for item in VILLALTA_ITEMS:
            self.fields[f"villalta_{item}"] = forms.ChoiceField(
                label=VILLALTA_LABELS[item], choices=VILLALTA_POINTS, required=False
            )
        self.fields["villalta_ulcer"] = forms.BooleanField(label="Venous ulcer", required=False)

    def villalta_symptoms(self):
        return [self[f"villalta_{i}"] for i in VILLALTA_SYMPTOMS]

    def villalta_signs(self):
        return [self[f"villalta_{i}"] for i in VILLALTA_ITEMS if i not in VILLALTA_SYMPTOMS]

    def villalta(self) -> dict | None:
        data = self.cleaned_data
        scored: dict[str, Any] = {i: data.get(f"villalta_{i}") for i in VILLALTA_ITEMS}
        if not any(v not in (None, "") for v in scored.values()) and not data.get("villalta_ulcer"):
            return None
        return {**{i: int(v) for i, v in scored.items()}, "ulcer": bool(data.get("villalta_ulcer"))}

    def clean_villalta(self) -> None:
        data = self.cleaned_data
        values = [data.get(f"villalta_{i}") for i in VILLALTA_ITEMS]
        given = [v not in (None, "") for v in values]
        if any(given) and not all(given):
            for item, done in zip(VILLALTA_ITEMS, given, strict=True):
                if not done:
                    self.add_error(f"villalta_{item}", "Score this item (0-3), or leave all blank.")


class DuplexForm(VillaltaMixin, ResultForm):
    kind = "duplex"

    def __init__(self, *args, segments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.segment_names = list(segments)
        # A scan entered late may predate a stent placed since: its segment is left blank
        # (the service still wants every segment stented by the day of the scan).
        choices = [("", "Not stented then"), *SEGMENT_RESULTS[1:]] if self.late else SEGMENT_RESULTS
        for segment in self.segment_names:
            self.fields[f"segment_{segment}"] = forms.ChoiceField(
                label=labels.sentence(labels.code(segment)), choices=choices, required=not self.late
            )
        self.add_villalta_fields()
        self.fields["ceap"] = forms.ChoiceField(
            label="CEAP clinical class (optional)",
            choices=[("", "Not recorded"), *[(c, c) for c in CEAP_CLASSES]],
            required=False,
        )

    def segment_fields(self):
        return [self[f"segment_{s}"] for s in self.segment_names]

    def clean(self):
        cleaned = super().clean()
        self.clean_villalta()
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "segments": [
                {"segment": s, "result": data[f"segment_{s}"]}
                for s in self.segment_names
                if data[f"segment_{s}"]
            ],
            "villalta": self.villalta(),
            "ceap": data.get("ceap") or None,
        }


class InrForm(ResultForm):
    kind = "inr_check"
    inr = forms.DecimalField(
        label="INR",
        max_digits=4,
        decimal_places=2,
        min_value=INR_READING_BOUNDS[0],
        max_value=INR_READING_BOUNDS[1],
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "inr": self.cleaned_data["inr"]}


class ReviewForm(ResultForm):
    kind = "anticoagulation_review"
    adherent = forms.TypedChoiceField(
        label="Taking the anticoagulant as prescribed?",
        choices=[("yes", "Yes, adherent"), ("no", "No, not adherent")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    compression_adherent = forms.TypedChoiceField(
        label="Wearing the compression stockings?",
        choices=[("yes", "Yes"), ("no", "No, not wearing them"), ("", "Not asked")],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "adherent": data["adherent"],
            "compression_adherent": data["compression_adherent"],
            "notes": data["notes"],
        }


class VillaltaForm(VillaltaMixin, forms.Form):
    """What the live score reads: the items as typed so far."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_villalta_fields()


def form_for(kind: str, *, segments: list[str], **kwargs) -> ResultForm:
    if kind == "duplex":
        return DuplexForm(segments=segments, **kwargs)
    if kind == "inr_check":
        return InrForm(**kwargs)
    return ReviewForm(**kwargs)
