"""The episode page's forms: they parse what a coordinator typed into the keyword arguments of
one service (pathway.services); the rules stay in the services. Choices are shown in words."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone

from core.bounds import bounds
from pathway import codes, labels
from pathway.models import Measurement, PostopCheck, ProcedureNote, Stent


def words(choices) -> list[tuple[str, str]]:
    return [(value, labels.code(value)) for value in choices.values]


def optional(choices) -> list[tuple[str, str]]:
    return [("", "—"), *words(choices)]


CHOOSE = "— choose —"


def choice(label: str, choices, what: str) -> forms.ChoiceField:
    """A required clinical choice: it starts blank ("— choose —"), so nothing is recorded that
    nobody chose, and a form saved without it says so in words (`what`: what to choose)."""
    pairs = words(choices) if hasattr(choices, "values") else list(choices)
    return forms.ChoiceField(
        label=label,
        choices=[("", CHOOSE), *pairs],
        error_messages={"required": f"Choose {what}; nothing was chosen."},
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def checks(choices, label, required=False):
    return forms.MultipleChoiceField(
        label=label,
        choices=words(choices),
        widget=forms.CheckboxSelectMultiple,
        required=required,
    )


def yes(label):
    return forms.BooleanField(label=label, required=False)


REASON_HELP = "Needed when a move already relied on this record."


class RecordForm(forms.Form):
    """A record form: `groups` lays the fields out in fieldsets; `reason` says why it changed."""

    groups: list[tuple[str | None, list[str]]] = []
    title = ""
    kind = ""
    submit = "Save"

    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, show_reason=True, **kwargs):
        kwargs.setdefault("prefix", self.kind)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.show_reason = show_reason
        if not show_reason:
            self.fields["reason"].widget = forms.HiddenInput()

    def grouped(self):
        placed = {n for _, names in self.groups for n in names} | {"reason"}
        rest = [n for n in self.fields if n not in placed]
        groups = [*self.groups, (None, rest)] if rest else list(self.groups)
        return [(legend, [self[n] for n in names]) for legend, names in groups]

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, record) -> dict:
        return {}


TRI = [("", "not assessed"), ("yes", "yes"), ("no", "no")]


def tri(label):
    return forms.TypedChoiceField(
        label=label,
        choices=TRI,
        required=False,
        empty_value=None,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
    )


def tri_initial(value: bool | None) -> str:
    return "" if value is None else {True: "yes", False: "no"}[value]


class SelectionForm(RecordForm):
    kind, title = "selection", "Selection"
    groups = [
        ("Dates", ["symptom_onset", "assessed_on"]),
        (None, ["indications", "contraindications", "thrombus_segments"]),
        ("Fitness and risk", ["fit_for_procedure", "pe_suspected", "symptom_window_override"]),
        (
            "Thrombophilia and comorbidities",
            ["thrombophilia", "thrombophilia_finding", "comorbidities"],
        ),
        (
            "Bleeding risk (VTE-BLEED)",
            ["active_cancer", "uncontrolled_hypertension", "anaemia", "prior_bleeding"],
        ),
        ("Pregnancy (a woman of childbearing age)", ["pregnancy", "contraception"]),
    ]

    symptom_onset = forms.DateField(label="Symptom onset", widget=DateInput())
    assessed_on = forms.DateField(label="Assessed on", widget=DateInput())
    indications = checks(codes.Indication, "Presentation and indications")
    contraindications = checks(codes.Contraindication, "Absolute contraindications")
    thrombus_segments = checks(codes.Segment, "Thrombus extent (segments)")
    fit_for_procedure = yes("Fit for a major procedure")
    pe_suspected = yes("Pulmonary embolism suspected")
    symptom_window_override = forms.CharField(
        label="Why treat beyond 21 days from onset (override)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    thrombophilia = forms.ChoiceField(label="Thrombophilia", choices=words(codes.Thrombophilia))
    thrombophilia_finding = forms.CharField(label="Thrombophilia finding", required=False)
    comorbidities = forms.CharField(
        label="Comorbidities", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    active_cancer = yes("Active cancer")
    uncontrolled_hypertension = yes("Uncontrolled hypertension")
    anaemia = yes("Anaemia")
    prior_bleeding = yes("History of bleeding")
    pregnancy = forms.ChoiceField(
        label="Pregnancy",
        required=False,
        choices=[("", "not recorded"), *words(codes.Pregnancy)],
    )
    contraception = tri("Uses contraception")

    @classmethod
    def initial_from(cls, record) -> dict:
        if record is None:
            return {"assessed_on": timezone.localdate()}
        names = [n for n in cls.base_fields if n != "reason"]
        initial = {n: getattr(record, n) for n in names}
        initial["contraception"] = tri_initial(record.contraception)
        return initial


class MdtForm(RecordForm):
    kind, title, submit = "mdt", "MDT decision", "Add the MDT decision"
    groups = [(None, ["date", "attendees", "decision", "rationale", "anaesthetic_risk"])]

    date = forms.DateField(label="MDT date", widget=DateInput())
    attendees = checks(codes.MdtRole, "Attendees", required=True)
    decision = choice(
        "Decision", codes.MdtOutcome, "the MDT decision (proceed, anticoagulation alone or defer)"
    )
    rationale = forms.CharField(
        label="Rationale", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    anaesthetic_risk = forms.CharField(label="Anaesthetic risk", required=False)


class ImagingForm(RecordForm):
    kind, title, submit = "imaging", "Imaging", "Add the study"
    groups = [
        (None, ["modality", "date"]),
        ("Findings", ["ivc_anomaly", "ivc_filter", "right_heart_strain", "findings"]),
    ]

    modality = choice("Study", codes.Modality, "the kind of study")
    date = forms.DateField(label="Study date", widget=DateInput())
    ivc_anomaly = tri("IVC anomaly")
    ivc_filter = tri("IVC filter in place")
    right_heart_strain = tri("Right-heart strain")
    findings = forms.CharField(
        label="Findings (thrombus extent)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnticoagulationForm(RecordForm):
    kind, title = "anticoagulation", "Pre-procedure anticoagulation"
    groups = [(None, ["agent", "started_at"])]

    agent = choice("Agent", codes.PreOpAgent, "the agent (UFH infusion or LMWH)")
    started_at = forms.DateTimeField(label="Started at", widget=DateTimeInput())

    @classmethod
    def initial_from(cls, record) -> dict:
        if record is None:
            return {}
        return {"agent": record.agent, "started_at": timezone.localtime(record.started_at)}


ACCESS_ROWS = 2
STENT_ROWS = 3  # at least; always one empty row more than the stents written, at most MAX
MAX_STENT_ROWS = 30
STENT_PARTS = ("product", "diameter", "length", "segment", "lot", "udi")
_STENT_KEY = re.compile(r"stent_(\d+)_(?:product|diameter|length|segment|lot|udi)$")


def stent_rows(data, prefix: str, written: int = 0) -> tuple[int, bool]:
    """How many stent rows the form shows: the rows the page showed (one more when "Add
    another stent" was pressed), and always an empty one below the last filled; and whether a
    row was asked for."""
    shown, filled = written, written
    added = data is not None and bool(data.get(f"{prefix}-add_stent"))
    if data is not None:
        posted = data.get(f"{prefix}-stent_rows", "")
        shown = int(posted) if posted.isascii() and posted.isdigit() else 0  # "²" is a digit
        for key in data:
            match = _STENT_KEY.match(key.removeprefix(f"{prefix}-"))
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if match and any(str(v).strip() for v in values):
                filled = max(filled, int(match[1]))
    rows = max(STENT_ROWS, filled + 1, shown + added)
    return min(rows, MAX_STENT_ROWS), added


class ProcedureForm(RecordForm):
    kind, title = "procedure", "Procedure note"

    date = forms.DateField(label="Procedure date", widget=DateInput())
    technique = choice(
        "Thrombus removal technique", codes.Technique, "the thrombus removal technique"
    )
    device = forms.CharField(label="Device (e.g. AngioJet, Trellis)", required=False)
    thrombolytic_agent = forms.ChoiceField(
        label="Thrombolytic agent", choices=optional(codes.Thrombolytic), required=False
    )
    thrombolytic_dose = forms.DecimalField(
        label="Thrombolytic dose", required=False, min_value=0, decimal_places=2
    )
    thrombolytic_dose_unit = forms.ChoiceField(
        label="Dose unit", choices=[("", "—"), ("mg", "mg"), ("IU", "IU")], required=False
    )
    angioplasty = yes("Angioplasty")
    ivus = yes("IVUS used")
    completion_patent = forms.TypedChoiceField(
        label="Completion venogram patent",
        choices=[("", CHOOSE), ("yes", "yes"), ("no", "no")],
        coerce=lambda v: v == "yes",
        error_messages={
            "required": "Choose whether the completion venogram is patent; nothing was chosen."
        },
    )
    residual_stenosis_pct = forms.IntegerField(
        label="Residual stenosis (%)",
        required=False,
        **bounds(ProcedureNote, "residual_stenosis_pct"),
    )
    dissection = yes("Dissection")
    inflow = forms.ChoiceField(label="Inflow", choices=optional(codes.Inflow), required=False)
    underlying_lesion = forms.ChoiceField(
        label="Underlying lesion", choices=optional(codes.UnderlyingLesion), required=False
    )
    complications = forms.CharField(
        label="Intra-procedural complications",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, ACCESS_ROWS + 1):
            self.fields[f"access_{i}_vein"] = forms.ChoiceField(
                label=f"Access {i}: vein", choices=optional(codes.AccessVein), required=False
            )
            self.fields[f"access_{i}_side"] = forms.ChoiceField(
                label=f"Access {i}: side", choices=optional(codes.Side), required=False
            )
            self.fields[f"access_{i}_us"] = yes(f"Access {i}: ultrasound-guided")
        written = sum(1 for k in self.initial if _STENT_KEY.match(k) and k.endswith("_product"))
        self.stent_rows, self.adds_row = stent_rows(
            self.data if self.is_bound else None, self.prefix, written
        )
        for i in range(1, self.stent_rows + 1):
            self.fields[f"stent_{i}_product"] = forms.CharField(
                label=f"Stent {i}: product", required=False, max_length=100
            )
            self.fields[f"stent_{i}_diameter"] = forms.IntegerField(
                label=f"Stent {i}: diameter (mm)", required=False, **bounds(Stent, "diameter_mm")
            )
            self.fields[f"stent_{i}_length"] = forms.IntegerField(
                label=f"Stent {i}: length (mm)", required=False, **bounds(Stent, "length_mm")
            )
            self.fields[f"stent_{i}_segment"] = forms.MultipleChoiceField(
                label=f"Stent {i}: segments it spans",
                choices=words(codes.Segment),
                required=False,
                help_text="Choose one or more (Ctrl or ⌘ for more than one).",
                widget=forms.SelectMultiple(attrs={"size": 6}),
            )
            self.fields[f"stent_{i}_lot"] = forms.CharField(
                label=f"Stent {i}: lot number", required=False, max_length=100
            )
            self.fields[f"stent_{i}_udi"] = forms.CharField(
                label=f"Stent {i}: UDI", required=False, max_length=100
            )
        if self.adds_row:  # the new row is where the coordinator goes on typing
            self.fields[f"stent_{self.stent_rows}_product"].widget.attrs["autofocus"] = True
        self.groups = [
            (None, ["date"]),
            *[
                (f"Access vein {i}", [f"access_{i}_vein", f"access_{i}_side", f"access_{i}_us"])
                for i in range(1, ACCESS_ROWS + 1)
            ],
            (
                "Thrombus removal",
                [
                    "technique",
                    "device",
                    "thrombolytic_agent",
                    "thrombolytic_dose",
                    "thrombolytic_dose_unit",
                    "angioplasty",
                ],
            ),
            *[
                (f"Stent {i}", [f"stent_{i}_{p}" for p in STENT_PARTS])
                for i in range(1, self.stent_rows + 1)
            ],
            (
                "Completion venography",
                ["ivus", "completion_patent", "residual_stenosis_pct", "dissection"],
            ),
            ("Findings", ["inflow", "underlying_lesion", "complications"]),
        ]

    def quiet(self):
        """The form as typed, without errors: shown again with one more stent row."""
        self._errors, self.cleaned_data = ErrorDict(), {}
        return self

    def clean(self):
        data = super().clean()
        access, stents = [], []
        for i in range(1, ACCESS_ROWS + 1):
            vein, side = data.get(f"access_{i}_vein"), data.get(f"access_{i}_side")
            if vein or side:
                if not (vein and side):
                    self.add_error(
                        f"access_{i}_side" if vein else f"access_{i}_vein",
                        "Give both the vein and the side.",
                    )
                access.append(
                    {"vein": vein, "side": side, "ultrasound_guided": data.get(f"access_{i}_us")}
                )
        for i in range(1, self.stent_rows + 1):
            row = {p: data.get(f"stent_{i}_{p}") for p in STENT_PARTS}
            if not any(v not in (None, "", []) for v in row.values()):
                continue  # a blank row is ignored
            for p in ("product", "diameter", "length", "segment"):
                if row[p] in (None, "", []):
                    self.add_error(f"stent_{i}_{p}", "Fill in every field of this stent.")
            stents.append(
                {
                    "product": row["product"],
                    "diameter_mm": row["diameter"],
                    "length_mm": row["length"],
                    "segments": row["segment"] or [],
                    "lot": row["lot"] or "",
                    "udi": row["udi"] or "",
                }
            )
        data["access"], data["stents"] = access, stents
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return dict(
            date=d["date"],
            access=d["access"],
            technique=d["technique"],
            device=d["device"],
            thrombolytic_agent=d["thrombolytic_agent"] or None,
            thrombolytic_dose=d["thrombolytic_dose"],
            thrombolytic_dose_unit=d["thrombolytic_dose_unit"] or None,
            angioplasty=d["angioplasty"],
            ivus=d["ivus"],
            stents=d["stents"],
            completion_venography={
                "patent": d["completion_patent"],
                "residual_stenosis_pct": d["residual_stenosis_pct"],
                "dissection": d["dissection"],
            },
            complications=d["complications"],
            inflow=d["inflow"] or None,
            underlying_lesion=d["underlying_lesion"] or None,
            reason=d["reason"],
        )

    @classmethod
    def initial_from(cls, note) -> dict:
        if note is None:
            return {}
        data = {
            n: getattr(note, n)
            for n in (
                "date",
                "technique",
                "device",
                "thrombolytic_agent",
                "thrombolytic_dose",
                "thrombolytic_dose_unit",
                "angioplasty",
                "ivus",
                "residual_stenosis_pct",
                "dissection",
                "inflow",
                "underlying_lesion",
                "complications",
            )
        }
        if note.completion_patent is not None:
            data["completion_patent"] = "yes" if note.completion_patent else "no"
        for i, a in enumerate(note.access[:ACCESS_ROWS], start=1):
            data.update(
                {
                    f"access_{i}_vein": a.get("vein"),
                    f"access_{i}_side": a.get("side"),
                    f"access_{i}_us": a.get("ultrasound_guided"),
                }
            )
        for i, s in enumerate(list(note.stents.all())[: MAX_STENT_ROWS - 1], start=1):
            data.update(
                {
                    f"stent_{i}_product": s.product,
                    f"stent_{i}_diameter": s.diameter_mm,
                    f"stent_{i}_length": s.length_mm,
                    f"stent_{i}_segment": s.segments,
                    f"stent_{i}_lot": s.lot,
                    f"stent_{i}_udi": s.udi,
                }
            )
        return data


class DischargePlanForm(RecordForm):
    kind, title = "discharge_plan", "Discharge plan"
    groups = [
        (
            "Long-term anticoagulation",
            ["anticoagulant", "target_inr_low", "target_inr_high", "planned_duration_months"],
        ),
        ("Compression", ["compression_stockings", "compression_reason"]),
    ]

    anticoagulant = choice("Anticoagulant", codes.Anticoagulant, "the long-term anticoagulant")
    target_inr_low = forms.DecimalField(label="Target INR from (VKA)", required=False)
    target_inr_high = forms.DecimalField(label="Target INR to (VKA)", required=False)
    planned_duration_months = forms.IntegerField(
        label="Planned duration (months; empty for lifelong)", required=False
    )
    compression_stockings = yes("Compression stockings prescribed")
    compression_reason = forms.CharField(label="Why no stockings", required=False)

    @classmethod
    def initial_from(cls, record) -> dict:
        if record is None:
            return {}
        return {n: getattr(record, n) for n in cls.base_fields if n != "reason"}


class ComplicationForm(RecordForm):
    kind, title, submit = "complication", "Complication", "Add the complication"
    groups = [(None, ["kind_code", "occurred_on", "severity", "bleeding_class", "notes"])]

    kind_code = choice("Complication", codes.ComplicationKind, "the complication")
    occurred_on = forms.DateField(label="Occurred on", widget=DateInput())
    severity = choice("Severity (SIR)", codes.Severity, "the severity (SIR)")
    bleeding_class = forms.ChoiceField(
        label="Bleeding class (ISTH; every bleeding, and only bleeding)",
        required=False,
        choices=[("", "—"), *[(v, lab) for v, lab in codes.BleedingClass.choices]],
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["kind"] = d.pop("kind_code")
        d["bleeding_class"] = d["bleeding_class"] or None
        return d


class MeasurementForm(RecordForm):
    kind, title, submit = "measurement", "Renal function and weight", "Add the measurement"
    groups = [
        (None, ["measured_on", "weight_kg", "creatinine_umol_l", "creatinine_clearance_ml_min"])
    ]

    measured_on = forms.DateField(label="Measured on", widget=DateInput())
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, **bounds(Measurement, "weight_kg"), decimal_places=1
    )
    creatinine_umol_l = forms.DecimalField(
        label="Creatinine (µmol/L)",
        required=False,
        decimal_places=1,
        **bounds(Measurement, "creatinine_umol_l"),
    )
    creatinine_clearance_ml_min = forms.DecimalField(
        label="Creatinine clearance (mL/min)",
        required=False,
        **bounds(Measurement, "creatinine_clearance_ml_min"),
        decimal_places=1,
        help_text="Empty: computed by Cockcroft–Gault from the creatinine.",
    )

    @classmethod
    def initial_from(cls, record) -> dict:
        return {"measured_on": timezone.localdate()}


class PostopCheckForm(RecordForm):
    kind, title, submit = "postop_check", "Post-op check", "Add the check"
    groups = [
        (
            None,
            [
                "at",
                "limb_perfusion",
                "pain_score",
                "compartment_signs",
                "access_bleeding",
                "mobilised",
            ],
        )
    ]

    at = forms.DateTimeField(label="Time of the check", widget=DateTimeInput())
    limb_perfusion = choice("Limb perfusion", codes.LimbPerfusion, "the limb perfusion")
    pain_score = forms.IntegerField(label="Pain score (0-10)", **bounds(PostopCheck, "pain_score"))
    compartment_signs = yes("Signs of compartment syndrome")
    access_bleeding = yes("Access-site bleeding or haematoma")
    mobilised = yes("Mobilised")

    @classmethod
    def initial_from(cls, record) -> dict:
        return {"at": timezone.localtime().replace(second=0, microsecond=0)}


RECORD_FORMS = {
    f.kind: f
    for f in (
        SelectionForm,
        MdtForm,
        ImagingForm,
        AnticoagulationForm,
        ProcedureForm,
        DischargePlanForm,
        ComplicationForm,
        PostopCheckForm,
        MeasurementForm,
    )
}


# --- moves and assignment ---------------------------------------------------------------------
def state_code(state: str) -> str:
    """The state the page showed, as its move forms post it back: its name, hyphenated
    (`mdt-discussion`), as the moves are named, never an index, so that a page left open across
    a release still names the same state and no machine identifier is shown."""
    return state.replace("_", "-")


STATE_OF_CODE = {state_code(state): state for state in codes.State.values}
OLDER_STATE = "This form is from an older version of the page: reload it and make the move again."
NO_SUCH_STATE = (
    "The form named a stage that does not exist: reload the page and make the move again."
)


class MoveForm(forms.Form):
    """One move: its name, the reason, the effective date, and for a re-intervention its codes."""

    expected_state = forms.CharField(widget=forms.HiddenInput(), required=False)
    reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    effective_on = forms.DateField(
        label="Effective date", required=False, widget=DateInput(), help_text="Today when empty."
    )
    cause = forms.ChoiceField(
        label="Cause", choices=optional(codes.ReinterventionCause), required=False
    )
    segments = forms.MultipleChoiceField(
        label="Stented segments concerned", required=False, widget=forms.CheckboxSelectMultiple
    )
    follow_up = forms.TypedChoiceField(
        label="Duplex that showed it", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, move=None, stented=(), duplexes=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.move = move
        self.fields["segments"].choices = [(s, labels.code(s)) for s in stented]
        self.fields["follow_up"].choices = [("", "—"), *duplexes]
        if move is not None:
            self.fields["reason"].required = move.reason_required
            if move.name == "record_death":
                self.fields["effective_on"].label = "Date of death"
                self.fields["effective_on"].required = True

    def clean_expected_state(self) -> str | None:
        """The state the page showed (None: not said, nothing to compare); an index posted by
        a page from before states were named, or any other stranger, is refused in words."""
        code = self.cleaned_data["expected_state"]
        if not code:
            return None
        if code in STATE_OF_CODE:
            return STATE_OF_CODE[code]
        older = code.isascii() and code.isdigit()  # "²" passes isdigit() alone
        raise forms.ValidationError(OLDER_STATE if older else NO_SUCH_STATE)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = dict(
            name=self.move.name,
            reason=d["reason"],
            effective_on=d["effective_on"],
            expected_state=d["expected_state"],
        )
        if self.move.name == "reintervene":
            kwargs["reintervention"] = {
                "cause": d["cause"],
                "segments": d["segments"],
                "follow_up": d["follow_up"],
            }
        return kwargs


class AssignForm(forms.Form):
    assigned_nurse = forms.TypedChoiceField(
        label="Nurse", required=False, coerce=int, empty_value=None
    )
    assigned_coordinator = forms.TypedChoiceField(
        label="Coordinator", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, nurses=(), coordinators=(), **kwargs):
        kwargs.setdefault("prefix", "assign")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        every = ("", "Everyone in the role")
        self.fields["assigned_nurse"].choices = [every, *nurses]
        self.fields["assigned_coordinator"].choices = [every, *coordinators]


def today() -> dt.date:
    return timezone.localdate()
