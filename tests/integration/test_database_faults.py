"""The database failing in the middle of a move or of a record change leaves nothing
half-written: the episode, its moves, the record, its revisions, its follow-ups and alerts are
exactly as they were; the API answers 503 in words; and the same request sent again succeeds.

Two faults, each on a chosen statement of the write: the driver raising OperationalError (a
dropped link), and the connection's server process killed by another connection
(pg_terminate_backend) just before the statement, as when PostgreSQL restarts."""

from contextlib import contextmanager

import psycopg
import pytest
from django.apps import apps
from django.db import OperationalError, connection

from demo import walk as demo
from pathway.models import DischargePlan, Episode, Transition
from tasks.models import FollowUp
from tests.conftest import client_for
from tests.factories import PatientFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
MOVE = 'INSERT INTO "pathway_transition"'
FOLLOW_UPS = 'INSERT INTO "tasks_followup"'
RECORD = 'UPDATE "pathway_dischargeplan"'
REVISION = 'INSERT INTO "pathway_historicaldischargeplan"'
LONGER_PLAN = {
    "anticoagulant": "vka",
    "planned_duration_months": 12,
    "compression_stockings": True,
    "reason": "Recurrent thrombosis risk: a year of warfarin.",
}


def snapshot() -> dict[str, list[str]]:
    """Every row of every pathway and tasks table (the test database is small)."""
    tables = {}
    with connection.cursor() as cursor:
        for label in ("pathway", "tasks"):
            for model in apps.get_app_config(label).get_models():
                table = model._meta.db_table
                cursor.execute(f'SELECT * FROM "{table}"')
                tables[table] = sorted(repr(row) for row in cursor.fetchall())
    return tables


def _terminate(backend_pid: int) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as other:
        # Waits (up to 5 s) until the server process has gone.
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])


@contextmanager
def failing(statement: str, fault: str):
    """The first SQL statement beginning with `statement` fails: `raise` as if the link had
    dropped; `terminate` kills this connection's server process just before it runs."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        if not fired and sql.startswith(statement):
            fired.append(sql)
            if fault == "raise":
                raise OperationalError("server closed the connection unexpectedly")
            _terminate(connection.connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert fired, f"no statement began {statement!r}: the fault was never injected"


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    detail = response.json()["detail"]
    assert set(response.json()) == {"detail"}
    assert "try again" in detail
    for internal in ("INSERT", "UPDATE", "pathway_", "tasks_", "server", "Error"):
        assert internal not in detail


@pytest.fixture
def post_op(coordinator):
    """An episode after its procedure with what discharge needs recorded."""
    episode = demo.walk_to(coordinator, PatientFactory(), "post_op")
    demo.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_discharge_plan(coordinator, episode)
    return episode


@pytest.mark.parametrize(
    "statement, fault",
    [(MOVE, "raise"), (FOLLOW_UPS, "raise"), (MOVE, "terminate"), (FOLLOW_UPS, "terminate")],
)
def test_a_discharge_the_database_fails_in_changes_nothing_and_succeeds_when_sent_again(
    post_op, coordinator, statement, fault
):
    client = client_for(coordinator)
    url = f"/api/episodes/{post_op.id}/transitions/"
    before = snapshot()
    with failing(statement, fault):
        response = client.post(url, {"transition": "discharge"}, format="json")
    assert_unavailable(response)
    assert snapshot() == before  # no state change, move, follow-up or alert half-written

    response = client.post(url, {"transition": "discharge"}, format="json")
    assert response.status_code == 200, response.content
    assert Episode.objects.get(id=post_op.id).state == "surveillance"
    assert Transition.objects.filter(episode=post_op, name="discharge").count() == 1
    assert FollowUp.objects.filter(episode=post_op).exists()


@pytest.mark.parametrize(
    "statement, fault", [(REVISION, "raise"), (FOLLOW_UPS, "raise"), (RECORD, "terminate")]
)
def test_a_record_change_the_database_fails_in_changes_nothing_and_succeeds_when_sent_again(
    coordinator, statement, fault
):
    """A longer anticoagulation plan after discharge: the plan, its revision and the INR
    checks it adds are written together or not at all."""
    episode = demo.walk_to(coordinator, PatientFactory(), "surveillance")
    revisions = DischargePlan.history.filter(episode_id=episode.id)
    client = client_for(coordinator)
    url = f"/api/episodes/{episode.id}/discharge-plan/"
    before, checks = snapshot(), FollowUp.objects.filter(episode=episode).count()
    with failing(statement, fault):
        response = client.put(url, LONGER_PLAN, format="json")
    assert_unavailable(response)
    assert snapshot() == before

    response = client.put(url, LONGER_PLAN, format="json")
    assert response.status_code == 200, response.content
    assert DischargePlan.objects.get(episode=episode).planned_duration_months == 12
    assert revisions.count() == 2  # the first plan, and this change with its reason
    assert revisions.latest("history_id").history_change_reason == LONGER_PLAN["reason"]
    assert FollowUp.objects.filter(episode=episode).count() > checks
