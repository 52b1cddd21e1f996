"""Response shapes."""

from rest_framework import serializers

from pathway.models import (
    Complication,
    DischargePlan,
    Episode,
    ImagingStudy,
    MdtDecision,
    Measurement,
    PostopCheck,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
    Transition,
)


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


class VteBleedPartOut(serializers.Serializer):
    factor = serializers.CharField(
        help_text="active_cancer, uncontrolled_hypertension (a man), anaemia, prior_bleeding, "
        "age_60_or_over, renal_dysfunction (creatinine clearance 30-60 mL/min)."
    )
    points = serializers.FloatField()


class VteBleedOut(serializers.Serializer):
    score = serializers.FloatField()
    high_risk = serializers.BooleanField(help_text="A score of 2 or more: it informs only.")
    parts = VteBleedPartOut(many=True, help_text="The factors that scored.")
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="Facts that could not be told (creatinine_clearance, sex): the score may be "
        "higher.",
    )
    at = serializers.CharField(help_text="selection or discharge.")
    on = serializers.DateField(help_text="The day it was assessed for (age, renal function).")


class EpisodeDetailOut(EpisodeOut):
    days_in_state = serializers.IntegerField()
    transitions = MoveOut(many=True)
    warnings = UnmetOut(many=True)
    records = serializers.DictField(required=False, help_text="Everything recorded so far.")
    ttr = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="Rosendaal TTR of the INR readings taken on a VKA (each interval against the "
        "target range stored on its first reading), a percentage; null: fewer than two.",
    )
    vte_bleed = VteBleedOut(
        allow_null=True,
        help_text="The latest VTE-BLEED: at discharge once discharged, else at "
        "selection; null without a selection assessment.",
    )
    vte_bleed_at_selection = VteBleedOut(allow_null=True)
    vte_bleed_at_discharge = VteBleedOut(allow_null=True, help_text="Null before discharge.")

    class Meta(EpisodeOut.Meta):
        fields = [
            *EpisodeOut.Meta.fields,
            "days_in_state",
            "transitions",
            "warnings",
            "records",
            "ttr",
            "vte_bleed",
            "vte_bleed_at_selection",
            "vte_bleed_at_discharge",
        ]


class HistoryOut(serializers.ModelSerializer):
    transition = serializers.CharField(source="name")
    actor = serializers.CharField(source="actor.username")
    at = serializers.DateTimeField(source="recorded_at")
    corrects: "serializers.PrimaryKeyRelatedField[Transition]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

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
        edited_after_move = serializers.BooleanField(
            read_only=True, default=False, help_text="Changed after a move relied on it."
        )

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
PostopCheckOut = _model_out(PostopCheck)


class ComplicationOut(_model_out(Complication)):  # type: ignore[misc]  # made by _model_out
    early = serializers.BooleanField(
        read_only=True, help_text="Within 30 days of the procedure it follows (derived)."
    )


class MeasurementOut(serializers.ModelSerializer):
    creatinine_clearance = serializers.FloatField(
        source="clearance.value",
        allow_null=True,
        read_only=True,
        help_text="mL/min: the one given, else Cockcroft–Gault; null when neither can be had.",
    )
    creatinine_clearance_method = serializers.CharField(
        source="clearance.method",
        allow_null=True,
        read_only=True,
        help_text="given or cockcroft_gault; null without a value.",
    )
    creatinine_clearance_note = serializers.CharField(
        source="clearance.note", read_only=True, help_text="Why there is no value, in words."
    )

    class Meta:
        model = Measurement
        fields = [
            "id",
            "measured_on",
            "weight_kg",
            "creatinine_umol_l",
            "creatinine_clearance_ml_min",
            "creatinine_clearance",
            "creatinine_clearance_method",
            "creatinine_clearance_note",
            "recorded_by",
            "recorded_at",
        ]


class RevisionOut(serializers.Serializer):
    record = serializers.CharField()
    record_id = serializers.IntegerField()
    actor = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)
    before = serializers.DictField(allow_null=True, help_text="The record's facts; null if new.")
    after = serializers.DictField(allow_null=True)


class ProcedureOut(serializers.ModelSerializer):
    edited_after_move = serializers.BooleanField(read_only=True, default=False)
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
            "inflow",
            "underlying_lesion",
            "edited_after_move",
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
                "segments": s.segments,
                "lot": s.lot,
                "udi": s.udi,
            }
            for s in note.stents.all()
        ]

    def get_completion_venography(self, note) -> dict:
        return {
            "patent": note.completion_patent,
            "residual_stenosis_pct": note.residual_stenosis_pct,
            "dissection": note.dissection,
        }
