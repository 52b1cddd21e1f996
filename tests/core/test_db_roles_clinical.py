"""The app's database role can do only what the app does (issue 21): it inserts history and
re-intervention rows but never changes them, deletes no clinical row, and cannot move an
episode, nor write a move, without the other (PostgreSQL only)."""

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction

from core.db_roles import (
    OPERATIONAL_KEPT_TABLES,
    OPERATIONAL_TABLES,
    READ_ONLY,
    append_only_tables,
    clinical_tables,
)
from pathway import services
from pathway.codes import State
from pathway.models import Episode, Reintervention, Stent, Transition
from tests.factories import (
    PatientFactory,
    UserFactory,
    prepare_and_move,
    record_procedure,
    walk_to,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles and triggers are PostgreSQL's"
)
SEGMENT = "left_common_iliac"  # where the walk's procedure note puts its stent


def refused_as_app(app_role: str, *statements: str) -> str:
    """Run the statements as the app's role inside the test's transaction and check the
    deferred constraints at once, as a commit would; the database must refuse."""
    with pytest.raises(DatabaseError) as error:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{app_role}"')
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert isinstance(error.value.__cause__, psycopg.errors.InsufficientPrivilege)
    return str(error.value)


def reintervened(actor) -> Episode:
    episode = walk_to(actor, PatientFactory(), State.SURVEILLANCE)
    return services.episode_transition(
        episode_id=episode.id,
        name="reintervene",
        actor=actor,
        reason="Leg swelling again.",
        reintervention={"cause": "symptoms", "segments": [SEGMENT]},
    )


def test_every_table_is_of_one_kind_in_core_db_roles(as_owner):
    """A new table must be given its kind in core/db_roles.py: none is left to chance."""
    tables = {
        name
        for (name,) in as_owner.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
    }
    kinds = [set(append_only_tables()), set(clinical_tables()), set(OPERATIONAL_TABLES)]
    kinds += [set(OPERATIONAL_KEPT_TABLES), set(READ_ONLY)]

    assert tables - set().union(*kinds) == set()
    assert sum(len(kind) for kind in kinds) == len(set().union(*kinds))  # no table twice
    assert "pathway_reintervention" in kinds[0] and "pathway_stent" in kinds[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table", clinical_tables() + append_only_tables() + list(OPERATIONAL_KEPT_TABLES)
)
def test_the_app_role_deletes_no_clinical_row(app_role, table):
    message = refused_as_app(app_role, f"DELETE FROM {table}")

    assert "permission denied" in message


@pytest.mark.django_db
def test_a_reintervention_once_written_is_never_changed_nor_removed(app_role, coordinator):
    episode = reintervened(coordinator)
    row = Reintervention.objects.get(move__episode=episode)

    for statement in [
        f"UPDATE pathway_reintervention SET cause = 'other' WHERE id = {row.id}",
        f"DELETE FROM pathway_reintervention WHERE id = {row.id}",
    ]:
        assert "permission denied" in refused_as_app(app_role, statement)
    assert Reintervention.objects.get(id=row.id).cause == "symptoms"


