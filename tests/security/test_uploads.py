"""No page and no endpoint takes a file (issue 21): a posted file is refused in words before a
byte of it is read, spooled or kept, whoever sends it; the API takes JSON only. Forms without a
file, sent multipart as browsers do, work as before."""

import io

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from core.uploads import NO_FILES, RefuseFiles
from pathway.codes import State
from pathway.models import Episode, SelectionAssessment
from patients.models import Patient
from tests.factories import PatientFactory, walk_to

pytestmark = pytest.mark.django_db
FIVE_MB = 5 * 1024 * 1024


def a_file(size: int = FIVE_MB) -> io.BytesIO:
    scan = io.BytesIO(b"\x00" * size)
    scan.name = "scan.pdf"
    return scan


def counts() -> tuple[int, int, int]:
    return Patient.objects.count(), Episode.objects.count(), SelectionAssessment.objects.count()


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/patients/new/", "/episodes/1/record/selection/", "/"]
)
def test_an_anonymous_five_megabyte_file_posted_to_a_page_is_refused_in_words(client, path):
    before = counts()

    response = client.post(path, {"username": "x", "report": a_file()})

    assert response.status_code == 400
    assert NO_FILES in response.content.decode()
    assert counts() == before


def test_a_coordinators_record_form_with_a_file_saves_nothing(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION)
    client.force_login(coordinator)

    response = client.post(
        f"/episodes/{episode.id}/record/selection/",
        {"selection-assessed_on": "2024-01-01", "attachment": a_file(1024)},
    )

    assert response.status_code == 400
    assert "takes no files" in response.content.decode()
    assert not SelectionAssessment.objects.filter(episode=episode).exists()


def test_the_file_is_refused_at_its_headers_before_its_body_is_read():
    """The fields before it are read, as the CSRF check would; of the file's 5 MB, no more than
    the parser's first chunk."""
    body = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": "t", "report": a_file()})
    stream = io.BytesIO(body)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/accounts/login/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.input": stream,
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(len(body)),
        }
    )

    response = RefuseFiles(lambda request: pytest.fail("reached the view"))(request)

    assert response.status_code == 400
    assert stream.tell() < 256 * 1024 < len(body)


@pytest.mark.parametrize("who", ["anonymous", "as_coordinator"])
def test_the_api_answers_a_multipart_body_415_before_anything_reads_it(request, who):
    client = request.getfixturevalue(who)
    before = counts()

    response = client.post("/api/patients/", {"mrn": "F-1", "scan": a_file()}, format="multipart")

    assert response.status_code == 415
    assert response.json() == {
        "detail": "The API takes JSON only: send the body as application/json."
    }
    assert counts() == before


def test_the_api_answers_a_form_encoded_body_415_in_words(as_coordinator):
    response = as_coordinator.post(
        "/api/patients/", "mrn=F-2", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert "JSON only" in response.json()["detail"]
    assert not Patient.objects.filter(mrn="F-2").exists()


def test_a_form_without_a_file_sent_multipart_still_saves(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        "/patients/new/",
        {
            "mrn": "RX-2024-1",
            "given_name": "Ada",
            "family_name": "Okafor",
            "birth_date": "1970-02-03",
            "sex": "female",
        },
    )

    assert response.status_code == 302
    assert Patient.objects.filter(mrn="RX-2024-1").exists()
