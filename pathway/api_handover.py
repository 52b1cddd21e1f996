"""GET /api/episodes/<id>/handover/ (pathway.md section 7): what the anticoagulation clinic or
GP who takes over is given, as JSON; the handover page shows the same."""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import Endpoint
from pathway.selectors.journey import episode_handover
from pathway.serializers.handover import HandoverOut
from patients.services import patient_access_record


class HandoverApi(Endpoint):
    query = ()  # no query parameters: any is a 400 naming it

    @extend_schema(operation_id="episodes_handover", responses=HandoverOut)
    def get(self, request, episode_id: int):
        """The anticoagulation handover: the courses taken now, the target range, the INR
        readings so far, the next INR check, the planned duration and review dates, bridging,
        the warnings in force and whom to call at the unit (every role)."""
        handover = episode_handover(actor=request.user, episode_id=episode_id)
        patient_access_record(
            actor=request.user,
            patient_id=handover.patient.id,
            episode_id=episode_id,
            what="api:handover",
        )
        response = Response(HandoverOut(handover).data)
        add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
        return response
