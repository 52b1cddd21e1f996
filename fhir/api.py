"""The FHIR edge (mounted at /fhir/): parse, call one selector or service, render. Reads for
every role, Patient and ServiceRequest create for coordinators and admins (fhir/http.py has the
media types, the errors as OperationOutcomes and the unknown-parameter rule)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from core import roles
from core.errors import InvalidInput, NotFound
from fhir import selectors, services
from fhir.builders.bundle import searchset
from fhir.http import FhirEndpoint, FhirNegotiation, fhir_response, outcome, params
from fhir.models import ExportJob
from fhir.supported import TYPES, query_names
from patients.services import patient_access_record

WRITES = {"Patient": roles.MANAGE_PATIENTS, "ServiceRequest": roles.OPEN_EPISODES}


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


WRITE_ELEMENTS = {
    "mrn": "Patient.identifier",
    "given_name": "Patient.name.given",
    "family_name": "Patient.name.family",
    "birth_date": "Patient.birthDate",
    "sex": "Patient.gender",
    "patient": "ServiceRequest.subject",
    "opened_on": "ServiceRequest.authoredOn",
}


class TypeMayWrite(BasePermission):
    """A write is refused (403) before its body is read, as the API's writes_need does."""

    message = "Your role may not create this resource."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        perm = WRITES.get(view.kwargs.get("resource_type", ""))
        return perm is None or request.user.has_perm(perm)


class MetadataApi(FhirEndpoint):
    query = params("_format")

    def get(self, request):
        statement = selectors.capability_statement(
            base=base_url(request), date=timezone.localdate().isoformat()
        )
        return fhir_response(statement)


def _bundle(request, found) -> dict:
    """A searchset Bundle of a page, with self and next (and previous) links."""
    query = [(k, v) for k, v in request.query_params.lists() for v in v if k != "_offset"]
    path = request.build_absolute_uri(request.path)

    def at(offset: int) -> str:
        return f"{path}?{urlencode([*query, ('_offset', str(offset))])}"

    page = found.page
    links = {"self": at(page.offset)}
    if found.more:
        links["next"] = at(page.offset + page.count)
    if page.offset > 0 and page.count:
        links["previous"] = at(max(page.offset - page.count, 0))
    return searchset(found.resources, base=base_url(request), total=found.total, links=links)


class TypeApi(FhirEndpoint):
    """GET: search; POST: create (Patient, ServiceRequest)."""

    permission_classes = [IsAuthenticated, TypeMayWrite]

    @property
    def elements(self) -> dict[str, str]:
        """A write's fields as the elements of the resource sent (a search keeps its names)."""
        return WRITE_ELEMENTS if self.request.method == "POST" else {}

    @property
    def query(self):
        resource_type = self.kwargs.get("resource_type")
        return params(*query_names(resource_type)) if resource_type in TYPES else ()

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)  # a stranger is told to sign in before all else
        self.check_permissions(request)
        if kwargs["resource_type"] not in TYPES:
            raise NotFound(f"This server has no resource type '{kwargs['resource_type'][:40]}'.")
        super().initial(request, *args, **kwargs)

    def get(self, request, resource_type: str):
        q = request.query_params
        page = selectors.page_of(q.get("_count"), q.get("_offset"))
        if resource_type == "Patient":
            found = selectors.patient_search(
                actor=request.user,
                page=page,
                identifier=q.getlist("identifier"),
                name=q.getlist("name"),
                family=q.getlist("family"),
                birthdate=q.getlist("birthdate"),
            )
        elif resource_type == "EpisodeOfCare":
            patient = q.get("patient")
            found = selectors.episode_search(
                actor=request.user,
                page=page,
                status=q.getlist("status"),
                patient=selectors.reference_id(patient, "Patient", "patient") if patient else None,
            )
        else:
            if not q.get("patient"):
                raise InvalidInput(
                    {
                        "patient": f"Search {resource_type} by patient: "
                        "patient=Patient/<id> is required."
                    }
                )
            patient = selectors.reference_id(q["patient"], "Patient", "patient")
            found = selectors.patient_resources_search(
                actor=request.user,
                resource_type=resource_type,
                patient=patient,
                page=page,
                code=q.getlist("code"),
            )
            if found.total:  # the patient's record was read (none: no such patient, or empty)
                patient_access_record(
                    actor=request.user, patient_id=patient, what=f"fhir:{resource_type} search"
                )
        return fhir_response(_bundle(request, found))

    def post(self, request, resource_type: str):
        if resource_type == "Patient":
            patient, created = services.patient_create_or_match(
                actor=request.user, body=request.data
            )
            resource = selectors.patient_read(actor=request.user, patient_id=patient.id)
            location = f"{base_url(request)}/Patient/{patient.id}"
            return fhir_response(resource, 201 if created else 200, Location=location)
        if resource_type == "ServiceRequest":
            episode_id = services.referral_open(actor=request.user, body=request.data)
            resource, _ = selectors.resource_read(
                actor=request.user, resource_type="ServiceRequest", resource_id=str(episode_id)
            )
            location = f"{base_url(request)}/ServiceRequest/{episode_id}"
            return fhir_response(resource, 201, Location=location)
        return self.http_method_not_allowed(request)


