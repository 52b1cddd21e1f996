"""A guarded move sends few statements: its rules are read once for both the explanation of a
refusal and the FSM's conditions, the latest move only when the move is back-dated, and a
savepoint only for a correction."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import MoveRefused
from demo.walk import record_mdt, record_procedure, record_selection
from pathway import services
from pathway.codes import State
from tests.factories import PatientFactory, days_ago, walk_to

pytestmark = pytest.mark.django_db


def statements_of(actor, episode, name, **kwargs) -> list[str]:
    actor = get_user_model().objects.get(id=actor.id)
    actor.has_perm("pathway.run_transition")  # the role's permissions, read once per user
    with CaptureQueriesContext(connection) as captured:
        services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)
    return [q["sql"] for q in captured.captured_queries]


def test_approving_reads_the_latest_mdt_decision_once(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION, on=days_ago(3))
    record_mdt(coordinator, episode, date=days_ago(1))
    sent = statements_of(coordinator, episode, "approve")
    assert sum('FROM "pathway_mdtdecision"' in sql for sql in sent) == 1
    # lock, the decision, the state, the history row, the stalled alert of the wait it ends
    # resolved (pathway.md section 6), and the stays it opens and closes added to the outcome
    # figures' kept counts (issue 19, outcomes/services/counts.py); around them only the move's
    # own transaction (a savepoint inside the test's), no savepoint of the save
    work = [sql for sql in sent if not sql.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))]
    assert len(work) == 6
    assert sum(sql.startswith("SAVEPOINT") for sql in sent) == 1


def test_a_back_dated_move_reads_the_latest_move_to_check_its_date(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION, on=days_ago(3))
    record_mdt(coordinator, episode, date=days_ago(2))
    sent = statements_of(coordinator, episode, "approve", effective_on=days_ago(2))
    assert sum('FROM "pathway_transition"' in sql for sql in sent) == 1


def test_a_refused_move_still_explains_every_unmet_rule(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION, on=days_ago(3))
    with pytest.raises(MoveRefused) as refused:
        services.episode_transition(episode_id=episode.id, name="approve", actor=coordinator)
    rules = [u["rule"] for u in refused.value.as_dict()["unmet"]]
    assert rules[0] == "mdt_decision_recorded"
    episode.refresh_from_db()
    assert episode.state == State.MDT_DISCUSSION


def moves_read(sent: list[str]) -> int:
    """The statements reading the history itself (the lock's statement names it in the
    subquery of the referral date, not in its own FROM)."""
    return sum(sql.startswith('SELECT "pathway_transition".') for sql in sent)


def test_a_first_record_reads_the_referral_date_with_the_lock_and_no_move(coordinator):
    """A new record changes nothing a move relied on: the move is asked for only when a
    recorded one changes without a reason (tests/api/test_records_api.py)."""
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION)
    with CaptureQueriesContext(connection) as captured:
        record_selection(coordinator, episode)
    assert moves_read([q["sql"] for q in captured.captured_queries]) == 0


def test_a_procedure_note_reads_the_moves_it_is_dated_between_at_once(coordinator):
    """The re-intervention, the booking, the completion and the discharge: one statement."""
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    with CaptureQueriesContext(connection) as captured:
        record_procedure(coordinator, episode)
    assert moves_read([q["sql"] for q in captured.captured_queries]) == 1
