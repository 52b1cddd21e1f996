"""The contract's `Idempotency-Key` (Web pages): a POST, PUT or PATCH sent again with the same
key within 24 hours is answered with the first answer and writes nothing; the key sent with
another request is refused in words."""

import threading
import time

import pytest
from django.db import connection

from pathway.codes import State
from pathway.models import Episode, MdtDecision
from patients.models import Patient
from tests.api import support as s
from tests.conftest import client_for
from tests.factories import episode_in
from tests.pathway.test_concurrency import WAIT_SECONDS, _waiting_on_a_lock, held

pytestmark = pytest.mark.django_db


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, body, format="json", headers=headers)


@pytest.fixture
def mdt_url(coordinator):
    return s.episode_url(episode_in(State.MDT_DISCUSSION, coordinator).id, "mdt/")


def test_an_mdt_decision_sent_twice_with_one_key_is_saved_once_and_answered_alike(
    as_coordinator, mdt_url
):
    first = post(as_coordinator, mdt_url, s.mdt_body(), key="0b7c6a1e-mdt")
    again = post(as_coordinator, mdt_url, s.mdt_body(), key="0b7c6a1e-mdt")

    assert MdtDecision.objects.count() == 1
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first


def test_without_a_key_each_post_is_a_new_decision(as_coordinator, mdt_url):
    post(as_coordinator, mdt_url, s.mdt_body())
    post(as_coordinator, mdt_url, s.mdt_body())

    assert MdtDecision.objects.count() == 2


def test_a_new_key_is_a_new_decision(as_coordinator, mdt_url):
    post(as_coordinator, mdt_url, s.mdt_body(), key="k-1")
    post(as_coordinator, mdt_url, s.mdt_body(), key="k-2")

    assert MdtDecision.objects.count() == 2


def test_the_key_sent_with_another_body_or_path_is_refused_and_writes_nothing(
    as_coordinator, mdt_url
):
    s.ok(post(as_coordinator, mdt_url, s.mdt_body(), key="k-1"), 201)
    before = s.saved()

    other_body = post(as_coordinator, mdt_url, s.mdt_body(rationale="Other."), key="k-1")
    other_path = post(as_coordinator, "/api/patients/", s.patient_body(), key="k-1")

    for response in (other_body, other_path):
        assert response.status_code == 422
        assert "already used for a different request" in response.json()["detail"]
    assert s.saved() == before


def test_a_refused_first_answer_is_given_again(as_coordinator, mdt_url):
    first = post(as_coordinator, mdt_url, s.mdt_body(date=s.ahead(3)), key="k-1")
    again = post(as_coordinator, mdt_url, s.mdt_body(date=s.ahead(3)), key="k-1")

    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert MdtDecision.objects.count() == 0


def test_a_patient_registered_twice_with_one_key_is_one_patient(as_coordinator):
    first = s.ok(post(as_coordinator, "/api/patients/", s.patient_body(), key="reg-1"), 201)
    again = s.ok(post(as_coordinator, "/api/patients/", s.patient_body(), key="reg-1"), 201)

    assert again == first
    assert Patient.objects.count() == 1


def test_a_put_repeated_with_its_key_writes_one_revision(as_coordinator, coordinator):
    episode = episode_in(State.SELECTION, coordinator)
    url = s.episode_url(episode.id, "selection/")
    body = s.selection_body()

    s.ok(as_coordinator.put(url, body, format="json", headers={"Idempotency-Key": "sel-1"}))
    count = len(s.ok(as_coordinator.get(s.episode_url(episode.id, "revisions/"))))
    s.ok(as_coordinator.put(url, body, format="json", headers={"Idempotency-Key": "sel-1"}))

    assert len(s.ok(as_coordinator.get(s.episode_url(episode.id, "revisions/")))) == count


def test_a_key_is_the_users_own(as_coordinator, as_admin, mdt_url):
    post(as_coordinator, mdt_url, s.mdt_body(), key="k-1")
    post(as_admin, mdt_url, s.mdt_body(), key="k-1")

    assert MdtDecision.objects.count() == 2


def test_a_role_refused_holds_no_key(as_nurse, as_coordinator, mdt_url):
    assert post(as_nurse, mdt_url, s.mdt_body(), key="k-1").status_code == 403

    assert post(as_coordinator, mdt_url, s.mdt_body(), key="k-1").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_a_key_that_is_no_key_is_a_400_in_words(as_coordinator, mdt_url, key):
    message = s.names(post(as_coordinator, mdt_url, s.mdt_body(), key=key), "Idempotency-Key")

    assert "printable characters" in message[0]
    assert MdtDecision.objects.count() == 0


def test_the_schema_documents_the_header_on_writes(as_coordinator):
    schema = s.ok(as_coordinator.get("/api/schema/?format=json"))
    mdt = schema["paths"]["/api/episodes/{episode_id}/mdt/"]

    names = [p["name"] for p in mdt["post"]["parameters"]]
    assert "Idempotency-Key" in names
    assert "422" in mdt["post"]["responses"]
    assert "Idempotency-Key" not in [p["name"] for p in mdt["get"].get("parameters", [])]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real connections")
def test_two_sendings_at_the_same_moment_write_once_and_get_the_same_answer(coordinator):
    """The first sending blocks on the episode's row lock while the second arrives: the second
    waits for the first's answer instead of writing a second decision."""
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    url = s.episode_url(episode.id, "mdt/")
    clients = [client_for(coordinator), client_for(coordinator)]
    answers = [None, None]

    def send(i):
        try:
            answers[i] = post(clients[i], url, s.mdt_body(), key="same-moment")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    with held(Episode.objects.filter(id=episode.id)):
        for t in threads:
            t.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while _waiting_on_a_lock() < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)  # the second sending meanwhile finds the key claimed, and waits
        assert _waiting_on_a_lock() == 1, "only the first sending reaches the episode"
    for t in threads:
        t.join(WAIT_SECONDS)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert MdtDecision.objects.filter(episode=episode).count() == 1