class ReadApi(FhirEndpoint):
    query = params("_format")

    def get(self, request, resource_type: str, resource_id: str):
        if resource_type not in TYPES:
            raise NotFound(f"This server has no resource type '{resource_type[:40]}'.")
        if resource_type == "Patient":
            if not resource_id.isdigit() or len(resource_id) > 18:
                raise NotFound("No such Patient.")
            resource = selectors.patient_read(actor=request.user, patient_id=int(resource_id))
            patient_access_record(
                actor=request.user, patient_id=int(resource_id), what="fhir:Patient"
            )
            return fhir_response(resource)
        resource, patient_id = selectors.resource_read(
            actor=request.user, resource_type=resource_type, resource_id=resource_id
        )
        patient_access_record(
            actor=request.user, patient_id=patient_id, what=f"fhir:{resource_type}"
        )
        return fhir_response(resource)


class EverythingApi(FhirEndpoint):
    query = params("_format")

    def get(self, request, episode_id: int):
        resources, patient_id = selectors.episode_everything(
            actor=request.user, episode_id=episode_id
        )
        patient_access_record(
            actor=request.user,
            patient_id=patient_id,
            episode_id=episode_id,
            what="fhir:$everything",
        )
        found = selectors.Found(
            resources, len(resources), selectors.Page(0, max(len(resources), 1))
        )
        return fhir_response(_bundle(request, found))


class AdminOnly(BasePermission):
    """Bulk export is every patient's record at once: admins only, refused before anything."""

    message = "Your role may not export the unit's data (admins only)."

    def has_permission(self, request, view) -> bool:
        return roles.role_of(request.user) == roles.ADMIN


class ExportApi(FhirEndpoint):
    """Kick-off (FHIR Bulk Data): `Prefer: respond-async`, then 202 with the status URL."""

    permission_classes = [IsAuthenticated, AdminOnly]
    query = params("_type", "_outputFormat", "_format")

    def get(self, request, group_id: str | None = None):
        if "respond-async" not in request.headers.get("Prefer", ""):
            raise InvalidInput(
                {"Prefer": "A bulk export runs asynchronously: send 'Prefer: respond-async'."}
            )
        job = services.export_kick_off(
            actor=request.user,
            group=group_id,
            types=request.query_params.get("_type"),
            output_format=request.query_params.get("_outputFormat"),
            request_url=request.build_absolute_uri(),
        )
        status_url = f"{base_url(request)}/$export-status/{job.id}"
        return fhir_response(
            outcome(202, "Export started; poll the Content-Location URL.", severity="information"),
            202,
            **{"Content-Location": status_url},
        )


class ExportStatusApi(FhirEndpoint):
    """202 with X-Progress while the job runs, then 200 with the manifest; DELETE cancels."""

    permission_classes = [IsAuthenticated, AdminOnly]

    def get(self, request, job_id):
        job = selectors.export_get(actor=request.user, job_id=job_id)
        if job.status == ExportJob.Status.FAILED:
            return fhir_response(outcome(500, "The export failed; kick off a new one."), 500)
        if job.status != ExportJob.Status.COMPLETED:
            progress = f"{job.status}: {job.done_episodes} of {job.total_episodes} episodes"
            return Response(status=202, headers={"X-Progress": progress, "Retry-After": "2"})
        manifest = selectors.export_manifest(job, base=base_url(request))
        return Response(
            manifest,
            content_type="application/json",
            headers={"Expires": http_date(job.expires_at.timestamp())},
        )

    def delete(self, request, job_id):
        services.export_cancel(actor=request.user, job_id=job_id)
        return Response(status=202)


class AnyAccept(FhirNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportFileApi(FhirEndpoint):
    """An export's ndjson file, for its requester (the same sign-in as everything else)."""

    permission_classes = [IsAuthenticated, AdminOnly]
    content_negotiation_class = AnyAccept

    def get(self, request, job_id, file_name: str):
        path = selectors.export_file(actor=request.user, job_id=job_id, name=file_name)
        return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")


class NoSuchRouteApi(FhirEndpoint):
    """Any other path under /fhir/ (a vread, a history, an operation we do not have): a 404
    OperationOutcome, after sign-in, rather than the site's 404 page."""

    def get(self, request, rest: str):
        raise NotFound("This server does not support this interaction (see /fhir/metadata).")

    post = put = patch = delete = get
