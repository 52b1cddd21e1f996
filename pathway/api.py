"""HTTP edges of the pathway: parse, call one service or selector, render."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core import roles
from core.api import PAGE, Endpoint, body, page_of, writes_need
from core.errors import NotFound
from pathway import selectors, services
from pathway import serializers as s
from patients.services import patient_access_record


def episode_payload(request, episode_id: int) -> dict:
    view = selectors.episode_view(actor=request.user, episode_id=episode_id)
    data = s.EpisodeOut(view.episode).data
    data["days_in_state"] = view.days_in_state
    data["transitions"] = s.MoveOut(view.transitions, many=True).data
    data["warnings"] = s.UnmetOut(view.warnings, many=True).data
    for name in ("vte_bleed", "vte_bleed_at_selection", "vte_bleed_at_discharge"):
        score = getattr(view, name)
        data[name] = score and s.VteBleedOut(score).data
    patient_access_record(
        actor=request.user,
        patient_id=view.episode.patient_id,
        episode_id=episode_id,
        what="api:episode",
    )
    return data


class EpisodesApi(Endpoint):
    permission_classes = writes_need(roles.OPEN_EPISODES, "open episodes")
    query = (OpenApiParameter("state", str, enum=s.codes.State.values), PAGE)

    @extend_schema(operation_id="episodes_list", responses=page_of(s.EpisodeOut))
    def get(self, request):
        qs = selectors.episode_list(actor=request.user, state=request.query_params.get("state"))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.EpisodeOut(page, many=True).data)

    @extend_schema(request=s.EpisodeIn, responses={201: s.EpisodeDetailOut})
    def post(self, request):
        data = body(s.EpisodeIn, request)
        episode = services.episode_open(
            actor=request.user, patient_id=data["patient"], opened_on=data["opened_on"]
        )
        return Response(episode_payload(request, episode.id), status=status.HTTP_201_CREATED)


class EpisodeApi(Endpoint):
    permission_classes = writes_need(roles.RUN_TRANSITIONS, "assign episodes")

    @extend_schema(request=s.AssignIn, responses=s.EpisodeDetailOut)
    def patch(self, request, episode_id: int):
        serializer = s.AssignIn(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.episode_assign(
            actor=request.user, episode_id=episode_id, **serializer.validated_data
        )
        return self.get(request, episode_id)

    @extend_schema(responses=s.EpisodeDetailOut)
    def get(self, request, episode_id: int):
        data = episode_payload(request, episode_id)
        records = selectors.episode_records(actor=request.user, episode_id=episode_id)
        data["records"] = {
            "selection": records.selection and s.SelectionOut(records.selection).data,
            "mdt_decisions": s.MdtOut(records.mdt_decisions, many=True).data,
            "imaging_studies": s.ImagingOut(records.imaging_studies, many=True).data,
            "anticoagulation": records.anticoagulation
            and s.AnticoagulationOut(records.anticoagulation).data,
            "procedure_notes": s.ProcedureOut(records.procedure_notes, many=True).data,
            "discharge_plan": records.discharge_plan
            and s.DischargePlanOut(records.discharge_plan).data,
            "complications": s.ComplicationOut(records.complications, many=True).data,
            "postop_checks": s.PostopCheckOut(records.postop_checks, many=True).data,
        }
        data["edited_after_move"] = records.edited_after_move
        data["ttr"] = selectors.episode_ttr(records.discharge_plan)
        return Response(data)


class TransitionsApi(Endpoint):
    permission_classes = writes_need(roles.RUN_TRANSITIONS, "move patients along the pathway")

    @extend_schema(request=s.TransitionIn, responses=s.EpisodeDetailOut)
    def post(self, request, episode_id: int):
        data = body(s.TransitionIn, request)
        services.episode_transition(
            episode_id=episode_id,
            name=data["transition"],
            actor=request.user,
            reason=data["reason"],
            effective_on=data["effective_on"],
            expected_state=data["expected_state"],
            reintervention=data["reintervention"],
        )
        return Response(episode_payload(request, episode_id))


class HistoryApi(Endpoint):
    @extend_schema(responses=s.HistoryOut(many=True))
    def get(self, request, episode_id: int):
        rows = selectors.episode_history(actor=request.user, episode_id=episode_id)
        services.episode_read_record(actor=request.user, episode_id=episode_id, what="api:history")
        return Response(s.HistoryOut(rows, many=True).data)


class RevisionsApi(Endpoint):
    @extend_schema(responses=s.RevisionOut(many=True))
    def get(self, request, episode_id: int):
        rows = selectors.episode_revisions(actor=request.user, episode_id=episode_id)
        services.episode_read_record(
            actor=request.user, episode_id=episode_id, what="api:revisions"
        )
        return Response(s.RevisionOut(rows, many=True).data)


class RecordApi(Endpoint):
    """One pathway record: GET reads it, PUT replaces it (200) or POST adds one (201)."""

    kind: str  # its writer in services.WRITERS: the service called and the record read back
    input_class: type
    output_class: type
    many = False
    permission_classes = writes_need(roles.RECORD_PATHWAY_DATA, "record pathway data")

    @classmethod
    def writer(cls) -> services.Writer:
        return services.WRITERS[cls.kind]

    def get(self, request, episode_id: int):
        records = selectors.episode_records(actor=request.user, episode_id=episode_id)
        attribute = self.writer().record
        record = getattr(records, attribute)
        if record is None:
            raise NotFound("Nothing has been recorded yet.")
        services.episode_read_record(
            actor=request.user, episode_id=episode_id, what=f"api:{attribute}"
        )
        return Response(self.output_class(record, many=self.many).data)

    def _write(self, request, episode_id: int, code: int):
        data = body(self.input_class, request)
        record = self.writer().service(actor=request.user, episode_id=episode_id, **data)
        return Response(self.output_class(record).data, status=code)


class ReplaceApi(RecordApi):
    def put(self, request, episode_id: int):
        """Write, then answer with the record as a read shows it (edited after a move or not)."""
        data = body(self.input_class, request)
        self.writer().service(actor=request.user, episode_id=episode_id, **data)
        return self.get(request, episode_id)


class AddApi(RecordApi):
    many = True

    def post(self, request, episode_id: int):
        return self._write(request, episode_id, status.HTTP_201_CREATED)


class SelectionApi(ReplaceApi):
    kind, input_class, output_class = "selection", s.SelectionIn, s.SelectionOut


class MdtApi(AddApi):
    kind, input_class, output_class = "mdt", s.MdtIn, s.MdtOut


class ImagingApi(AddApi):
    kind, input_class, output_class = "imaging", s.ImagingIn, s.ImagingOut


class AnticoagulationApi(ReplaceApi):
    kind, input_class, output_class = "anticoagulation", s.AnticoagulationIn, s.AnticoagulationOut


class ProcedureApi(ReplaceApi):
    kind, input_class, output_class = "procedure", s.ProcedureIn, s.ProcedureOut


class DischargePlanApi(ReplaceApi):
    kind, input_class, output_class = "discharge_plan", s.DischargePlanIn, s.DischargePlanOut


class ComplicationsApi(AddApi):
    kind, input_class, output_class = "complication", s.ComplicationIn, s.ComplicationOut


class PostopChecksApi(AddApi):
    kind, input_class, output_class = "postop_check", s.PostopCheckIn, s.PostopCheckOut


class MeasurementsApi(Endpoint):
    """Renal function and weight (pathway.md section 7), each with its creatinine clearance."""

    permission_classes = writes_need(roles.RECORD_PATHWAY_DATA, "record pathway data")

    @extend_schema(responses=s.MeasurementOut(many=True))
    def get(self, request, episode_id: int):
        rows = selectors.episode_measurements(actor=request.user, episode_id=episode_id)
        services.episode_read_record(
            actor=request.user, episode_id=episode_id, what="api:measurements"
        )
        return Response(s.MeasurementOut(rows, many=True).data)

    @extend_schema(request=s.MeasurementIn, responses={201: s.MeasurementOut})
    def post(self, request, episode_id: int):
        data = body(s.MeasurementIn, request)
        added = services.measurement_add(actor=request.user, episode_id=episode_id, **data)
        row = selectors.measurement_get(
            actor=request.user, episode_id=episode_id, measurement_id=added.id
        )
        return Response(s.MeasurementOut(row).data, status=status.HTTP_201_CREATED)


RECORD_VIEWS = (
    SelectionApi,
    MdtApi,
    ImagingApi,
    AnticoagulationApi,
    ProcedureApi,
    DischargePlanApi,
    ComplicationsApi,
    PostopChecksApi,
)
for _view in RECORD_VIEWS:
    _write = "post" if issubclass(_view, AddApi) else "put"
    _code = 201 if _write == "post" else 200
    extend_schema_view(
        get=extend_schema(responses=_view.output_class(many=_view.many)),
        **{_write: extend_schema(request=_view.input_class, responses={_code: _view.output_class})},
    )(_view)
