"""Each move records the stay it ended and the episode when it entered its state, so time in
stage reads two grouped queries; a correction resumes the stay the undone move ended; the
migration's backfill derives the same values from the history."""

import datetime as dt
import importlib

import pytest
from django.db import connection

from pathway import services
from pathway.codes import State
from pathway.models import Episode, Transition
from tests.factories import PatientFactory, days_ago, prepare_and_move, walk_to

pytestmark = pytest.mark.django_db
BACKFILL = importlib.import_module("pathway.migrations.0006_entered_on_stay_days")


def stays(episode, standing_only=False) -> list[tuple[str, str, int | None]]:
    moves = Transition.objects.filter(episode=episode).order_by("id")
    if standing_only:  # what time in stage reads
        moves = moves.filter(corrects__isnull=True, corrected_by__isnull=True)
    return list(moves.values_list("name", "source", "stay_days"))


def test_each_move_records_the_days_spent_in_the_state_it_left(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION, on=days_ago(20))
    prepare_and_move(coordinator, episode, "refer_to_mdt", days_ago(17))
    prepare_and_move(coordinator, episode, "approve", days_ago(10))
    assert stays(episode) == [
        ("open", "", None),
        ("refer_to_mdt", "selection", 3),
        ("approve", "mdt_discussion", 7),
    ]
    episode.refresh_from_db()
    assert (episode.state, episode.entered_on) == (State.IMAGING, days_ago(10))


def test_a_correction_resumes_the_stay_the_undone_move_ended(coordinator, admin_user):
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION, on=days_ago(20))
    prepare_and_move(coordinator, episode, "refer_to_mdt", days_ago(17))
    services.episode_transition(
        episode_id=episode.id, name="correct", actor=admin_user, reason="Referred too early."
    )
    episode.refresh_from_db()
    assert (episode.state, episode.entered_on) == (State.SELECTION, days_ago(20))
    assert stays(episode)[-1] == ("correct", "mdt_discussion", None)
    # Referred again today: the stay in selection runs from the opening, 20 days.
    prepare_and_move(coordinator, episode, "refer_to_mdt")
    assert stays(episode)[-1] == ("refer_to_mdt", "selection", 20)


@pytest.mark.db_owner  # the backfill sets the trigger aside: the owner's to do
def test_the_backfill_derives_what_the_moves_recorded(coordinator, admin_user):
    one = walk_to(coordinator, PatientFactory(), State.IMAGING, on=days_ago(30))
    two = walk_to(coordinator, PatientFactory(), State.SELECTION, on=days_ago(20))
    prepare_and_move(coordinator, two, "refer_to_mdt", days_ago(12))
    services.episode_transition(
        episode_id=two.id, name="correct", actor=admin_user, reason="Not yet."
    )

    def derived():
        return {e: (stays(e, True), Episode.objects.get(id=e.id).entered_on) for e in (one, two)}

    recorded = derived()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET CONSTRAINTS ALL IMMEDIATE;"  # the test's transaction: no pending checks
                "ALTER TABLE pathway_transition DISABLE TRIGGER pathway_history_append_only;"
                "UPDATE pathway_transition SET stay_days = NULL;"
                "ALTER TABLE pathway_transition ENABLE TRIGGER pathway_history_append_only;"
                "UPDATE pathway_episode SET entered_on = NULL;"
            )
            cursor.execute(BACKFILL.POSTGRESQL)
        else:
            cursor.execute("UPDATE pathway_transition SET stay_days = NULL")
            cursor.execute("UPDATE pathway_episode SET entered_on = NULL")
            for statement in BACKFILL.SQLITE:
                cursor.execute(statement)
    assert derived() == recorded
    assert recorded[two][1] == days_ago(20)
    assert isinstance(recorded[one][1], dt.date)
