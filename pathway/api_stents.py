"""GET /api/stents/?lot=<lot>&udi=<udi>: the stent recall, every patient who carries a stent of
that lot or UDI (coordinators, admins). Lot numbers and UDIs name devices, not patients, so
they may travel in the query."""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import Endpoint
from pathway import codes
from pathway.selectors import stent_recall


class RecalledStentOut(serializers.Serializer):
    patient = serializers.IntegerField(source="patient_id")
    mrn = serializers.CharField()
    patient_name = serializers.CharField()
    episode = serializers.IntegerField(source="episode_id")
    episode_state = serializers.CharField()
    procedure_date = serializers.DateField(source="procedure_on")
    reintervention = serializers.BooleanField(help_text="Placed at a re-intervention.")
    product = serializers.CharField(source="stent.product")
    diameter_mm = serializers.IntegerField(source="stent.diameter_mm")
    length_mm = serializers.IntegerField(source="stent.length_mm")
    segments = serializers.ListField(child=serializers.ChoiceField(codes.Segment.choices))
    lot = serializers.CharField(source="stent.lot")
    udi = serializers.CharField(source="stent.udi")


class StentsApi(Endpoint):
    query = (
        OpenApiParameter("lot", str, description="A lot number (case ignored)."),
        OpenApiParameter("udi", str, description="A UDI or the start of one (its device part)."),
    )

    @extend_schema(operation_id="stents_recall", responses=RecalledStentOut(many=True))
    def get(self, request):
        """The stents of a recalled lot or UDI, each with its patient and episode, oldest
        procedure first; either parameter, or both (a stent matching either is listed)."""
        rows = stent_recall(
            actor=request.user,
            lot=request.query_params.get("lot", ""),
            udi=request.query_params.get("udi", ""),
        )
        response = Response(RecalledStentOut(rows, many=True).data)
        add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
        return response
