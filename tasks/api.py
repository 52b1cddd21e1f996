"""HTTP edges for follow-ups and alerts: parse, call one service or selector, render."""

import datetime as dt
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from core import roles
from core.api import Endpoint, body, writes_need
from pathway import codes
from pathway.rules import INR_READING_BOUNDS
from pathway.services import episode_read_record
from pathway.villalta import VILLALTA_ITEMS
from tasks import selectors, services
from tasks.models import Alert, DuplexSegmentResult, FollowUp, Kind, Status, Visit


class SegmentResultIn(serializers.Serializer):
    segment = serializers.ChoiceField(choices=codes.Segment.choices)
    result = serializers.ChoiceField(choices=DuplexSegmentResult.Result.choices)


class StrictIn(serializers.Serializer):
    """Refuses keys it does not know, naming each: DRF would drop them silently, and a score
    item dropped unseen is a clinical fact lost."""

    unknown = "Unknown item."

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [self.unknown] for key in unknown})
        return super().to_internal_value(data)


def score_items(names) -> dict:
    return {name: serializers.IntegerField(min_value=0, max_value=3) for name in names}


class VillaltaIn(StrictIn):
    unknown = "Not a Villalta item."
    ulcer = serializers.BooleanField()

    def get_fields(self):
        return super().get_fields() | score_items(VILLALTA_ITEMS)


class VcssIn(StrictIn):
    """The revised Venous Clinical Severity Score: all ten attributes, each 0-3."""

    unknown = "Not a VCSS attribute."

    def get_fields(self):
        return super().get_fields() | score_items(services.VCSS_ITEMS)


class DuplexResultIn(serializers.Serializer):
    performed_on = serializers.DateField()
    segments = SegmentResultIn(many=True, allow_empty=False)
    villalta = VillaltaIn(required=False, allow_null=True, default=None)
    vcss = VcssIn(required=False, allow_null=True, default=None)
    ceap = serializers.ChoiceField(
        choices=services.CEAP_CLASSES, required=False, allow_null=True, default=None
    )


class InrResultIn(serializers.Serializer):
    performed_on = serializers.DateField()
    inr = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=INR_READING_BOUNDS[0],
        max_value=INR_READING_BOUNDS[1],
    )


class ReviewResultIn(serializers.Serializer):
    performed_on = serializers.DateField()
    adherent = serializers.BooleanField(help_text="Taking the anticoagulant as prescribed.")
    compression_adherent = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Wearing the compression stockings (leave out when not asked).",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


RESULT_IN: dict[str, type[serializers.Serializer[Any]]] = {
    Kind.DUPLEX: DuplexResultIn,
    Kind.INR_CHECK: InrResultIn,
    Kind.ANTICOAGULATION_REVIEW: ReviewResultIn,
}


def late_reason():
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the result is entered after the episode left the stay in surveillance it "
        "was done in: required then (kept as late_reason), not kept otherwise.",
    )


class DuplexVisitIn(DuplexResultIn):
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    reason = late_reason()


class InrVisitIn(InrResultIn):
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    reason = late_reason()


class VisitKindIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)


VISIT_IN = {Visit.Kind.DUPLEX: DuplexVisitIn, Visit.Kind.INR_CHECK: InrVisitIn}


class ResultOut(serializers.ModelSerializer):
    """What a follow-up and a visit show of a result: segments, and the scores computed from
    the recorded items on read, never stored."""

    villalta = serializers.SerializerMethodField()
    vcss_total = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    def get_segments(self, record) -> list[dict]:
        return [{"segment": s.segment, "result": s.result} for s in record.segments.all()]

    def get_villalta(self, record) -> dict | None:
        return selectors.villalta_of(record)

    def get_vcss_total(self, record) -> int | None:
        return selectors.vcss_total(record)


class FollowUpOut(ResultOut):
    window_days = serializers.IntegerField()
    status = serializers.CharField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "episode",
            "kind",
            "due_on",
            "window_days",
            "window_opens_on",
            "window_closes_on",
            "status",
            "segments",
            "villalta",
            "vcss_total",
            "performed_on",
            "result",
            "completed_at",
        ]


