"""HTTP edges for follow-ups and alerts: parse, call one service or selector, render."""

from decimal import Decimal

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import body, writes_need
from pathway import codes
from pathway.outcomes import VILLALTA_ITEMS
from tasks import selectors, services
from tasks.models import Alert, DuplexSegmentResult, FollowUp, Kind


class SegmentResultIn(serializers.Serializer):
    segment = serializers.ChoiceField(choices=codes.Segment.choices)
    result = serializers.ChoiceField(choices=DuplexSegmentResult.Result.choices)


class VillaltaIn(serializers.Serializer):
    ulcer = serializers.BooleanField()

    def get_fields(self):
        fields = super().get_fields()
        for item in VILLALTA_ITEMS:
            fields[item] = serializers.IntegerField(min_value=0, max_value=3)
        return fields


class DuplexResultIn(serializers.Serializer):
    performed_on = serializers.DateField()
    segments = SegmentResultIn(many=True, allow_empty=False)
    villalta = VillaltaIn(required=False, allow_null=True, default=None)


class InrResultIn(serializers.Serializer):
    performed_on = serializers.DateField()
    inr = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal("0.5"), max_value=Decimal("15")
    )


class ReviewResultIn(serializers.Serializer):
    performed_on = serializers.DateField()
    adherent = serializers.BooleanField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


RESULT_IN = {
    Kind.DUPLEX: DuplexResultIn,
    Kind.INR_CHECK: InrResultIn,
    Kind.ANTICOAGULATION_REVIEW: ReviewResultIn,
}


class FollowUpOut(serializers.ModelSerializer):
    window_days = serializers.IntegerField()
    status = serializers.CharField()
    villalta = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    def get_segments(self, follow_up) -> list[dict]:
        return [{"segment": s.segment, "result": s.result} for s in follow_up.segments.all()]

    def get_villalta(self, follow_up) -> dict | None:
        """Score and PTS category computed from the recorded items, never stored."""
        return selectors.villalta_of(follow_up)

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
            "performed_on",
            "result",
            "completed_at",
        ]


class AlertOut(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "episode", "follow_up", "kind", "created_at", "acknowledged_at"]


class FollowUpsApi(APIView):
    @extend_schema(responses=FollowUpOut(many=True))
    def get(self, request, episode_id: int):
        rows = selectors.followup_list(actor=request.user, episode_id=episode_id)
        return Response(FollowUpOut(rows, many=True).data)


class ResultApi(APIView):
    permission_classes = writes_need(services.RECORD_RESULTS, "record follow-up results")

    @extend_schema(
        request=PolymorphicProxySerializer(
            "FollowUpResult", serializers=list(RESULT_IN.values()), resource_type_field_name=None
        ),
        responses=FollowUpOut,
    )
    def post(self, request, follow_up_id: int):
        follow_up = selectors.followup_get(actor=request.user, follow_up_id=follow_up_id)
        data = body(RESULT_IN[follow_up.kind], request)
        done = services.followup_record_result(
            actor=request.user, follow_up_id=follow_up_id, **data
        )
        return Response(FollowUpOut(done).data, status=status.HTTP_200_OK)


class AlertsApi(APIView):
    @extend_schema(responses=AlertOut(many=True))
    def get(self, request):
        return Response(AlertOut(selectors.alert_inbox(actor=request.user), many=True).data)


class AcknowledgeApi(APIView):
    @extend_schema(request=None, responses=AlertOut)
    def post(self, request, alert_id: int):
        alert = services.alert_acknowledge(actor=request.user, alert_id=alert_id)
        return Response(AlertOut(alert).data)


class DashboardOut(serializers.Serializer):
    by_state = serializers.DictField(child=serializers.IntegerField())
    follow_ups = serializers.DictField(child=serializers.IntegerField())
    open_alerts = serializers.DictField(child=serializers.IntegerField())


class DashboardApi(APIView):
    @extend_schema(responses=DashboardOut)
    def get(self, request):
        return Response(DashboardOut(selectors.dashboard_get(actor=request.user)).data)
