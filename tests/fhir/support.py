"""What the FHIR tests share: every resource and Bundle checked against fhir.resources' R4B
models (never the package's default R5 ones), and reading a response's body."""

from __future__ import annotations

import json

from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"


def valid(resource: dict) -> dict:
    """`resource` as FHIR R4 (R4B) reads it; a Bundle's entries are checked as its parts.
    Returns the resource for chaining."""
    model = get_fhir_model_class(resource["resourceType"])
    parsed = model.model_validate(resource)
    assert parsed.get_resource_type() == resource["resourceType"]
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            valid(entry["resource"])
    return resource


def body(response) -> dict:
    assert response["Content-Type"].startswith(FHIR_JSON), response["Content-Type"]
    return json.loads(response.content)


def get(client, path: str, **params):
    return client.get(path, params, HTTP_ACCEPT=FHIR_JSON)


def post(client, path: str, resource: dict, **headers):
    return client.post(path, json.dumps(resource), content_type=FHIR_JSON, **headers)


def entries(bundle: dict, resource_type: str | None = None) -> list[dict]:
    return [
        e["resource"]
        for e in bundle.get("entry", [])
        if resource_type is None or e["resource"]["resourceType"] == resource_type
    ]


def export_of(user, *, completed: bool = False):
    """An export job of `user` (queued; or completed, with a Patient file of one line)."""
    from django.utils import timezone

    from fhir.models import ExportJob
    from fhir.selectors.exports import export_dir

    job = ExportJob.objects.create(
        requested_by=user, types=["Patient"], request_url="http://testserver/fhir/$export"
    )
    if completed:
        folder = export_dir(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"1"}\n')
        job.status, job.completed_at = ExportJob.Status.COMPLETED, timezone.now()
        job.expires_at = job.completed_at + timezone.timedelta(hours=1)
        job.output = [{"type": "Patient", "file": "Patient.ndjson", "count": 1}]
        job.save()
    return job
