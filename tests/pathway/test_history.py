"""The pathway history is append-only: no client, ORM or SQL, edits or deletes a row."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from pathway.codes import State
from pathway.models import Transition
from tests.factories import episode_in, prepare_and_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(coordinator):
    return episode_in(State.MDT_DISCUSSION, coordinator)


def snapshot(episode):
    return list(
        Transition.objects.filter(episode_id=episode.id)
        .order_by("id")
        .values_list("id", "name", "source", "target", "actor_id", "effective_on", "reason")
    )


def test_an_existing_history_row_cannot_be_saved_again(episode):
    before = snapshot(episode)
    row = Transition.objects.get(episode=episode, name="refer_to_mdt")
    row.reason = "Edited afterwards."
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.save(update_fields=["reason"])
    assert snapshot(episode) == before


def test_a_history_row_cannot_be_deleted(episode):
    before = snapshot(episode)
    row = Transition.objects.get(episode=episode, name="refer_to_mdt")
    with pytest.raises(PermissionError):
        row.delete()
    assert snapshot(episode) == before


def test_the_history_cannot_be_updated_or_deleted_in_bulk(episode):
    before = snapshot(episode)
    with pytest.raises(PermissionError):
        Transition.objects.filter(episode=episode).update(reason="Rewritten.")
    with pytest.raises(PermissionError):
        Transition.objects.filter(episode=episode).delete()
    with pytest.raises(PermissionError):
        Transition.objects.all().delete()
    assert snapshot(episode) == before


def test_the_history_cannot_be_rewritten_through_the_episode(episode):
    before = snapshot(episode)
    with pytest.raises(PermissionError):
        episode.history.update(target=State.IMAGING)
    with pytest.raises(PermissionError):
        episode.history.all().delete()
    rows = list(episode.history.all())
    for row in rows:
        row.reason = "Rewritten."
    with pytest.raises(PermissionError), transaction.atomic():
        Transition.objects.bulk_update(rows, ["reason"])
    assert snapshot(episode) == before


def test_an_episode_with_a_history_cannot_be_deleted(episode):
    before = snapshot(episode)
    with pytest.raises(ProtectedError):
        with transaction.atomic():
            episode.delete()
    assert snapshot(episode) == before


def test_a_new_move_appends_a_row_and_leaves_the_earlier_rows_as_they_were(episode, coordinator):
    before = snapshot(episode)
    prepare_and_move(coordinator, episode, "approve")
    after = snapshot(episode)
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    assert after[-1][1] == "approve"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.db_owner  # the trigger itself: the app's role is refused before it
def test_the_database_refuses_a_raw_sql_update_of_the_history(episode):
    before = snapshot(episode)
    table = Transition._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET reason = %s WHERE episode_id = %s",
                ["Rewritten.", episode.id],
            )
    assert snapshot(episode) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.db_owner  # the trigger itself: the app's role is refused before it
def test_the_database_refuses_a_raw_sql_delete_of_the_history(episode):
    before = snapshot(episode)
    table = Transition._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE episode_id = %s", [episode.id])
    assert snapshot(episode) == before
