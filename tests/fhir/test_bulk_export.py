"""FHIR Bulk Data export: an admin kicks it off, polls its status (202 with progress, then 200
with the manifest), downloads one ndjson file per type (every line valid R4), and the files
expire after the unit's setting and are deleted by the hourly purge."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from fhir import jobs
from fhir.models import ExportJob
from fhir.services import exports
from pathway.codes import State
from tasks.models import UnitSettings
from tests import factories as f
from tests.conftest import client_for
from tests.fhir.support import body, valid

pytestmark = pytest.mark.django_db
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture
def as_admin(admin_user):
    return client_for(admin_user)


def kick_off(client, path="/fhir/$export", **params):
    response = client.get(path, params, **ASYNC)
    assert response.status_code == 202, response.content
    status_url = response["Content-Location"]
    assert "/fhir/$export-status/" in status_url
    return status_url.removeprefix("http://testserver")


def lines(client, url: str) -> list[dict]:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(response.streaming_content).decode()
    return [valid(json.loads(line)) for line in text.splitlines()]


def test_an_export_runs_to_a_manifest_of_ndjson_files_valid_r4(coordinator, as_admin):
    surveillance = f.episode_in(State.SURVEILLANCE, coordinator)
    f.open_episode(coordinator)
    f.PatientFactory()  # no episode: a Patient all the same
    status_url = kick_off(as_admin)
    waiting = as_admin.get(status_url)
    assert waiting.status_code == 202 and waiting["X-Progress"].startswith("queued")
    job = ExportJob.objects.get()
    assert jobs.run_bulk_export(str(job.id)) is True
    done = as_admin.get(status_url)
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith("/fhir/$export")
    files = {o["type"]: o for o in manifest["output"]}
    assert {"Patient", "EpisodeOfCare", "Procedure", "Observation", "Task", "Provenance"} <= set(
        files
    )
    patients = lines(as_admin, files["Patient"]["url"])
    assert len(patients) == files["Patient"]["count"] == 3
    episodes = lines(as_admin, files["EpisodeOfCare"]["url"])
    assert {e["id"] for e in episodes} == {str(surveillance.id), str(surveillance.id + 1)}
    for output in manifest["output"]:
        found = lines(as_admin, output["url"])
        assert len(found) == output["count"]
        assert {r["resourceType"] for r in found} == {output["type"]}


def test_a_group_is_a_pathway_state_and_types_narrow_the_export(coordinator, as_admin):
    surveillance = f.episode_in(State.SURVEILLANCE, coordinator)
    f.open_episode(coordinator)
    status_url = kick_off(
        as_admin, "/fhir/Group/surveillance/$export", _type="Patient,EpisodeOfCare"
    )
    exports.export_run(job_id=ExportJob.objects.get().id)
    manifest = as_admin.get(status_url).json()
    assert [o["type"] for o in manifest["output"]] == ["Patient", "EpisodeOfCare"]
    files = {o["type"]: o["url"] for o in manifest["output"]}
    assert [p["id"] for p in lines(as_admin, files["Patient"])] == [str(surveillance.patient_id)]
    assert [e["id"] for e in lines(as_admin, files["EpisodeOfCare"])] == [str(surveillance.id)]


def test_batches_cover_every_episode_once(coordinator, as_admin, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    made = {str(f.open_episode(coordinator).id) for _ in range(5)}
    status_url = kick_off(as_admin, _type="EpisodeOfCare")
    exports.export_run(job_id=ExportJob.objects.get().id)
    (output,) = as_admin.get(status_url).json()["output"]
    assert sorted(e["id"] for e in lines(as_admin, output["url"])) == sorted(made)


def test_a_job_run_again_does_nothing_more(coordinator, as_admin):
    f.open_episode(coordinator)
    kick_off(as_admin)
    job = ExportJob.objects.get()
    assert exports.export_run(job_id=job.id) is True
    assert exports.export_run(job_id=job.id) is False
    job.refresh_from_db()
    assert job.status == ExportJob.Status.COMPLETED


def test_files_expire_after_the_units_setting_and_are_purged(coordinator, as_admin, export_folder):
    UnitSettings.objects.update_or_create(pk=1, defaults={"bulk_export_expiry_hours": 6})
    f.open_episode(coordinator)
    status_url = kick_off(as_admin)
    job = ExportJob.objects.get()
    exports.export_run(job_id=job.id)
    job.refresh_from_db()
    assert job.expires_at == job.completed_at + dt.timedelta(hours=6)
    file_url = as_admin.get(status_url).json()["output"][0]["url"]
    with time_machine.travel(job.expires_at + dt.timedelta(minutes=1)):
        assert as_admin.get(status_url).status_code == 410
        assert jobs.sweep_bulk_exports() == 1
        assert not (export_folder / str(job.id)).exists()
        assert as_admin.get(file_url.removeprefix("http://testserver")).status_code == 410
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED  # the row stays: who exported, and when


def test_an_export_is_for_admins_who_ask_asynchronously(as_coordinator, as_admin, db):
    assert as_coordinator.get("/fhir/$export", **ASYNC).status_code == 403
    refused = as_admin.get("/fhir/$export", HTTP_ACCEPT="application/fhir+json")
    assert (
        refused.status_code == 400 and "respond-async" in body(refused)["issue"][0]["diagnostics"]
    )
    assert as_admin.get("/fhir/Group/nowhere/$export", **ASYNC).status_code == 404
    assert as_admin.get("/fhir/$export", {"_type": "Spaceship"}, **ASYNC).status_code == 400
    assert as_admin.get("/fhir/$export", {"_since": "2024-01-01"}, **ASYNC).status_code == 400
    assert not ExportJob.objects.exists()


def test_another_admins_export_is_not_found_and_a_cancelled_one_is_gone(as_admin, db):
    other = f.UserFactory(username="other-admin", is_superuser=True)
    status_url = kick_off(as_admin)
    assert client_for(other).get(status_url).status_code == 404
    assert as_admin.delete(status_url).status_code == 202
    assert as_admin.get(status_url).status_code == 410
    assert exports.export_run(job_id=ExportJob.objects.get().id) is False


def test_the_kick_off_enqueues_the_job_after_commit(
    as_admin, db, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(jobs.run_bulk_export, "delay", lambda job_id: sent.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        kick_off(as_admin)
    assert sent == [str(ExportJob.objects.get().id)]  # an id only
    assert timezone.now() >= ExportJob.objects.get().created_at


def test_a_job_a_dead_worker_left_is_enqueued_again_and_runs(coordinator, as_admin, monkeypatch):
    f.open_episode(coordinator)
    kick_off(as_admin)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(id=job.id).update(
        status=ExportJob.Status.RUNNING, claimed_until=timezone.now() + dt.timedelta(seconds=30)
    )
    assert exports.export_run(job_id=job.id) is False  # claimed: another worker has it
    sent = []
    monkeypatch.setattr(jobs.run_bulk_export, "delay", sent.append)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        assert jobs.sweep_bulk_exports() == 1
        assert sent == [str(job.id)]
        assert exports.export_run(job_id=job.id) is True
        assert jobs.sweep_bulk_exports() == 0


def test_a_failed_export_says_so_and_keeps_no_files(
    coordinator, as_admin, monkeypatch, export_folder
):
    f.open_episode(coordinator)
    status_url = kick_off(as_admin)
    monkeypatch.setattr(exports, "episodes_load", lambda ids: 1 / 0)
    assert exports.export_run(job_id=ExportJob.objects.get().id) is False
    failed = as_admin.get(status_url)
    assert failed.status_code == 500
    assert body(failed)["resourceType"] == "OperationOutcome"
    assert not any(export_folder.iterdir())
