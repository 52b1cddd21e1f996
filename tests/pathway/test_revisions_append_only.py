"""Nothing recorded is lost (pathway.md section 2): the database refuses to rewrite or delete
a revision, through raw SQL or the ORM. Split from test_revisions.py, whose concurrent tests
are transactional, so that the episode these tests read is walked once for the module."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pathway import services
from pathway.codes import State
from pathway.models import DischargePlan, ProcedureNote, SelectionAssessment
from tasks import services as task_services
from tasks.models import FollowUp, Visit
from tests.conftest import _user
from tests.factories import PatientFactory, days_ago, prepare_and_move, walk_to
from tests.module_rows import rows_for_the_module

pytestmark = pytest.mark.django_db
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)


REVISION_TABLES = [
    "pathway_historicalselectionassessment",
    "pathway_historicalmdtdecision",
    "pathway_historicalimagingstudy",
    "pathway_historicalpreprocedureanticoagulation",
    "pathway_historicalprocedurenote",
    "pathway_historicaldischargeplan",
    "pathway_historicalcomplication",
    "pathway_historicalpostopcheck",
    "pathway_historicalmeasurement",
    "tasks_historicalfollowup",
    "tasks_historicalvisit",
]


@pytest.fixture(scope="module")
def everything_recorded(django_db_setup, django_db_blocker, _app_role):
    """An episode with a revision in every revised table, made once for the module: each test
    reads the revisions and is refused a change of them (its own writes are undone)."""
    yield from rows_for_the_module(
        django_db_blocker, lambda: _everything_recorded(_user("coordinator"), _user("nurse"))
    )


def _everything_recorded(coordinator, nurse):
    """Walked to post-op twenty days ago, weighed, checked on the ward, a haematoma,
    discharged, its two-week duplex done and a visit."""
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP, on=days_ago(20))
    services.measurement_add(
        actor=coordinator,
        episode_id=episode.id,
        measured_on=days_ago(20),
        weight_kg=Decimal("72.5"),
        creatinine_umol_l=Decimal("88"),
    )
    services.postop_check_add(
        actor=coordinator,
        episode_id=episode.id,
        at=timezone.now() - dt.timedelta(days=19),
        limb_perfusion="normal",
        compartment_signs=False,
        access_bleeding=False,
        pain_score=3,
        mobilised=True,
    )
    services.complication_add(
        actor=coordinator,
        episode_id=episode.id,
        kind="haematoma",
        occurred_on=days_ago(19),
        severity="mild",
        bleeding_class="minor",
    )
    prepare_and_move(coordinator, episode, "discharge", on=days_ago(18))
    duplex = episode.follow_ups.filter(kind="duplex").order_by("due_on").first()
    segments = [{"segment": "left_common_iliac", "result": "patent"}]
    task_services.followup_record_result(
        actor=nurse, follow_up_id=duplex.id, performed_on=days_ago(0), segments=segments
    )
    task_services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=days_ago(0),
        segments=segments,
    )
    return episode


def _rows(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY history_id")
        return cursor.fetchall()


REWRITES = {
    "update": ("UPDATE {} SET history_change_reason = %s", ["Rewritten."]),
    "delete": ("DELETE FROM {}", []),
}


@POSTGRES_ONLY
@pytest.mark.parametrize("table", REVISION_TABLES)
@pytest.mark.parametrize("rewrite", REWRITES)
@pytest.mark.db_owner  # the trigger itself: the app's role is refused before it
def test_the_database_refuses_a_raw_sql_update_or_delete_of_a_revision(
    everything_recorded, table, rewrite
):
    before = _rows(table)
    assert before, f"no revision in {table}: the test would prove nothing"
    sql, params = REWRITES[rewrite]

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.format(table), params)

    assert _rows(table) == before


@POSTGRES_ONLY
@pytest.mark.parametrize(
    "model", [SelectionAssessment, ProcedureNote, DischargePlan, FollowUp, Visit]
)
def test_the_orm_cannot_rewrite_or_delete_revisions_either(everything_recorded, model):
    before = list(model.history.order_by("history_id").values())
    assert before

    with pytest.raises(DatabaseError), transaction.atomic():
        model.history.update(history_change_reason="Rewritten.")
    with pytest.raises(DatabaseError), transaction.atomic():
        model.history.all().delete()

    assert list(model.history.order_by("history_id").values()) == before
