from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core import roles
from core.api import PAGE, Endpoint, body, page_of, writes_need
from patients import selectors, services
from patients.models import Patient


class PatientIn(serializers.Serializer):
    mrn = serializers.CharField(max_length=32)
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Patient.Sex.choices)


class PatientOut(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["id", "mrn", "given_name", "family_name", "birth_date", "sex", "created_at"]


class PatientsApi(Endpoint):
    permission_classes = writes_need(roles.MANAGE_PATIENTS, "register or change patients")
    query = (OpenApiParameter("search", str), PAGE)

    @extend_schema(operation_id="patients_list", responses=page_of(PatientOut))
    def get(self, request):
        qs = selectors.patient_search(
            actor=request.user, text=request.query_params.get("search", "")
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PatientOut(page, many=True).data)

    @extend_schema(request=PatientIn, responses={201: PatientOut})
    def post(self, request):
        patient = services.patient_create(actor=request.user, **body(PatientIn, request))
        return Response(PatientOut(patient).data, status=status.HTTP_201_CREATED)


class PatientApi(Endpoint):
    permission_classes = writes_need(roles.MANAGE_PATIENTS, "register or change patients")

    @extend_schema(responses=PatientOut)
    def get(self, request, patient_id: int):
        patient = selectors.patient_get(actor=request.user, patient_id=patient_id)
        services.patient_access_record(
            actor=request.user, patient_id=patient.id, what="api:patient"
        )
        return Response(PatientOut(patient).data)

    @extend_schema(request=PatientIn, responses=PatientOut)
    def patch(self, request, patient_id: int):
        serializer = PatientIn(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        patient = services.patient_update(
            actor=request.user, patient_id=patient_id, **serializer.validated_data
        )
        return Response(PatientOut(patient).data)
