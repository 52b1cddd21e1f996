"""Saves that are safe (issue 18): a form sent twice, by a double click, a refresh or a retry,
is answered with its first answer and saved once; every answer but /healthz and the static
files is sent with `Cache-Control: no-store`."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core import idempotency, jobs
from core.models import SavedAnswer
from pathway.codes import State
from pathway.models import MdtDecision
from patients.models import Patient
from tests.api import support as s
from tests.factories import episode_in

pytestmark = pytest.mark.django_db


def claim(user, key="key-1", fingerprint="request-a"):
    return idempotency.answer_claim(user=user, key=key, fingerprint=fingerprint)


def kept(claimed, status=201, body=b'{"id": 7}'):
    idempotency.answer_keep(
        claimed=claimed, status=status, headers={"Content-Type": "application/json"}, body=body
    )


# The store -------------------------------------------------------------------------------------


def test_a_repeat_is_given_the_first_answer(coordinator):
    kept(claim(coordinator))

    repeat = claim(coordinator)

    assert isinstance(repeat, idempotency.Repeat)
    assert (repeat.status, repeat.body) == (201, b'{"id": 7}')
    assert repeat.headers == {"Content-Type": "application/json"}


def test_the_same_key_for_another_request_is_refused_in_words(coordinator):
    kept(claim(coordinator))

    refused = claim(coordinator, fingerprint="request-b")

    assert isinstance(refused, idempotency.Refused)
    assert refused.status == 422
    assert "different request" in refused.why


def test_each_user_has_their_own_keys(coordinator, nurse):
    kept(claim(coordinator))

    assert isinstance(claim(nurse), idempotency.Claimed)


def test_a_first_request_that_failed_lets_its_repeat_run(coordinator):
    idempotency.answer_release(claimed=claim(coordinator))

    assert isinstance(claim(coordinator), idempotency.Claimed)


def test_a_repeat_waits_for_the_first_and_is_told_in_words_when_it_does_not_answer(
    coordinator, settings
):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.3
    claim(coordinator)  # running, never answers

    refused = claim(coordinator)

    assert isinstance(refused, idempotency.Refused)
    assert refused.status == 409 and "still being processed" in refused.why


def test_a_first_request_dead_for_minutes_is_not_run_again(coordinator):
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=10), tick=False):
        claim(coordinator)  # its process ended mid-request

    refused = claim(coordinator)

    assert isinstance(refused, idempotency.Refused)
    assert "interrupted" in refused.why


def test_an_answer_is_kept_for_24_hours_then_forgotten_and_purged(coordinator):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        kept(claim(coordinator))
        clock.shift(dt.timedelta(hours=23, minutes=59))
        assert isinstance(claim(coordinator), idempotency.Repeat)
        assert jobs.purge_expired_credentials() == 0

        clock.shift(dt.timedelta(minutes=2))
        assert jobs.purge_expired_credentials() == 1
        assert not SavedAnswer.objects.exists()
        assert isinstance(claim(coordinator, fingerprint="request-b"), idempotency.Claimed)


def test_a_key_past_24_hours_is_claimed_anew_before_the_purge(coordinator):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        kept(claim(coordinator))
        clock.shift(dt.timedelta(hours=25))

        assert isinstance(claim(coordinator, fingerprint="request-b"), idempotency.Claimed)
        assert SavedAnswer.objects.count() == 1


# Web forms -------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def mdt_form(form_token: str | None = None, **extra) -> dict:
    """The MDT decision form as the episode page sends it (its fields prefixed `mdt-`)."""
    fields = {
        "date": s.ago(0),
        "attendees": ["vascular_surgeon", "interventional_radiologist", "haematologist"],
        "decision": "proceed",
        "rationale": "Iliocaval thrombus.",
        **extra,
    }
    sent = {f"mdt-{name}": value for name, value in fields.items()}
    return {**sent, "form_token": form_token} if form_token else sent


def test_an_mdt_decision_sent_twice_with_its_form_token_is_saved_once(signed_in, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = f"/episodes/{episode.id}/record/mdt/"

    first = signed_in.post(url, mdt_form(form_token="t-1"))
    again = signed_in.post(url, mdt_form(form_token="t-1"))

    assert MdtDecision.objects.filter(episode=episode).count() == 1
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/episodes/{episode.id}/#mdt"
    assert again["Idempotent-Replayed"] == "true"


def test_the_repeat_shows_the_first_saves_message_once(signed_in, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = f"/episodes/{episode.id}/record/mdt/"
    signed_in.post(url, mdt_form(form_token="t-1"))
    signed_in.cookies.pop("messages", None)  # the browser dropped the first answer

    signed_in.post(url, mdt_form(form_token="t-1"))
    page = signed_in.get(f"/episodes/{episode.id}/").content.decode()

    assert page.count("Saved: MDT decision.") == 1


def test_a_new_form_on_the_page_is_a_new_save(signed_in, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = f"/episodes/{episode.id}/record/mdt/"

    signed_in.post(url, mdt_form(form_token="t-1"))
    signed_in.post(url, mdt_form(form_token="t-2"))
    signed_in.post(url, mdt_form(form_token="t-1", rationale="Changed before sending again."))

    assert MdtDecision.objects.filter(episode=episode).count() == 3


def test_a_refused_form_is_not_kept_and_may_be_sent_again(signed_in, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = f"/episodes/{episode.id}/record/mdt/"

    refused = signed_in.post(url, mdt_form(form_token="t-1", date=""))

    assert refused.status_code == 400
    assert not SavedAnswer.objects.exists()
    html = refused.content.decode()
    assert 'aria-invalid="true"' in html  # what app.js names in its banner and focuses


def test_a_patient_registered_by_a_double_click_is_registered_once_and_opens_its_episode(
    signed_in,
):
    form = {**s.patient_body(mrn="RX-2024"), "form_token": "t-9"}

    first = signed_in.post("/patients/new/", form)
    again = signed_in.post("/patients/new/", form)

    patient = Patient.objects.get(mrn="RX-2024")
    assert first.status_code == again.status_code == 302
    assert again["Location"] == f"/episodes/new/?patient={patient.id}"
    assert Patient.objects.filter(mrn="RX-2024").count() == 1


def test_a_form_without_a_token_works_as_before(signed_in, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = f"/episodes/{episode.id}/record/mdt/"

    signed_in.post(url, mdt_form())
    signed_in.post(url, mdt_form())

    assert MdtDecision.objects.filter(episode=episode).count() == 2
    assert not SavedAnswer.objects.exists()


def test_another_users_token_is_not_their_answer(client, coordinator, admin_user):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = f"/episodes/{episode.id}/record/mdt/"
    client.force_login(coordinator)
    client.post(url, mdt_form(form_token="t-1"))
    client.force_login(admin_user)

    client.post(url, mdt_form(form_token="t-1"))

    assert MdtDecision.objects.filter(episode=episode).count() == 2


# Not kept by browsers or proxies ---------------------------------------------------------------


def test_pages_and_api_answers_are_never_stored(signed_in, coordinator, as_coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)

    for response in (
        signed_in.get(f"/episodes/{episode.id}/"),
        signed_in.get("/episodes/"),
        signed_in.get("/inbox/"),
        as_coordinator.get(f"/api/episodes/{episode.id}/"),
        as_coordinator.get("/api/patients/"),
        as_coordinator.post("/api/patients/", {}, format="json"),  # a 400 too
        signed_in.post(f"/episodes/{episode.id}/record/mdt/", mdt_form(form_token="t-1")),
        signed_in.post(f"/episodes/{episode.id}/record/mdt/", mdt_form(form_token="t-1")),
    ):
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_the_health_check_may_be_cached(client):
    response = client.get("/healthz")

    assert "no-store" not in response.get("Cache-Control", "")
