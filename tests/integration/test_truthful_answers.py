"""Writes answered truthfully (issue 21): the request's database connection killed at chosen
points of a selection write and of a visit, over the API (Idempotency-Key) and from a page (its
form token), never gives an answer the database disagrees with. A 2xx or a redirect means the
row is saved, once; a 503 means nothing is; and sent again with the same key or token, the
write is saved exactly once.

The connection is killed by another one (pg_terminate_backend, which waits until the server
process has gone), at a statement or at COMMIT: deterministic, no sleeps."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import OperationalError, connection
from django.test import Client

from core.models import SavedAnswer
from pathway.codes import State
from pathway.models import SelectionAssessment
from tasks.models import Visit
from tests.api import support as s
from tests.conftest import client_for
from tests.factories import episode_in
from tests.integration.test_database_faults import _terminate

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _kill() -> None:
    _terminate(connection.connection.info.backend_pid)


@contextmanager
def at_statement(prefix: str):
    """The request's connection is killed just before its first statement beginning `prefix`."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        if not fired and sql.startswith(prefix):
            fired.append(sql)
            _kill()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert fired, f"no statement began {prefix!r}: the fault was never injected"


@contextmanager
def at_commit(when: str):
    """`before`: killed as COMMIT is sent (it never reaches the server); `reply_lost`: COMMIT is
    done, then the connection dies before its reply is read; `after`: the connection dies once
    COMMIT has answered (the request goes on without it)."""
    real, fired = connection._commit, []

    def commit():
        if fired:
            return real()
        fired.append(when)
        if when == "before":
            _kill()
            return real()
        done = real()
        _kill()
        if when == "reply_lost":
            raise OperationalError("server closed the connection unexpectedly")
        return done

    connection._commit = commit
    try:
        yield
    finally:
        del connection._commit
    assert fired, "no COMMIT: the fault was never injected"


def _api_client(user):
    client = client_for(user)
    client.raise_request_exception = False  # answered as a server would answer it
    return client


@dataclass
class Write:
    """One write, sent with its key: `send` posts it; `rows` counts what it saves."""

    send: Callable[[], object]
    rows: Callable[[], int]


def _api_selection(coordinator, episode, n: int) -> Write:
    client, body = _api_client(coordinator), s.selection_body(symptom_onset=s.ago(5 + n))
    url = s.episode_url(episode.id, "selection/")
    history = SelectionAssessment.history.filter(episode_id=episode.id)
    before = history.count()
    headers = {"Idempotency-Key": f"sel-{n}"}
    return Write(
        lambda: client.put(url, body, format="json", headers=headers),
        lambda: history.count() - before,
    )


def _page_selection(coordinator, episode, n: int) -> Write:
    client = Client(raise_request_exception=False)  # answered as a server would answer it
    client.force_login(coordinator)
    form = {
        "selection-symptom_onset": s.ago(5 + n),
        "selection-assessed_on": s.ago(0),
        "selection-indications": ["severe_swelling"],
        "selection-thrombus_segments": ["left_common_iliac"],
        "selection-fit_for_procedure": "on",
        "selection-thrombophilia": "not_tested",
        "form_token": f"sel-{n}",
    }
    url = f"/episodes/{episode.id}/record/selection/"
    history = SelectionAssessment.history.filter(episode_id=episode.id)
    before = history.count()
    return Write(lambda: client.post(url, form), lambda: history.count() - before)


def _api_visit(coordinator, episode, n: int) -> Write:
    client = _api_client(coordinator)
    body = {"kind": "inr_check", "performed_on": s.ago(0), "inr": f"2.{n}"}
    url = f"/api/episodes/{episode.id}/visits/"
    visits = Visit.objects.filter(episode=episode)
    before = visits.count()
    headers = {"Idempotency-Key": f"visit-{n}"}
    return Write(
        lambda: client.post(url, body, format="json", headers=headers),
        lambda: visits.count() - before,
    )


def _page_visit(coordinator, episode, n: int) -> Write:
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    form = {"performed_on": s.ago(0), "inr": f"2.{n}", "form_token": f"visit-{n}"}
    url = f"/inbox/episodes/{episode.id}/visits/inr_check/"
    visits = Visit.objects.filter(episode=episode)
    before = visits.count()
    return Write(lambda: client.post(url, form), lambda: visits.count() - before)


SELECTION = 'INSERT INTO "pathway_historicalselectionassessment"'
VISIT = 'INSERT INTO "tasks_visit"'
WRITES = {
    "api-selection": (State.SELECTION, _api_selection, SELECTION),
    "api-visit": (State.SURVEILLANCE, _api_visit, VISIT),
    "page-selection": (State.SELECTION, _page_selection, SELECTION),
    "page-visit": (State.SURVEILLANCE, _page_visit, VISIT),
}


def faults(write_statement: str) -> dict:
    """Each point the connection dies at, from before the write to after COMMIT."""
    return {
        "before the write": lambda: at_statement(write_statement),
        "after the write, as its answer is kept": lambda: at_statement('UPDATE "core_savedanswer"'),
        "after the write, just before COMMIT": lambda: at_statement(
            "SELECT txid_current_if_assigned()"
        ),
        "as COMMIT is sent": lambda: at_commit("before"),
        "COMMIT done, its reply lost": lambda: at_commit("reply_lost"),
        "after COMMIT, before the answer": lambda: at_commit("after"),
    }


def _saved(response) -> bool | None:
    """What the answer says: saved (True), nothing saved (False); anything else is None."""
    code = response.status_code
    if 200 <= code < 400:
        return True
    if code == 503:
        assert response["Retry-After"], "a 503 says when to try again"
        return False
    return None


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_write_whose_connection_dies_is_answered_as_the_database_has_it(coordinator, kind):
    state, make, write_statement = WRITES[kind]
    episode = episode_in(state, coordinator)
    disagreements, answers = [], {}
    for n, (point, fault) in enumerate(faults(write_statement).items()):
        write = make(coordinator, episode, n)
        with fault():
            response = write.send()
        connection.close()  # as the next request would find it (conn_health_checks)
        said, rows = _saved(response), write.rows()
        answers[point] = response.status_code
        if said is None or rows != (1 if said else 0):
            disagreements.append((point, response.status_code, rows))

        for _ in range(2):  # sent again with the same key or token, twice
            again = write.send()
            assert _saved(again) is True, (point, again.status_code, again.content[:300])
        if write.rows() != 1:
            disagreements.append((point, "after retries", write.rows()))

    assert disagreements == [], answers
    # The faults before COMMIT saved nothing and said so; those after it saved and said so.
    assert answers["before the write"] == 503
    assert 200 <= answers["COMMIT done, its reply lost"] < 400
    assert SavedAnswer.objects.filter(status__isnull=True).count() == 0