class VisitOut(ResultOut):
    class Meta:
        model = Visit
        fields = [
            "id",
            "episode",
            "kind",
            "performed_on",
            "segments",
            "villalta",
            "vcss_total",
            "result",
            "recorded_by",
            "recorded_at",
            "late_reason",
        ]


class SegmentFindingOut(serializers.Serializer):
    segment = serializers.ChoiceField(choices=codes.Segment.choices)
    result = serializers.ChoiceField(choices=DuplexSegmentResult.Result.choices)


class FindingOut(serializers.Serializer):
    """What an urgent result found, in words and as its numbers (pathway.md section 6)."""

    text = serializers.CharField(help_text='In words: "INR 4.6 (target 2.0–3.0)".')
    inr = serializers.CharField(required=False, help_text="The INR measured (a decimal).")
    target_low = serializers.CharField(required=False, help_text="The target range in force.")
    target_high = serializers.CharField(required=False)
    segments = SegmentFindingOut(
        many=True, required=False, help_text="A duplex: each stented segment not patent."
    )


class GradeField(serializers.ChoiceField):
    """An urgent finding's grade; null for an alert that carries none (due, overdue, a missed
    follow-up's escalation, a stalled episode), never an empty string."""

    def to_representation(self, value):
        return value or None


class UrgentOut(serializers.Serializer):
    """An alarming result, as its recorder is told on the spot (pathway.md section 6)."""

    grade = serializers.ChoiceField(choices=Alert.Grade.choices)
    finding = FindingOut()
    alerted = serializers.ListField(
        child=serializers.CharField(),
        help_text="Who was alerted: each one's full name, else username.",
    )


URGENT_HELP = "The urgent alert this result raised; null when it raised none."


class RecordedFollowUpOut(FollowUpOut):
    urgent = UrgentOut(allow_null=True, read_only=True, help_text=URGENT_HELP)

    class Meta(FollowUpOut.Meta):
        fields = [*FollowUpOut.Meta.fields, "urgent"]


class RecordedVisitOut(VisitOut):
    urgent = UrgentOut(allow_null=True, read_only=True, help_text=URGENT_HELP)

    class Meta(VisitOut.Meta):
        fields = [*VisitOut.Meta.fields, "urgent"]


class AlertOut(serializers.ModelSerializer):
    """An inbox row: what raised it (a follow-up, an unscheduled visit or a post-op check),
    and for an urgent finding (or its escalation) its grade and what was found."""

    grade = GradeField(
        choices=Alert.Grade.choices,
        allow_null=True,
        read_only=True,
        help_text="critical (an occlusion, an INR >= 5.0 or <= 1.5 ...) or out_of_range; null "
        "when the alert is not about a finding.",
    )
    finding = serializers.SerializerMethodField()
    patient_name = serializers.SerializerMethodField()
    mrn = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    follow_up_kind = serializers.SerializerMethodField()
    due_on = serializers.SerializerMethodField()

    def get_patient_name(self, alert) -> str:
        patient = alert.episode.patient
        return f"{patient.given_name} {patient.family_name}"

    def get_follow_up_kind(self, alert) -> str | None:
        return alert.follow_up.kind if alert.follow_up_id else None

    def get_due_on(self, alert) -> dt.date | None:
        return alert.follow_up.due_on if alert.follow_up_id else None

    def get_mrn(self, alert) -> str:
        return alert.episode.patient.mrn

    @extend_schema_field(FindingOut(allow_null=True))
    def get_finding(self, alert) -> dict | None:
        return alert.finding or None

    def get_subject(self, alert) -> str:
        """What it is about, in words: the follow-up, the unscheduled visit or the check."""
        return selectors.alert_subject(alert)

    class Meta:
        model = Alert
        fields = [
            "id",
            "episode",
            "follow_up",
            "visit",
            "postop_check",
            "kind",
            "created_at",
            "acknowledged_at",
            "patient_name",
            "mrn",
            "subject",
            "follow_up_kind",
            "due_on",
            "unrouted",
            "escalates",
            "grade",
            "finding",
        ]


