"""The app's database role reads and writes rows and nothing more; the history and the
revisions cannot be emptied, not even by the tables' owner (PostgreSQL only)."""

import io

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core.db_roles import append_only_tables
from pathway.codes import State
from pathway.models import Transition
from patients.models import PatientAccess
from patients.services import patient_access_record
from tasks.models import FollowUp
from tests.factories import PatientFactory, UserFactory, walk_to

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles and triggers are PostgreSQL's"
)
Refused = psycopg.errors.InsufficientPrivilege


def refused(conn, statement: str) -> str:
    with pytest.raises(Refused) as error:
        conn.execute(statement)
    return str(error.value)


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE pathway_transition CASCADE",
        "TRUNCATE patients_patient CASCADE",
        "TRUNCATE pathway_historicalprocedurenote",
        "ALTER TABLE pathway_transition DISABLE TRIGGER pathway_history_append_only",
        "ALTER TABLE pathway_transition DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "DROP TABLE pathway_transition CASCADE",
        "DROP TABLE tasks_followup",
        "CREATE TABLE mine (id int)",
        "UPDATE pathway_transition SET reason = 'rewritten'",
        "DELETE FROM pathway_transition",
        "DELETE FROM tasks_historicalfollowup",
        "UPDATE patients_patientaccess SET what = 'nothing'",
        "DELETE FROM patients_patientaccess",
        "TRUNCATE patients_patientaccess",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
    ],
)
def test_the_app_role_is_refused_what_could_rewrite_or_empty_the_records(as_app, statement):
    message = refused(as_app, statement)
    assert "permission denied" in message or "must be owner" in message


def test_the_app_role_owns_nothing_and_holds_no_special_attribute(as_app, app_role):
    owned = as_app.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles "
        "WHERE rolname = current_user)"
    ).fetchone()[0]
    attributes = as_app.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    ).fetchone()

    assert owned == 0
    assert attributes == (False, False, False, False, False)


def test_the_app_role_may_not_truncate_even_when_it_sets_the_test_runners_permission(as_app):
    as_app.execute("SET pathway.allow_truncate = 'on'")

    assert "permission denied" in refused(as_app, "TRUNCATE pathway_transition")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_through_the_services_works_as_the_app_role(app_role):
    """Walking an episode to surveillance (every record and its revision, each move and its
    history, the follow-ups the discharge schedules) needs no right the app's role lacks."""
    owner = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = app_role
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        coordinator = UserFactory(username="coordinator-app-role")
        coordinator.groups.add(Group.objects.get(name="coordinator"))

        episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)

        assert [t.target for t in Transition.objects.filter(episode=episode)][-1] == "surveillance"
        assert episode.procedure_notes.get().history.count() == 1
        assert FollowUp.objects.filter(episode=episode).exists()
    finally:
        connection.close()
        connection.settings_dict["USER"] = owner


def test_the_owner_cannot_truncate_the_history_or_the_revisions(as_owner):
    for statement in [
        "TRUNCATE pathway_transition CASCADE",
        "TRUNCATE pathway_episode CASCADE",  # would reach the history through its key
        "TRUNCATE tasks_historicalfollowup",
        "TRUNCATE patients_patientaccess",
        "TRUNCATE patients_patient CASCADE",  # would reach the access log through its key
    ]:
        message = refused(as_owner, statement)
        assert "refused: the pathway history and record revisions are kept for good" in message


def test_the_owner_may_truncate_inside_a_transaction_that_says_so(as_owner):
    """The one way through (the test runner's flush when the owner is no superuser,
    tests/conftest.py): deliberate, and only for that transaction."""
    with as_owner.transaction(force_rollback=True):
        as_owner.execute("SET LOCAL pathway.allow_truncate = 'on'")
        as_owner.execute("TRUNCATE tasks_historicalvisit")

    refused(as_owner, "TRUNCATE tasks_historicalvisit")


def test_every_append_only_table_refuses_truncate(as_owner):
    """A revision table added later without its trigger fails here."""
    guarded = {
        table
        for (table,) in as_owner.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE '%%_refuses_truncate' AND t.tgenabled = 'O'"
        )
    }

    assert set(append_only_tables()) <= guarded
    assert "pathway_transition" in guarded and len(guarded) >= 11


@pytest.mark.db_owner
@pytest.mark.django_db
def test_db_roles_refuses_a_role_that_holds_more_than_row_access():
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE refuse_me_h5 LOGIN; GRANT pg_write_all_data TO refuse_me_h5")

    with pytest.raises(CommandError, match="member of pg_write_all_data"):
        call_command("db_roles", app_role="refuse_me_h5", stdout=io.StringIO())


@pytest.mark.db_owner
@pytest.mark.django_db
def test_db_roles_refuses_to_run_as_the_app_role_itself():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (me,) = cursor.fetchone()

    with pytest.raises(CommandError, match="as the tables' owner"):
        call_command("db_roles", app_role=me)


@pytest.mark.db_owner
@pytest.mark.django_db
def test_not_even_the_owner_can_edit_or_erase_who_read_a_patients_record(coordinator):
    """The access log answers "who has read my notes?": a row, once written, stays as it was."""
    patient = PatientFactory()
    patient_access_record(actor=coordinator, patient_id=patient.id, what="episode page")

    for statement in [
        "UPDATE patients_patientaccess SET user_id = NULL",
        "DELETE FROM patients_patientaccess",
    ]:
        with pytest.raises(DatabaseError, match="the access log is append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)

    assert PatientAccess.objects.filter(patient=patient, user=coordinator).count() == 1
