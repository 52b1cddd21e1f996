"""Request bodies (parsed to plain data for the services) and response shapes."""

from rest_framework import serializers

from pathway import codes, machine
from pathway.models import (
    DischargePlan,
    Episode,
    ImagingStudy,
    MdtDecision,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
    Transition,
)


def codes_list(choices, **kwargs):
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), **kwargs)


# --- in ----------------------------------------------------------------------------------------
class EpisodeIn(serializers.Serializer):
    patient = serializers.IntegerField()
    opened_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Referral date; default today."
    )


class AssignIn(serializers.Serializer):
    assigned_nurse = serializers.IntegerField(allow_null=True, required=False)
    assigned_coordinator = serializers.IntegerField(allow_null=True, required=False)


class TransitionIn(serializers.Serializer):
    transition = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)
    expected_state = serializers.ChoiceField(
        choices=codes.State.choices, required=False, allow_null=True, default=None
    )

    def validate_transition(self, value):
        if value not in machine.NAMES:
            raise serializers.ValidationError(
                f"Unknown transition. Known: {', '.join(machine.NAMES)}."
            )
        return value

    def validate_reason(self, value):
        return value or ""


class SelectionIn(serializers.Serializer):
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
    thrombophilia = serializers.CharField(required=False, allow_blank=True, default="")
    comorbidities = serializers.CharField(required=False, allow_blank=True, default="")


class MdtIn(serializers.Serializer):
    date = serializers.DateField()
    attendees = codes_list(codes.MdtRole.choices, allow_empty=False)
    decision = serializers.ChoiceField(choices=codes.MdtOutcome.choices)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    anaesthetic_risk = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )


class ImagingIn(serializers.Serializer):
    modality = serializers.ChoiceField(choices=codes.Modality.choices)
    date = serializers.DateField()
    ivc_anomaly = serializers.BooleanField(required=False, allow_null=True, default=None)
    ivc_filter = serializers.BooleanField(required=False, allow_null=True, default=None)
    right_heart_strain = serializers.BooleanField(required=False, allow_null=True, default=None)
    thrombus_segments = codes_list(codes.Segment.choices, required=False, default=list)
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class AnticoagulationIn(serializers.Serializer):
    agent = serializers.ChoiceField(choices=codes.PreOpAgent.choices)
    started_at = serializers.DateTimeField()


class AccessIn(serializers.Serializer):
    vein = serializers.ChoiceField(choices=codes.AccessVein.choices)
    side = serializers.ChoiceField(choices=codes.Side.choices)
    ultrasound_guided = serializers.BooleanField()


class StentIn(serializers.Serializer):
    product = serializers.CharField(max_length=100)
    diameter_mm = serializers.IntegerField(min_value=6, max_value=36)
    length_mm = serializers.IntegerField(min_value=10, max_value=250)
    segment = serializers.ChoiceField(choices=codes.Segment.choices)


class CompletionIn(serializers.Serializer):
    patent = serializers.BooleanField()
    residual_stenosis_pct = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None
    )
    dissection = serializers.BooleanField(required=False, default=False)


class ProcedureIn(serializers.Serializer):
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


class DischargePlanIn(serializers.Serializer):
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


# --- out ---------------------------------------------------------------------------------------
class EpisodeOut(serializers.ModelSerializer):
    state_since = serializers.DateTimeField(read_only=True)
    state_effective_on = serializers.DateField(read_only=True)

    class Meta:
        model = Episode
        fields = [
            "id",
            "patient",
            "state",
            "state_since",
            "state_effective_on",
            "assigned_coordinator",
            "assigned_nurse",
            "created_at",
        ]


class UnmetOut(serializers.Serializer):
    rule = serializers.CharField()
    message = serializers.CharField()


class MoveOut(serializers.Serializer):
    name = serializers.CharField()
    target = serializers.CharField(allow_null=True)
    allowed = serializers.BooleanField()
    unmet = UnmetOut(many=True)
    reason_required = serializers.BooleanField()
    permitted = serializers.BooleanField(help_text="Whether the caller's role may make this move.")


class EpisodeDetailOut(EpisodeOut):
    days_in_state = serializers.IntegerField()
    transitions = MoveOut(many=True)
    warnings = UnmetOut(many=True)
    records = serializers.DictField(required=False, help_text="Everything recorded so far.")

    class Meta(EpisodeOut.Meta):
        fields = [*EpisodeOut.Meta.fields, "days_in_state", "transitions", "warnings", "records"]


class HistoryOut(serializers.ModelSerializer):
    transition = serializers.CharField(source="name")
    actor = serializers.CharField(source="actor.username")
    at = serializers.DateTimeField(source="recorded_at")
    corrects = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Transition
        fields = [
            "id",
            "transition",
            "source",
            "target",
            "actor",
            "at",
            "effective_on",
            "reason",
            "corrects",
        ]


def _model_out(model_class, extra_exclude=()):
    class Out(serializers.ModelSerializer):
        class Meta:
            model = model_class
            exclude = ["episode", *extra_exclude]

    Out.__name__ = f"{model_class.__name__}Out"
    return Out


SelectionOut = _model_out(SelectionAssessment)
MdtOut = _model_out(MdtDecision)
ImagingOut = _model_out(ImagingStudy)
AnticoagulationOut = _model_out(PreProcedureAnticoagulation)
DischargePlanOut = _model_out(DischargePlan)


class ProcedureOut(serializers.ModelSerializer):
    stents = serializers.SerializerMethodField()
    completion_venography = serializers.SerializerMethodField()

    class Meta:
        model = ProcedureNote
        fields = [
            "id",
            "reintervention",
            "date",
            "access",
            "technique",
            "device",
            "thrombolytic_agent",
            "thrombolytic_dose",
            "thrombolytic_dose_unit",
            "angioplasty",
            "stents",
            "ivus",
            "completion_venography",
            "complications",
            "recorded_by",
            "recorded_at",
        ]

    def get_stents(self, note) -> list[dict]:
        return [
            {
                "product": s.product,
                "diameter_mm": s.diameter_mm,
                "length_mm": s.length_mm,
                "segment": s.segment,
            }
            for s in note.stents.all()
        ]

    def get_completion_venography(self, note) -> dict:
        return {
            "patent": note.completion_patent,
            "residual_stenosis_pct": note.residual_stenosis_pct,
            "dissection": note.dissection,
        }