@pytest.mark.django_db
def test_a_record_row_cannot_be_deleted_by_the_app(app_role, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    note = episode.procedure_notes.get()

    for statement in [
        f"DELETE FROM pathway_stentsegment WHERE stent_id IN "
        f"(SELECT id FROM pathway_stent WHERE note_id = {note.id})",
        f"DELETE FROM pathway_stent WHERE note_id = {note.id}",
        f"DELETE FROM pathway_procedurenote WHERE id = {note.id}",
        f"DELETE FROM tasks_followup WHERE episode_id = {episode.id}",
    ]:
        assert "permission denied" in refused_as_app(app_role, statement)
    assert note.stents.count() == 1


def refused_at_commit(conn: psycopg.Connection, *statements: str) -> str:
    """Run the statements as one transaction, committed: the database must refuse."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error, conn.transaction():
        for statement in statements:
            conn.execute(statement)
    return str(error.value)


def committed_user(name: str, role: str):
    person = UserFactory(username=name)
    person.groups.add(Group.objects.get(name=role))
    return person


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_episode_state_set_without_its_history_row_is_refused(as_app):
    episode = reintervened(committed_user("coordinator-state", "coordinator"))
    episode = walk_on(episode)  # in surveillance again, with an old reintervene row

    message = refused_at_commit(
        as_app, f"UPDATE pathway_episode SET state = 'completed' WHERE id = {episode.id}"
    )

    assert "moved from surveillance to completed with no history row" in message
    # Nor does an old row of that very move stand in for a new one.
    assert "with no history row" in refused_at_commit(
        as_app, f"UPDATE pathway_episode SET state = 'procedure' WHERE id = {episode.id}"
    )
    episode.refresh_from_db()
    assert episode.state == State.SURVEILLANCE


def forged(episode: Episode, source: str, target: str, **columns) -> str:
    names = ", ".join(["episode_id", "name", "source", "target", "actor_id", *columns])
    actor = episode.history.first().actor_id
    values = [episode.id, "'complete'", f"'{source}'", f"'{target}'", actor, *columns.values()]
    return (
        f"INSERT INTO pathway_transition ({names}, recorded_at, effective_on, reason) "
        f"VALUES ({', '.join(map(str, values))}, now(), current_date, 'forged')"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_forged_history_row_is_refused(as_app):
    """A history row that describes no actual move: a move the episode never made, a round
    trip that ends where it began, a row dated to another transaction, a move to nowhere, a
    move from where the episode was not."""
    coordinator = committed_user("coordinator-forger", "coordinator")
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)

    attempts = {
        "its history ends in completed": [forged(episode, "surveillance", "completed")],
        "its state did not change": [
            forged(episode, "surveillance", "completed"),
            forged(episode, "completed", "surveillance"),
        ],
        "txid refused": [forged(episode, "surveillance", "completed", txid=1)],
        "moves nowhere": [forged(episode, "surveillance", "surveillance")],
        "the move before it ended in surveillance": [forged(episode, "procedure", "post_op")],
    }
    for words, statements in attempts.items():
        assert words in refused_at_commit(as_app, *statements)
    assert episode.history.filter(reason="forged").count() == 0


def walk_on(episode: Episode) -> Episode:
    """From the re-intervention's procedure back to surveillance."""
    actor = episode.history.last().actor
    episode = prepare_and_move(actor, episode, "complete_procedure")
    return prepare_and_move(actor, episode, "discharge")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moves_corrections_and_reinterventions_still_work_as_the_app_role(app_role):
    """The move service, the admin's correction, a re-intervention and its note written twice,
    each committed as the app's role (so the checks at commit run): the state and its history
    agree throughout, and the note's first stents are superseded, not deleted."""
    owner = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = app_role
    try:
        coordinator = committed_user("coordinator-moves", "coordinator")
        admin = committed_user("admin-moves", "admin")

        episode = reintervened(coordinator)
        episode = services.episode_transition(
            episode_id=episode.id, name="correct", actor=admin, reason="Not yet."
        )
        episode = services.episode_transition(
            episode_id=episode.id,
            name="reintervene",
            actor=coordinator,
            reason="Leg swelling again.",
            reintervention={"cause": "symptoms", "segments": [SEGMENT]},
        )
        stent = {"product": "Viabahn", "diameter_mm": 14, "length_mm": 60, "segment": SEGMENT}
        record_procedure(coordinator, episode, stents=[stent])
        two = [stent, {**stent, "segment": "left_external_iliac"}]
        record_procedure(coordinator, episode, stents=two, reason="Two stents, not one.")

        episode.refresh_from_db()
        assert episode.state == State.PROCEDURE
        targets = [t.target for t in Transition.objects.filter(episode=episode)]
        assert targets[-3:] == ["procedure", "surveillance", "procedure"]
        note = episode.current_procedure_note()
        assert [s.segment for s in note.stents.all()] == [SEGMENT, "left_external_iliac"]
        assert Stent._base_manager.filter(note=note, superseded_at__isnull=False).count() == 1
    finally:
        connection.close()
        connection.settings_dict["USER"] = owner
