"""The transition table of pathway.md section 2: where each move goes, where it may not start,
what it must be given (reason, date), who may make it, and how an admin corrects a mistake."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput
from pathway import machine, services
from pathway.codes import ACTIVE, State
from pathway.models import Episode, Transition
from tests.factories import (
    PatientFactory,
    days_ago,
    episode_in,
    open_episode,
    prepare_and_move,
    record_mdt,
    record_procedure,
    record_selection,
    today,
    walk_to,
)

pytestmark = pytest.mark.django_db


S = State
# pathway.md section 2, written out here so the test does not read the machine it checks.
TABLE = {
    "refer_to_mdt": ({S.SELECTION}, S.MDT_DISCUSSION),
    "approve": ({S.MDT_DISCUSSION}, S.IMAGING),
    "schedule_procedure": ({S.IMAGING}, S.PROCEDURE),
    "complete_procedure": ({S.PROCEDURE}, S.POST_OP),
    "discharge": ({S.POST_OP}, S.SURVEILLANCE),
    "complete": ({S.SURVEILLANCE}, S.COMPLETED),
    "return_to_mdt": ({S.IMAGING}, S.MDT_DISCUSSION),
    "postpone": ({S.PROCEDURE}, S.IMAGING),
    "exclude": ({S.SELECTION, S.MDT_DISCUSSION, S.IMAGING}, S.EXCLUDED),
    "reintervene": ({S.SURVEILLANCE}, S.PROCEDURE),
    "withdraw": (set(ACTIVE), S.WITHDRAWN),
    "record_death": (set(ACTIVE), S.DECEASED),
}
ALLOWED = [(name, source) for name, (sources, _) in TABLE.items() for source in sorted(sources)]
GUARDED = {"refer_to_mdt", "approve", "schedule_procedure", "complete_procedure", "discharge"}
REASON_REQUIRED = [
    ("complete", S.SURVEILLANCE),
    ("return_to_mdt", S.IMAGING),
    ("postpone", S.PROCEDURE),
    ("exclude", S.SELECTION),
    ("reintervene", S.SURVEILLANCE),
    ("withdraw", S.SELECTION),
]


SYMPTOMS = {"cause": "symptoms"}  # why a re-intervention, coded


def move(actor, episode, name, **kwargs) -> Episode:
    if name == "reintervene" and kwargs.get("reason", "").strip():
        kwargs.setdefault("reintervention", SYMPTOMS)
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)


def state_of(episode) -> str:
    return Episode.objects.get(id=episode.id).state


def history(episode) -> list[Transition]:
    return list(Transition.objects.filter(episode_id=episode.id).order_by("id"))


def episode_at(state, actor, patient=None) -> Episode:
    """A real episode in any state, terminal ones included."""
    if state in ACTIVE:
        return episode_in(state, actor, patient)
    if state == S.COMPLETED:
        return move(actor, episode_in(S.SURVEILLANCE, actor, patient), "complete", reason="Done.")
    name = {S.EXCLUDED: "exclude", S.WITHDRAWN: "withdraw", S.DECEASED: "record_death"}[state]
    return move(actor, open_episode(actor, patient), name, reason="r", effective_on=today())


def back_in_time(days: int):
    """Noon, local time, `days` days ago: moves made inside take effect on that day."""
    noon = dt.datetime.combine(days_ago(days), dt.time(12), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(noon, tick=False)


def refused(actor, episode, name, error=Conflict, **kwargs):
    """Try the move; it must raise `error` and change nothing. Returns the error."""
    before_state, before_rows = state_of(episode), len(history(episode))
    with pytest.raises(error) as caught:
        move(actor, episode, name, **kwargs)
    assert state_of(episode) == before_state
    assert len(history(episode)) == before_rows
    return caught.value


# --- the table -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_each_transition_moves_the_patient_from_each_allowed_state_to_its_target(
    coordinator, name, source
):
    episode = episode_in(source, coordinator)
    rows_before = len(history(episode))
    if name in GUARDED:
        episode = prepare_and_move(coordinator, episode, name)
    else:
        episode = move(coordinator, episode, name, reason="Because.", effective_on=today())
    target = TABLE[name][1]
    assert episode.state == target
    assert state_of(episode) == target
    rows = history(episode)
    assert len(rows) == rows_before + 1
    last = rows[-1]
    assert (last.name, last.source, last.target) == (name, source, target)
    assert last.actor == coordinator
    assert last.effective_on == today()
    assert last.corrects is None
    if name not in GUARDED:
        assert last.reason == "Because."


def _refusals():
    for state in S:
        names = [n for n, (sources, _) in TABLE.items() if state not in sources]
        yield pytest.param(state, names, id=str(state))


@pytest.mark.parametrize(("state", "names"), list(_refusals()))
def test_a_transition_is_refused_from_a_state_it_does_not_leave(coordinator, state, names):
    episode = episode_at(state, coordinator)
    assert names, "every state has some move it does not allow"
    for name in names:
        error = refused(coordinator, episode, name, reason="Because.", effective_on=today())
        assert error.unmet == [], f"{name} from {state} is not a move, not a guard refusal"
    assert state_of(episode) == state


def test_the_engine_knows_exactly_the_moves_of_the_clinical_table():
    assert set(machine.NAMES) == set(TABLE) | {"correct"}
    assert {s for sources, _ in TABLE.values() for s in sources} == set(ACTIVE)


def test_an_unknown_transition_is_invalid_input(coordinator):
    episode = open_episode(coordinator)
    error = refused(coordinator, episode, "discharge_home_early", error=InvalidInput)
    assert "transition" in error.errors


def test_a_new_episode_starts_in_selection_with_an_open_row_in_the_history(coordinator):
    episode = open_episode(coordinator)
    assert state_of(episode) == S.SELECTION
    [row] = history(episode)
    assert (row.name, row.source, row.target, row.actor) == ("open", "", S.SELECTION, coordinator)
    assert row.effective_on == today()


# --- reasons ---------------------------------------------------------------------------------
@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize(("name", "source"), REASON_REQUIRED)
def test_the_move_is_refused_without_a_reason(coordinator, name, source, blank):
    episode = episode_in(source, coordinator)
    error = refused(coordinator, episode, name, error=InvalidInput, reason=blank)
    assert "reason" in error.errors


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_correction_is_refused_without_a_reason(admin_user, coordinator, blank):
    episode = episode_in(S.MDT_DISCUSSION, coordinator)
    error = refused(admin_user, episode, "correct", error=InvalidInput, reason=blank)
    assert "reason" in error.errors
    assert state_of(episode) == S.MDT_DISCUSSION


def test_excluding_after_an_mdt_decision_of_anticoagulation_alone_defaults_the_reason(
    coordinator,
):
    episode = episode_in(S.MDT_DISCUSSION, coordinator)
    record_mdt(coordinator, episode, decision="anticoagulation_alone")
    assert move(coordinator, episode, "exclude").state == S.EXCLUDED
    last = history(episode)[-1]
    assert last.name == "exclude"
    assert "anticoagulation alone" in last.reason.lower()


def test_a_reason_given_with_the_exclusion_replaces_the_default(coordinator):
    episode = episode_in(S.MDT_DISCUSSION, coordinator)
    record_mdt(coordinator, episode, decision="anticoagulation_alone")
    move(coordinator, episode, "exclude", reason="Patient prefers tablets.")
    assert history(episode)[-1].reason == "Patient prefers tablets."


def test_no_default_exclusion_reason_when_the_latest_mdt_decided_to_proceed(coordinator):
    episode = walk_to(coordinator, PatientFactory(), S.MDT_DISCUSSION, on=days_ago(5))
    record_mdt(coordinator, episode, decision="anticoagulation_alone", date=days_ago(3))
    record_mdt(coordinator, episode, decision="proceed", date=days_ago(1))
    error = refused(coordinator, episode, "exclude", error=InvalidInput)
    assert "reason" in error.errors


def test_no_default_exclusion_reason_after_a_deferral(coordinator):
    episode = episode_in(S.MDT_DISCUSSION, coordinator)
    record_mdt(coordinator, episode, decision="defer")
    error = refused(coordinator, episode, "exclude", error=InvalidInput)
    assert "reason" in error.errors


# --- dates -----------------------------------------------------------------------------------
def test_recording_a_death_requires_the_date_of_death(coordinator):
    episode = episode_in(S.POST_OP, coordinator)
    error = refused(coordinator, episode, "record_death", error=InvalidInput)
    assert "effective_on" in error.errors


def test_recording_a_death_keeps_the_date_of_death(coordinator):
    with back_in_time(10):
        episode = episode_in(S.IMAGING, coordinator)
    move(coordinator, episode, "record_death", effective_on=days_ago(4))
    assert state_of(episode) == S.DECEASED
    last = history(episode)[-1]
    assert (last.name, last.effective_on) == ("record_death", days_ago(4))


def test_a_move_takes_effect_today_by_default(coordinator):
    episode = episode_in(S.SELECTION, coordinator)
    episode = prepare_and_move(coordinator, episode, "refer_to_mdt")
    assert history(episode)[-1].effective_on == today()


def test_a_move_may_be_back_dated_to_after_the_previous_move(coordinator):
    with back_in_time(10):
        episode = episode_in(S.MDT_DISCUSSION, coordinator)
        record_mdt(coordinator, episode)
    assert history(episode)[-1].effective_on == days_ago(10)
    move(coordinator, episode, "approve", effective_on=days_ago(6))
    assert state_of(episode) == S.IMAGING
    assert history(episode)[-1].effective_on == days_ago(6)


def test_a_move_may_take_effect_on_the_same_day_as_the_previous_one(coordinator):
    with back_in_time(10):
        episode = episode_in(S.IMAGING, coordinator)
    move(coordinator, episode, "withdraw", reason="Moved abroad.", effective_on=days_ago(10))
    assert history(episode)[-1].effective_on == days_ago(10)


def test_a_move_cannot_be_back_dated_before_the_previous_move(coordinator):
    with back_in_time(10):
        episode = episode_in(S.MDT_DISCUSSION, coordinator)
        record_mdt(coordinator, episode)
    move(coordinator, episode, "approve", effective_on=days_ago(5))
    error = refused(
        coordinator,
        episode,
        "return_to_mdt",
        error=InvalidInput,
        reason="IVC anomaly",
        effective_on=days_ago(6),
    )
    assert "effective_on" in error.errors


def test_a_move_cannot_be_back_dated_before_the_episode_was_opened(coordinator):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    error = refused(
        coordinator, episode, "refer_to_mdt", error=InvalidInput, effective_on=days_ago(1)
    )
    assert "effective_on" in error.errors


def test_a_death_cannot_be_dated_before_the_previous_move(coordinator):
    with back_in_time(3):
        episode = episode_in(S.MDT_DISCUSSION, coordinator)
    error = refused(
        coordinator, episode, "record_death", error=InvalidInput, effective_on=days_ago(4)
    )
    assert "effective_on" in error.errors


@pytest.mark.parametrize("name", ["refer_to_mdt", "withdraw", "record_death"])
def test_a_move_cannot_take_effect_in_the_future(coordinator, name):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    error = refused(
        coordinator,
        episode,
        name,
        error=InvalidInput,
        reason="r",
        effective_on=today() + dt.timedelta(days=1),
    )
    assert "effective_on" in error.errors


# --- one open episode per patient ------------------------------------------------------------
def test_a_patient_cannot_have_two_episodes_that_are_not_finished(coordinator):
    patient = PatientFactory()
    first = episode_in(S.IMAGING, coordinator, patient)
    with pytest.raises(Conflict):
        services.episode_open(actor=coordinator, patient_id=patient.id)
    assert list(Episode.objects.filter(patient=patient)) == [first]


@pytest.mark.parametrize("ended_in", [S.COMPLETED, S.EXCLUDED, S.WITHDRAWN])
def test_a_patient_may_start_a_new_episode_once_the_last_is_finished(coordinator, ended_in):
    patient = PatientFactory()
    first = episode_at(ended_in, coordinator, patient)
    second = services.episode_open(actor=coordinator, patient_id=patient.id)
    assert second.id != first.id
    assert state_of(second) == S.SELECTION
    assert state_of(first) == ended_in
    assert Episode.objects.filter(patient=patient).count() == 2


# --- who may move a patient ------------------------------------------------------------------
def test_a_nurse_cannot_move_a_patient(coordinator, nurse):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    refused(nurse, episode, "refer_to_mdt", error=Forbidden)
    refused(nurse, episode, "withdraw", error=Forbidden, reason="Declined")


def test_a_nurse_cannot_open_an_episode(nurse):
    patient = PatientFactory()
    with pytest.raises(Forbidden):
        services.episode_open(actor=nurse, patient_id=patient.id)
    assert not Episode.objects.filter(patient=patient).exists()


def test_an_admin_may_move_a_patient(admin_user):
    episode = open_episode(admin_user)
    assert prepare_and_move(admin_user, episode, "refer_to_mdt").state == S.MDT_DISCUSSION


# --- correct ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_only_an_admin_may_correct_a_move(request, coordinator, role):
    episode = episode_in(S.IMAGING, coordinator)
    refused(request.getfixturevalue(role), episode, "correct", error=Forbidden, reason="Oops")
    assert state_of(episode) == S.IMAGING


def test_admin_correction_returns_the_episode_to_the_state_before_the_last_move(
    admin_user, coordinator
):
    episode = episode_in(S.IMAGING, coordinator)
    approve = history(episode)[-1]
    assert approve.name == "approve"

    episode = move(admin_user, episode, "correct", reason="Approved the wrong patient.")
    assert episode.state == S.MDT_DISCUSSION
    assert state_of(episode) == S.MDT_DISCUSSION

    rows = history(episode)
    assert [r.name for r in rows] == ["open", "refer_to_mdt", "approve", "correct"]
    correction = rows[-1]
    assert (correction.source, correction.target) == (S.IMAGING, S.MDT_DISCUSSION)
    assert correction.corrects_id == approve.id
    assert correction.actor == admin_user
    assert correction.reason == "Approved the wrong patient."
    kept = rows[2]
    assert (kept.id, kept.name, kept.source, kept.target) == (
        approve.id,
        "approve",
        S.MDT_DISCUSSION,
        S.IMAGING,
    )
    assert kept.corrects is None


def test_a_second_correction_undoes_the_move_before(admin_user, coordinator):
    episode = episode_in(S.IMAGING, coordinator)
    _, refer, approve = history(episode)
    move(admin_user, episode, "correct", reason="Not approved.")
    episode = move(admin_user, episode, "correct", reason="Not referred either.")
    assert state_of(episode) == S.SELECTION
    rows = history(episode)
    assert [r.name for r in rows] == ["open", "refer_to_mdt", "approve", "correct", "correct"]
    assert [r.corrects_id for r in rows[3:]] == [approve.id, refer.id]
    assert (rows[4].source, rows[4].target) == (S.MDT_DISCUSSION, S.SELECTION)


def test_a_move_made_again_after_a_correction_is_the_one_the_next_correction_undoes(
    admin_user, coordinator
):
    episode = episode_in(S.IMAGING, coordinator)
    move(admin_user, episode, "correct", reason="Approved too early.")
    move(coordinator, episode, "approve")
    again = history(episode)[-1]
    move(admin_user, episode, "correct", reason="Still too early.")
    assert state_of(episode) == S.MDT_DISCUSSION
    assert history(episode)[-1].corrects_id == again.id


@pytest.mark.parametrize("exit_name", ["withdraw", "exclude", "record_death"])
def test_admin_corrects_a_mistaken_exit_back_into_the_pathway(admin_user, coordinator, exit_name):
    episode = episode_in(S.IMAGING, coordinator)
    move(coordinator, episode, exit_name, reason="Recorded in error", effective_on=today())
    episode = move(admin_user, episode, "correct", reason="Wrong patient.")
    assert state_of(episode) == S.IMAGING
    correction = history(episode)[-1]
    assert (correction.source, correction.target) == (TABLE[exit_name][1], S.IMAGING)


def test_correcting_an_exit_is_refused_when_the_patient_already_has_another_open_episode(
    admin_user, coordinator
):
    patient = PatientFactory()
    first = episode_in(S.IMAGING, coordinator, patient)
    move(coordinator, first, "withdraw", reason="Declined")
    second = open_episode(coordinator, patient)
    second_rows = len(history(second))

    refused(admin_user, first, "correct", reason="Withdrawn by mistake.")

    assert state_of(first) == S.WITHDRAWN
    assert state_of(second) == S.SELECTION
    assert len(history(second)) == second_rows
    assert Episode.objects.filter(patient=patient).exclude(state=S.WITHDRAWN).count() == 1


# --- re-intervention -------------------------------------------------------------------------
def test_reintervention_keeps_the_earlier_procedure_note_and_the_new_one_is_current(coordinator):
    episode = episode_in(S.SURVEILLANCE, coordinator)
    first = episode.current_procedure_note()
    assert first is not None and first.technique == "pharmacomechanical"

    move(coordinator, episode, "reintervene", reason="Duplex: left common iliac occluded.")
    assert state_of(episode) == S.PROCEDURE
    assert episode.current_procedure_note() is None
    assert refused(coordinator, episode, "complete_procedure").unmet[0].rule == (
        "procedure_recorded"
    )

    record_procedure(
        coordinator,
        episode,
        technique="aspiration",
        device="Indigo",
        thrombolytic_agent=None,
        thrombolytic_dose=None,
        thrombolytic_dose_unit=None,
        stents=[],
    )
    episode = Episode.objects.get(id=episode.id)
    current = episode.current_procedure_note()
    assert current.id != first.id
    assert current.technique == "aspiration"
    assert current.reintervention == history(episode)[-1]
    first.refresh_from_db()
    assert first.technique == "pharmacomechanical"
    assert first.stents.count() == 1
    assert episode.procedure_notes.count() == 2

    assert move(coordinator, episode, "complete_procedure").state == S.POST_OP
