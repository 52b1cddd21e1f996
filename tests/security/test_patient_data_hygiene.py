"""Who a patient is (MRN, names, birth date) never leaves the records it belongs to: not in a
log line, a Celery task's arguments, a URL we redirect to, or an error message. One patient is
walked from registration to alerts and their emails while everything is captured."""

import datetime as dt
import logging

import pytest
import time_machine
from celery.signals import before_task_publish
from gunicorn.config import Config

from core.logging import AccessLog, QueryStringsRemoved
from tasks.models import Delivery
from tasks.services import delivery_send
from tests.conftest import client_for
from tests.tasks.support import DISCHARGED_ON, PROCEDURE_ON, at, discharge, sweep_on

pytestmark = pytest.mark.django_db
MRN, GIVEN, FAMILY, BORN = "ZQ7731-9", "Zebedee", "Quillfeather", dt.date(1961, 7, 13)
IDENTIFIERS = [MRN, GIVEN, FAMILY, BORN.isoformat(), "13/07/1961"]


def leaks(text: str) -> list[str]:
    return [x for x in IDENTIFIERS if x.lower() in str(text).lower()]


@pytest.fixture
def published():
    """The body (args, kwargs) of every Celery task published."""
    bodies = []

    def record(body=None, **_):
        bodies.append(body)

    before_task_publish.connect(record, weak=False)
    yield bodies
    before_task_publish.disconnect(record)


def test_a_patient_walked_to_alerts_leaves_no_identifier_in_logs_tasks_urls_or_errors(
    coordinator,
    nurse,
    as_coordinator,
    client,
    caplog,
    published,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    urls = []
    with time_machine.travel(at(PROCEDURE_ON), tick=False) as clock:
        created = as_coordinator.post(
            "/api/patients/",
            {
                "mrn": MRN,
                "given_name": GIVEN,
                "family_name": FAMILY,
                "birth_date": BORN.isoformat(),
                "sex": "male",
            },
            format="json",
        )
        assert created.status_code == 201
        again = as_coordinator.post(
            "/api/patients/",
            {
                "mrn": MRN,
                "given_name": GIVEN,
                "family_name": FAMILY,
                "birth_date": BORN.isoformat(),
                "sex": "male",
            },
            format="json",
        )
        assert again.status_code == 400 and not leaks(again.content.decode())
        found = as_coordinator.get("/api/patients/", {"search": FAMILY})
        assert found.json()["count"] == 1
        assert as_coordinator.get("/api/patients/999999/").status_code == 404
        client.force_login(coordinator)
        searched = client.post("/episodes/", {"q": MRN})
        urls.append(searched["Location"])
        client.logout()
        urls.append(client.get("/episodes/?page=1")["Location"])  # to the sign-in page

        from patients.models import Patient

        patient = Patient.objects.get(id=created.json()["id"])
        with django_capture_on_commit_callbacks(execute=True):
            episode = discharge(coordinator, clock, patient=patient)
            refused = as_coordinator.post(
                f"/api/episodes/{episode.id}/transitions/",
                {"transition": "discharge"},
                format="json",
            )
            assert refused.status_code in (400, 409) and not leaks(refused.content.decode())
            sweep_on(clock, DISCHARGED_ON + dt.timedelta(days=11))
            duplex = episode.follow_ups.filter(kind="duplex").order_by("due_on").first()
            clock.move_to(at(duplex.due_on))
            occluded = client_for(nurse).post(
                f"/api/follow-ups/{duplex.id}/result/",
                {
                    "performed_on": duplex.due_on.isoformat(),
                    "segments": [{"segment": "left_common_iliac", "result": "occluded"}],
                },
                format="json",
            )
            assert occluded.status_code == 200, occluded.content
        for delivery_id in Delivery.objects.values_list("id", flat=True):
            delivery_send(delivery_id=delivery_id)

    logged = [r.getMessage() for r in caplog.records]
    assert published, "the walk published no task: nothing was checked"
    assert not [m for m in logged if leaks(m)]
    assert not [b for b in published if leaks(repr(b))]
    assert not [u for u in urls if leaks(u)]


def test_request_lines_are_logged_without_their_query_strings():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /api/patients/?search=Quillfeather HTTP/1.1", "200", "512"),
        None,
    )
    QueryStringsRemoved().filter(record)

    assert record.getMessage() == '"GET /api/patients/ HTTP/1.1" 200 512'


def test_a_nurses_clinic_feed_secret_never_reaches_the_request_log():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /feeds/s3cr3t-Tok_en/clinic.ics HTTP/1.1", "200", "512"),
        None,
    )
    QueryStringsRemoved().filter(record)

    assert record.getMessage() == '"GET /feeds/[secret]/clinic.ics HTTP/1.1" 200 512'


def test_gunicorns_error_line_for_an_interrupted_request_names_no_search(tmp_path):
    """What gunicorn's worker logs when a request is cut short (workers/base.py)."""
    errors = tmp_path / "error.log"
    config = Config()
    config.set("errorlog", str(errors))
    log = AccessLog(config)
    try:
        raise SystemExit(1)
    except SystemExit:
        log.exception("Error handling request %s", "/api/patients/?search=Quillfeather")

    text = errors.read_text()
    assert "Error handling request /api/patients/\n" in text
    assert "Quillfeather" not in text


def test_a_record_with_named_arguments_keeps_them():
    record = logging.LogRecord(
        "celery",
        logging.ERROR,
        __file__,
        1,
        "Task %(name)s[%(id)s]",
        ({"name": "deliver_alert", "id": "7?x=1"},),
        None,
    )
    QueryStringsRemoved().filter(record)

    assert record.getMessage() == "Task deliver_alert[7]"


def test_sql_is_not_logged_even_at_debug_level(caplog, patient):
    """Django logs every statement with its parameters when DEBUG is on; they name patients."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from patients.models import Patient

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # as a unit debugging its requests would
    with CaptureQueriesContext(connection):  # the debug cursor DEBUG=True would use
        Patient.objects.filter(mrn=patient.mrn).exists()

    assert not [r for r in caplog.records if patient.mrn in r.getMessage()]
