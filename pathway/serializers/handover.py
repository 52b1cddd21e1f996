"""The handover's answer (GET /api/episodes/<id>/handover/), from pathway.selectors.journey's
Handover. Its parts are named Handover* so they never clash with another endpoint's schema."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pathway import labels
from pathway.codes import CourseClass


class HandoverPatientOut(serializers.Serializer):
    id = serializers.IntegerField()
    mrn = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    birth_date = serializers.DateField()
    sex = serializers.CharField()


class HandoverCourseOut(serializers.Serializer):
    """A course as the clinic reads it; `class` (parenteral, vka, doac) derived from the agent;
    `planned_duration_months` null means lifelong."""

    id = serializers.IntegerField()
    agent = serializers.CharField()
    agent_name = serializers.CharField(source="get_agent_display")
    dose = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    dose_unit = serializers.CharField()
    frequency = serializers.CharField()
    started_on = serializers.DateField()
    stopped_on = serializers.DateField(allow_null=True)
    target_inr_low = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    target_inr_high = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    planned_duration_months = serializers.IntegerField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    end_decision = serializers.CharField()
    reason = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = serializers.ChoiceField(choices=CourseClass.values, source="agent_class")
        return fields


class HandoverTargetOut(serializers.Serializer):
    low = serializers.DecimalField(max_digits=3, decimal_places=1)
    high = serializers.DecimalField(max_digits=3, decimal_places=1)


class HandoverReadingOut(serializers.Serializer):
    """One INR so far; `target_low`/`target_high` the range it was taken against (null when
    not on a VKA, then `in_range` is null too)."""

    performed_on = serializers.DateField()
    inr = serializers.CharField(allow_null=True)
    target_low = serializers.CharField(allow_null=True)
    target_high = serializers.CharField(allow_null=True)
    in_range = serializers.BooleanField(allow_null=True)
    source = serializers.CharField(  # type: ignore[assignment]  # a field named `source`
        help_text="follow_up (an INR check) or visit"
    )
    source_id = serializers.IntegerField()


class HandoverFollowUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    due_on = serializers.DateField()
    window_opens_on = serializers.DateField()
    window_closes_on = serializers.DateField()
    status = serializers.CharField()


class HandoverBridgingOut(serializers.Serializer):
    """A parenteral course taken alongside a VKA, and what stopping it waits for."""

    parenteral_course = serializers.IntegerField(source="parenteral.id")
    vka_course = serializers.IntegerField(source="vka.id")
    since = serializers.DateField()
    not_before = serializers.DateField()
    overlap_days = serializers.IntegerField()
    in_range_in_a_row = serializers.IntegerField()
    met = serializers.BooleanField()
    text = serializers.CharField()


class HandoverWarningOut(serializers.Serializer):
    rule = serializers.CharField()
    title = serializers.SerializerMethodField()
    message = serializers.CharField()

    def get_title(self, unmet) -> str:
        return labels.rule(unmet.rule)


class HandoverContactOut(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()


class HandoverUnitOut(serializers.Serializer):
    """Whom the clinic calls: who discharged the patient, and the assigned coordinator."""

    discharged_on = serializers.DateField(allow_null=True)
    discharged_by = HandoverContactOut(allow_null=True)
    coordinator = HandoverContactOut(allow_null=True)


class HandoverOut(serializers.Serializer):
    episode = serializers.IntegerField(source="episode.id")
    state = serializers.CharField(source="episode.state")
    as_of = serializers.DateField(source="journey.today")
    patient = HandoverPatientOut()
    courses = HandoverCourseOut(many=True, source="journey.current")
    earlier_courses = HandoverCourseOut(many=True, source="journey.stopped")
    target_inr = serializers.SerializerMethodField()
    inr_readings = HandoverReadingOut(many=True, source="journey.readings")
    ttr = serializers.FloatField(allow_null=True)
    next_inr_check = HandoverFollowUpOut(allow_null=True)
    long_term = HandoverCourseOut(source="journey.long_term", allow_null=True)
    reviews = HandoverFollowUpOut(many=True)
    bridging = HandoverBridgingOut(many=True, source="journey.bridging")
    warnings = HandoverWarningOut(many=True)
    unit_contact = HandoverUnitOut(source="*")

    @extend_schema_field(HandoverTargetOut(allow_null=True))
    def get_target_inr(self, handover) -> dict | None:
        target = handover.journey.target
        if target is None:
            return None
        return HandoverTargetOut({"low": target[0], "high": target[1]}).data