class FollowUpsApi(Endpoint):
    query = (
        OpenApiParameter(
            "status",
            str,
            description="Only follow-ups with this derived status, or one of several, comma "
            f"separated ({', '.join(Status.values)}); `?status=` is every follow-up, as it "
            "always was.",
        ),
    )

    @extend_schema(responses=FollowUpOut(many=True))
    def get(self, request, episode_id: int):
        rows = selectors.followup_list(
            actor=request.user, episode_id=episode_id, status=request.query_params.get("status")
        )
        episode_read_record(actor=request.user, episode_id=episode_id, what="api:follow-ups")
        return Response(FollowUpOut(rows, many=True).data)


class ResultApi(Endpoint):
    permission_classes = writes_need(roles.RECORD_RESULTS, "record follow-up results")

    @extend_schema(
        request=PolymorphicProxySerializer(
            "FollowUpResult", serializers=list(RESULT_IN.values()), resource_type_field_name=None
        ),
        responses=RecordedFollowUpOut,
    )
    def post(self, request, follow_up_id: int):
        follow_up = selectors.followup_get(actor=request.user, follow_up_id=follow_up_id)
        data = body(RESULT_IN[follow_up.kind], request)
        done = services.followup_record_result(
            actor=request.user, follow_up_id=follow_up_id, **data
        )
        return Response(RecordedFollowUpOut(done).data, status=status.HTTP_200_OK)


class VisitsApi(Endpoint):
    """Unscheduled visits of an episode: any role reads them, results recorders add them."""

    permission_classes = writes_need(roles.RECORD_RESULTS, "record visit results")

    @extend_schema(responses=VisitOut(many=True))
    def get(self, request, episode_id: int):
        rows = selectors.visit_list(actor=request.user, episode_id=episode_id)
        episode_read_record(actor=request.user, episode_id=episode_id, what="api:visits")
        return Response(VisitOut(rows, many=True).data)

    @extend_schema(
        request=PolymorphicProxySerializer(
            "VisitIn",
            serializers={kind.value: parser for kind, parser in VISIT_IN.items()},
            resource_type_field_name="kind",
        ),
        responses={201: RecordedVisitOut},
    )
    def post(self, request, episode_id: int):
        kind = body(VisitKindIn, request)["kind"]
        data = body(VISIT_IN[kind], request)
        visit = services.visit_record(actor=request.user, episode_id=episode_id, **data)
        return Response(RecordedVisitOut(visit).data, status=status.HTTP_201_CREATED)


class AlertsApi(Endpoint):
    @extend_schema(responses=AlertOut(many=True))
    def get(self, request):
        """The caller's open alerts: critical findings first, then other urgent findings (and
        their escalations), then missed follow-ups escalated and stalled episodes, then due and
        overdue follow-ups; oldest first within each."""
        return Response(AlertOut(selectors.alert_inbox(actor=request.user), many=True).data)


class AcknowledgeApi(Endpoint):
    @extend_schema(request=None, responses=AlertOut)
    def post(self, request, alert_id: int):
        alert = services.alert_acknowledge(actor=request.user, alert_id=alert_id)
        return Response(AlertOut(alert).data)


class FollowUpCountsOut(serializers.Serializer):
    """Open follow-ups by status today: due_now + overdue + due_this_week + later = open."""

    due_now = serializers.IntegerField(help_text="Window open today (status 'due').")
    overdue = serializers.IntegerField(help_text="Window closed, still open ('overdue').")
    due_this_week = serializers.IntegerField(
        help_text="Window not yet open ('scheduled'), due today to today + 6 days."
    )
    later = serializers.IntegerField(help_text="The other 'scheduled' ones.")
    open = serializers.IntegerField(help_text="All open follow-ups.")


class UserNamedOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()


class DashboardOut(serializers.Serializer):
    by_state = serializers.DictField(child=serializers.IntegerField())
    follow_ups = FollowUpCountsOut()
    open_alerts = serializers.DictField(child=serializers.IntegerField())
    unrouted_alerts = serializers.IntegerField(
        help_text="Open alerts that went to the admins because nobody held the role."
    )
    unemailed_alerts = serializers.IntegerField(
        help_text="Open alerts whose email reached nobody: the recipient has no address."
    )
    users_without_email = UserNamedOut(
        many=True,
        help_text="Active users in a role without an email address: alerts to "
        "them reach nobody by email.",
    )


class DashboardApi(Endpoint):
    @extend_schema(responses=DashboardOut)
    def get(self, request):
        return Response(DashboardOut(selectors.dashboard_get(actor=request.user)).data)
