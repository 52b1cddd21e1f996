"""Request bodies, parsed to plain data for the services."""

from rest_framework import serializers

from core.bounds import bounds
from pathway import codes, machine
from pathway.models import Measurement, PostopCheck, ProcedureNote, Stent


def codes_list(choices, **kwargs):
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), **kwargs)


class EpisodeIn(serializers.Serializer):
    patient = serializers.IntegerField()
    opened_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Referral date; default today."
    )


class AssignIn(serializers.Serializer):
    assigned_nurse = serializers.IntegerField(allow_null=True, required=False)
    assigned_coordinator = serializers.IntegerField(allow_null=True, required=False)


class RecordIn(serializers.Serializer):
    """Every record write may say why; it must when a move already relied on the record."""

    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the record changes; required when a move already relied on it.",
    )


class ReinterventionIn(serializers.Serializer):
    cause = serializers.ChoiceField(choices=codes.ReinterventionCause.choices)
    segments = codes_list(codes.Segment.choices, required=False, default=list)
    follow_up = serializers.IntegerField(required=False, allow_null=True, default=None)
    visit = serializers.IntegerField(required=False, allow_null=True, default=None)


class TransitionIn(serializers.Serializer):
    transition = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)
    expected_state = serializers.ChoiceField(
        choices=codes.State.choices, required=False, allow_null=True, default=None
    )
    reintervention = ReinterventionIn(
        required=False,
        allow_null=True,
        default=None,
        help_text="Required for reintervene: why, coded (patency reporting reads it).",
    )

    def validate_transition(self, value):
        if value not in machine.NAMES:
            raise serializers.ValidationError(
                f"Unknown transition. Known: {', '.join(machine.NAMES)}."
            )
        return value

    def validate_reason(self, value):
        return value or ""


class SelectionIn(RecordIn):
    assessed_on = serializers.DateField()
    symptom_onset = serializers.DateField()
    indications = codes_list(codes.Indication.choices)
    contraindications = codes_list(codes.Contraindication.choices)
    fit_for_procedure = serializers.BooleanField()
    thrombus_segments = codes_list(codes.Segment.choices)
    pe_suspected = serializers.BooleanField(required=False, default=False)
    symptom_window_override = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None
    )
    thrombophilia = serializers.ChoiceField(
        choices=codes.Thrombophilia.choices, required=False, default=codes.Thrombophilia.NOT_TESTED
    )
    thrombophilia_finding = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when positive."
    )
    comorbidities = serializers.CharField(required=False, allow_blank=True, default="")
    # VTE-BLEED's facts and the pregnancy status (pathway.md section 7); a request without
    # them records the defaults, as before they existed.
    active_cancer = serializers.BooleanField(required=False, default=False)
    uncontrolled_hypertension = serializers.BooleanField(required=False, default=False)
    anaemia = serializers.BooleanField(required=False, default=False)
    prior_bleeding = serializers.BooleanField(
        required=False, default=False, help_text="A history of bleeding."
    )
    pregnancy = serializers.ChoiceField(
        choices=codes.Pregnancy.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text="Blank or null: not recorded.",
    )
    contraception = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Null: not recorded."
    )

    def validate_pregnancy(self, value):
        return value or ""


class MdtIn(RecordIn):
    date = serializers.DateField()
    attendees = codes_list(codes.MdtRole.choices, allow_empty=False)
    decision = serializers.ChoiceField(choices=codes.MdtOutcome.choices)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    anaesthetic_risk = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )


class ImagingIn(RecordIn):
    modality = serializers.ChoiceField(choices=codes.Modality.choices)
    date = serializers.DateField()
    ivc_anomaly = serializers.BooleanField(required=False, allow_null=True, default=None)
    ivc_filter = serializers.BooleanField(required=False, allow_null=True, default=None)
    right_heart_strain = serializers.BooleanField(required=False, allow_null=True, default=None)
    thrombus_segments = codes_list(codes.Segment.choices, required=False, default=list)
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class AnticoagulationIn(RecordIn):
    agent = serializers.ChoiceField(choices=codes.PreOpAgent.choices)
    started_at = serializers.DateTimeField()


class AccessIn(serializers.Serializer):
    vein = serializers.ChoiceField(choices=codes.AccessVein.choices)
    side = serializers.ChoiceField(choices=codes.Side.choices)
    ultrasound_guided = serializers.BooleanField()


