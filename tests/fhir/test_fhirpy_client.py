"""A real FHIR client library (fhirpy) drives the server: it finds a patient by identifier,
reads the episode's $everything, pages through a search by the `next` links, registers a
patient and refers them, and a bulk export runs to completion (the Celery job run eagerly, as
a worker would run it)."""

import json
import time

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from fhirpy import SyncFHIRClient

from config.celery import app as celery_app
from core.models import ApiToken
from pathway.codes import State
from tests import factories as f
from tests.fhir.support import valid

# serialized_rollback: the roles and the default schedule are data migrations; a transactional
# test empties every table at its end, so they are put back after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
MRN = settings.FHIR_MRN_SYSTEM


def token_for(role: str) -> str:
    user = f.UserFactory(username=f"fhirpy-{role}")
    user.groups.add(Group.objects.get(name=role))
    _, token = ApiToken.objects.create(
        user=user, expiry=None, password_stamp=user.get_session_auth_hash()
    )
    return f"Token {token}"


@pytest.fixture
def coordinator_token(db):
    return token_for("coordinator")


def client(live_server, authorization: str) -> SyncFHIRClient:
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=authorization)


def test_fhirpy_finds_a_patient_reads_everything_and_pages(live_server, coordinator_token):
    actor = f.UserFactory(username="walker")
    actor.groups.add(Group.objects.get(name="coordinator"))
    patient = f.PatientFactory(mrn="FP-1", family_name="Walker")
    episode = f.walk_to(actor, patient, State.SURVEILLANCE)
    for n in range(4):
        f.PatientFactory(mrn=f"FP-PAGE-{n}", family_name="Pager")
    fhir = client(live_server, coordinator_token)

    found = fhir.resources("Patient").search(identifier=f"{MRN}|FP-1").fetch()
    assert [p.id for p in found] == [str(patient.id)]
    assert found[0]["identifier"][0]["value"] == "FP-1"

    bundle = fhir.execute(f"EpisodeOfCare/{episode.id}/$everything", method="get")
    valid(dict(bundle))
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "EpisodeOfCare", "Procedure", "Device", "CarePlan", "Task"} <= kinds

    paged = fhir.resources("Patient").search(family="Pager").limit(2).fetch_all()
    assert sorted(p["identifier"][0]["value"] for p in paged) == [f"FP-PAGE-{n}" for n in range(4)]

    created, was_new = (
        fhir.resources("Patient")
        .search(identifier=f"{MRN}|FP-2")
        .get_or_create(
            fhir.resource(
                "Patient",
                identifier=[{"system": MRN, "value": "FP-2"}],
                name=[{"family": "Client", "given": ["Fay"]}],
                gender="female",
                birthDate="1975-04-03",
            )
        )
    )
    assert was_new and created["birthDate"] == "1975-04-03"
    referral = fhir.resource(
        "ServiceRequest",
        status="active",
        intent="order",
        subject={"reference": f"Patient/{created.id}"},
    )
    referral.save()
    assert (
        referral.id
        and fhir.resources("EpisodeOfCare")
        .search(patient=f"Patient/{created.id}")
        .fetch()[0]["status"]
        == "planned"
    )


def test_a_bulk_export_runs_to_completion(live_server, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    actor = f.UserFactory(username="walker")
    actor.groups.add(Group.objects.get(name="coordinator"))
    episode = f.walk_to(actor, f.PatientFactory(), State.SURVEILLANCE)
    fhir = client(live_server, token_for("admin"))
    headers = {**fhir._build_request_headers(), "Prefer": "respond-async"}

    kick_off = requests.get(f"{fhir.url}/$export", headers=headers, timeout=30)
    assert kick_off.status_code == 202
    status_url = kick_off.headers["Content-Location"]
    for _ in range(50):
        status = requests.get(status_url, headers=headers, timeout=30)
        if status.status_code == 200:
            break
        assert status.status_code == 202 and status.headers["X-Progress"]
        time.sleep(0.2)
    assert status.status_code == 200
    manifest = status.json()
    assert manifest["requiresAccessToken"] is True
    seen = set()
    for output in manifest["output"]:
        assert output["url"].startswith(fhir.url)
        text = requests.get(output["url"], headers=headers, timeout=30).text
        for line in text.splitlines():
            data = json.loads(line)
            resource = fhir.resource(data.pop("resourceType"), **data)
            valid(fhir.dump_resource(resource))
            seen.add((resource.resource_type, resource.id))
    assert ("EpisodeOfCare", str(episode.id)) in seen
    assert ("Patient", str(episode.patient_id)) in seen
