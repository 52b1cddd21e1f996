"""A 503 page in words (issue 21): a page asked while the database is down, or whose
connection drops mid-request, answers 503 in words with Retry-After, never a bare "Server Error
(500)", and what it read is not logged as read (the access log is in its transaction). With
the broker down, a write that enqueues work after commit is saved and answered as saved: the
enqueue failing is logged, and the sweeps send the work once the broker is back."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client

from fhir.models import ExportJob
from fhir.services import exports
from pathway.codes import State
from patients.models import PatientAccess
from tasks.models import Alert, Delivery, Visit
from tests.api import support as s
from tests.conftest import client_for
from tests.factories import episode_in
from tests.integration.test_database_faults import _terminate
from tests.integration.test_truthful_answers import at_statement

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
NOWHERE = "redis://127.0.0.1:1/0"  # a port where no broker answers


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)  # answered as a server would answer it
    client.force_login(user)
    return client


def assert_a_503_page_in_words(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "The database is unavailable just now; nothing was saved." in page
    assert "Server Error" not in page and "Traceback" not in page
    for internal in ("INSERT", "psycopg", "OperationalError", "patients_"):
        assert internal not in page


def test_a_page_asked_while_the_database_is_down_is_a_503_page_in_words(coordinator):
    client, api_client = signed_in(coordinator), client_for(coordinator)
    episode = episode_in(State.SELECTION, coordinator)
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens: every connection is refused
    try:
        pages = [client.get("/episodes/"), client.get(f"/episodes/{episode.id}/")]
        form = client.post(f"/episodes/{episode.id}/record/selection/", {"form_token": "t-1"})
        api = api_client.get("/api/episodes/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    for response in (*pages, form):
        assert_a_503_page_in_words(response)
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert "nothing was saved" in api.json()["detail"]


def test_a_page_whose_connection_drops_mid_request_is_a_503_and_logs_no_read(coordinator):
    client = signed_in(coordinator)
    episode = episode_in(State.SELECTION, coordinator)
    client.get(f"/episodes/{episode.id}/")  # read once: one row in the access log
    read = PatientAccess.objects.filter(episode_id=episode.id)
    assert read.count() == 1

    with at_statement('INSERT INTO "patients_patientaccess"'):
        response = client.get(f"/episodes/{episode.id}/")
    connection.close()

    assert_a_503_page_in_words(response)
    assert read.count() == 1  # the page was not shown: its read is not logged either
    assert client.get(f"/episodes/{episode.id}/").status_code == 200
    assert read.count() == 2


def test_an_alarming_visit_recorded_with_the_broker_down_is_saved_and_answered_saved(
    coordinator, broker
):
    """An INR of 6.5 alerts the coordinators at once (a delivery enqueued after commit)."""
    episode = episode_in(State.SURVEILLANCE, coordinator)
    client = signed_in(coordinator)
    broker(NOWHERE)

    response = client.post(
        f"/inbox/episodes/{episode.id}/visits/inr_check/",
        {"performed_on": s.ago(0), "inr": "6.5", "form_token": "visit-1"},
    )

    assert response.status_code == 302, response.content[:300]
    visit = Visit.objects.get(episode=episode)
    alerts = Alert.objects.filter(visit=visit)
    assert alerts.exists()
    # Committed before the enqueue failed: the rows wait for deliveries_requeue_stale.
    assert Delivery.objects.filter(alert__in=alerts).exists()
    again = client.post(
        f"/inbox/episodes/{episode.id}/visits/inr_check/",
        {"performed_on": s.ago(0), "inr": "6.5", "form_token": "visit-1"},
    )
    assert again.status_code == 302 and again["Idempotent-Replayed"] == "true"
    assert Visit.objects.filter(episode=episode).count() == 1


def test_an_export_asked_with_the_broker_down_is_queued_and_answered_queued(admin_user, broker):
    """Its enqueue after commit raises (no robust hook): the answer stays the 202 of a job
    saved, which the export sweep enqueues again (fhir.services.exports.exports_stalled)."""
    broker(NOWHERE)
    client = client_for(admin_user)
    client.raise_request_exception = False

    response = client.get(
        "/fhir/$export", HTTP_PREFER="respond-async", HTTP_ACCEPT="application/fhir+json"
    )

    assert response.status_code == 202, response.content[:300]
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED
    later = job.created_at + exports.STALLED_AFTER * 2
    assert exports.exports_stalled(now=later) == [str(job.id)]


def test_a_commit_whose_outcome_cannot_be_learnt_is_not_called_a_503(coordinator):
    """COMMIT done, its reply lost, and the database unreachable when asked whether it
    committed: the answer says it is not known (500), never that nothing was saved; sent again
    with the same key, it is answered with the first answer."""
    episode = episode_in(State.SURVEILLANCE, coordinator)
    client = client_for(coordinator)
    client.raise_request_exception = False
    url, key = f"/api/episodes/{episode.id}/visits/", {"Idempotency-Key": "visit-1"}
    body = {"kind": "inr_check", "performed_on": s.ago(0), "inr": "2.5"}
    real_commit, real_port = connection._commit, connection.settings_dict["PORT"]

    def commit_then_lose_everything():
        real_commit()
        _terminate(connection.connection.info.backend_pid)
        connection.settings_dict["PORT"] = "1"
        raise OperationalError("server closed the connection unexpectedly")

    connection._commit = commit_then_lose_everything
    try:
        response = client.post(url, body, format="json", headers=key)
    finally:
        del connection._commit
        connection.settings_dict["PORT"] = real_port
        connection.close()

    assert response.status_code == 500
    assert "whether it was saved is not known" in response.json()["detail"]
    assert "Retry-After" not in response
    assert Visit.objects.filter(episode=episode).count() == 1
    again = client.post(url, body, format="json", headers=key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Visit.objects.filter(episode=episode).count() == 1