class StentIn(serializers.Serializer):
    product = serializers.CharField(max_length=100)
    diameter_mm = serializers.IntegerField(**bounds(Stent, "diameter_mm"))
    length_mm = serializers.IntegerField(**bounds(Stent, "length_mm"))
    segment = serializers.ChoiceField(
        choices=codes.Segment.choices,
        required=False,
        help_text="The one segment it covers (or give `segments`).",
    )
    segments = codes_list(
        codes.Segment.choices,
        required=False,
        allow_empty=False,
        help_text="The segments it spans, each once, in order (or give one `segment`).",
    )
    lot = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default="", help_text="Lot number."
    )
    udi = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="Unique device identifier.",
    )

    def validate(self, attrs):
        if "segment" in attrs and "segments" in attrs:
            raise serializers.ValidationError(
                "Give the segments the stent spans, or one segment, not both."
            )
        if "segment" not in attrs and "segments" not in attrs:
            raise serializers.ValidationError("Name the segment or segments the stent spans.")
        return attrs


class CompletionIn(serializers.Serializer):
    patent = serializers.BooleanField()
    residual_stenosis_pct = serializers.IntegerField(
        **bounds(ProcedureNote, "residual_stenosis_pct"),
        required=False,
        allow_null=True,
        default=None,
    )
    dissection = serializers.BooleanField(required=False, default=False)


class ProcedureIn(RecordIn):
    date = serializers.DateField()
    access = AccessIn(many=True, allow_empty=False)
    technique = serializers.ChoiceField(choices=codes.Technique.choices)
    device = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    thrombolytic_agent = serializers.ChoiceField(
        choices=codes.Thrombolytic.choices, required=False, allow_null=True, default=None
    )
    thrombolytic_dose = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )
    thrombolytic_dose_unit = serializers.ChoiceField(
        choices=["mg", "IU"], required=False, allow_null=True, default=None
    )
    angioplasty = serializers.BooleanField(required=False, default=False)
    stents = StentIn(many=True, required=False, default=list)
    ivus = serializers.BooleanField(required=False, default=False)
    completion_venography = CompletionIn()
    complications = serializers.CharField(required=False, allow_blank=True, default="")
    inflow = serializers.ChoiceField(
        choices=codes.Inflow.choices, required=False, allow_null=True, default=None
    )
    underlying_lesion = serializers.ChoiceField(
        choices=codes.UnderlyingLesion.choices, required=False, allow_null=True, default=None
    )


class DischargePlanIn(RecordIn):
    anticoagulant = serializers.ChoiceField(choices=codes.Anticoagulant.choices)
    target_inr_low = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True, default=None
    )
    target_inr_high = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True, default=None
    )
    planned_duration_months = serializers.IntegerField(
        required=False, allow_null=True, default=None
    )
    compression_stockings = serializers.BooleanField()
    compression_reason = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=""
    )


class ComplicationIn(RecordIn):
    kind = serializers.ChoiceField(choices=codes.ComplicationKind.choices)
    occurred_on = serializers.DateField()
    severity = serializers.ChoiceField(choices=codes.Severity.choices)
    bleeding_class = serializers.ChoiceField(
        choices=codes.BleedingClass.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The ISTH class: required for every bleeding kind (access-site bleeding, "
        "haematoma, gastrointestinal bleeding, intracranial haemorrhage, other bleeding), "
        "refused for the others.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class MeasurementIn(RecordIn):
    """Renal function and weight on a day: at least one of the three values."""

    measured_on = serializers.DateField()
    weight_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        **bounds(Measurement, "weight_kg"),
        required=False,
        allow_null=True,
        default=None,
    )
    creatinine_umol_l = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        **bounds(Measurement, "creatinine_umol_l"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Serum creatinine, µmol/L.",
    )
    creatinine_clearance_ml_min = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        **bounds(Measurement, "creatinine_clearance_ml_min"),
        allow_null=True,
        default=None,
        help_text="When measured or computed elsewhere; "
        "else computed by Cockcroft–Gault from the creatinine.",
    )


class PostopCheckIn(RecordIn):
    at = serializers.DateTimeField()
    limb_perfusion = serializers.ChoiceField(choices=codes.LimbPerfusion.choices)
    compartment_signs = serializers.BooleanField()
    access_bleeding = serializers.BooleanField()
    pain_score = serializers.IntegerField(**bounds(PostopCheck, "pain_score"))
    mobilised = serializers.BooleanField()
