"""Every guard of pathway.md section 2, both ways, through services.episode_transition.

Blocked: a Conflict whose `unmet` names exactly the rule whose condition is missing, and nothing
changes. Met: the move goes through and lands where the table says.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict
from pathway import selectors, services
from pathway.codes import Contraindication, State
from pathway.models import Episode
from tests.factories import (
    PatientFactory,
    days_ago,
    episode_in,
    open_episode,
    prepare_and_move,
    record_anticoagulation,
    record_discharge_plan,
    record_imaging,
    record_mdt,
    record_procedure,
    record_selection,
    today,
    walk_to,
)

pytestmark = pytest.mark.django_db


FULL_MDT = ["vascular_surgeon", "interventional_radiologist", "haematologist", "anaesthetist"]


def move(actor, episode, name, **kwargs) -> Episode:
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)


def state_of(episode) -> str:
    return Episode.objects.get(id=episode.id).state


def blocked_by(actor, episode, name, **kwargs) -> set[str]:
    """Try the move, expect it blocked with nothing changed; the names of the unmet rules."""
    before_state = state_of(episode)
    before_rows = episode.history.count()
    with pytest.raises(Conflict) as caught:
        move(actor, episode, name, **kwargs)
    assert state_of(episode) == before_state
    assert episode.history.count() == before_rows
    assert caught.value.unmet, "a guard refusal must say which rule is unmet"
    assert all(u.message for u in caught.value.unmet)
    return {u.rule for u in caught.value.unmet}


def warning_rules(actor, episode) -> list[str]:
    return [w.rule for w in selectors.episode_view(actor=actor, episode_id=episode.id).warnings]


def selected(actor, **selection) -> Episode:
    """An episode in selection with the given assessment recorded; referred a month ago, so
    the assessment may be dated any day since."""
    episode = services.episode_open(
        actor=actor, patient_id=PatientFactory().id, opened_on=days_ago(30)
    )
    if not {"assessed_on", "symptom_onset"} & set(selection):
        selection.update(assessed_on=days_ago(10), symptom_onset=days_ago(15))
    record_selection(actor, episode, **selection)
    return episode


def in_mdt(actor, **selection) -> Episode:
    episode = selected(actor, **selection)
    return move(actor, episode, "refer_to_mdt")


def in_imaging(actor, **selection) -> Episode:
    episode = in_mdt(actor, **selection)
    record_mdt(actor, episode)
    return move(actor, episode, "approve")


def imaging_complete(actor, episode, *, skip=()):
    """Record the imaging work-up, leaving out what `skip` names. The IVC is assessed on the
    CT venography, or on the duplex when the CT is left out."""
    unknown = dict(ivc_anomaly=None, ivc_filter=None)
    ivc = unknown if "ivc" in skip else dict(ivc_anomaly=False, ivc_filter=False)
    if "duplex" not in skip:
        on_duplex = ivc if "cross_sectional" in skip else unknown
        record_imaging(actor, episode, "duplex", **on_duplex)
    if "cross_sectional" not in skip:
        record_imaging(actor, episode, "ct_venography", **ivc)
    if "anticoagulation" not in skip:
        record_anticoagulation(actor, episode)


# --- selection -> mdt_discussion -------------------------------------------------------------
def test_coordinator_cannot_refer_without_any_selection_assessment(coordinator):
    episode = open_episode(coordinator)
    assert blocked_by(coordinator, episode, "refer_to_mdt") == {
        "indication_documented",
        "no_absolute_contraindication",
        "fit_for_procedure",
        "symptom_window",
    }


def test_coordinator_cannot_refer_without_a_documented_indication(coordinator):
    episode = selected(coordinator, indications=[])
    assert blocked_by(coordinator, episode, "refer_to_mdt") == {"indication_documented"}


def test_coordinator_refers_once_an_indication_is_documented(coordinator):
    episode = selected(coordinator, indications=[])
    record_selection(coordinator, episode, indications=["phlegmasia_cerulea_dolens"])
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION
    assert state_of(episode) == State.MDT_DISCUSSION


@pytest.mark.parametrize("contraindication", Contraindication.values)
def test_coordinator_cannot_refer_a_patient_with_an_absolute_contraindication(
    coordinator, contraindication
):
    episode = selected(coordinator, contraindications=[contraindication])
    assert blocked_by(coordinator, episode, "refer_to_mdt") == {"no_absolute_contraindication"}


def test_coordinator_refers_once_the_contraindication_is_no_longer_recorded(coordinator):
    episode = selected(coordinator, contraindications=["active_bleeding"])
    record_selection(coordinator, episode, contraindications=[])
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION


def test_coordinator_cannot_refer_a_patient_not_confirmed_fit_for_a_major_procedure(coordinator):
    episode = selected(coordinator, fit_for_procedure=False)
    assert blocked_by(coordinator, episode, "refer_to_mdt") == {"fit_for_procedure"}


def test_coordinator_refers_once_fitness_is_confirmed(coordinator):
    episode = selected(coordinator, fit_for_procedure=False)
    record_selection(coordinator, episode, fit_for_procedure=True)
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION


def test_coordinator_cannot_refer_22_days_after_symptom_onset_without_an_override(coordinator):
    episode = selected(coordinator, assessed_on=today(), symptom_onset=days_ago(22))
    assert blocked_by(coordinator, episode, "refer_to_mdt") == {"symptom_window"}


def test_a_blank_override_reason_does_not_open_the_symptom_window(coordinator):
    episode = selected(
        coordinator,
        assessed_on=today(),
        symptom_onset=days_ago(30),
        symptom_window_override="   ",
    )
    assert blocked_by(coordinator, episode, "refer_to_mdt") == {"symptom_window"}


def test_the_symptom_window_counts_from_the_assessment_not_from_today(coordinator):
    # Onset 25 days ago, assessed 20 days after onset: inside the window.
    episode = selected(coordinator, assessed_on=days_ago(5), symptom_onset=days_ago(25))
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION


def test_coordinator_refers_on_day_21_after_symptom_onset(coordinator):
    episode = selected(coordinator, assessed_on=today(), symptom_onset=days_ago(21))
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION


def test_coordinator_refers_beyond_21_days_when_an_override_reason_is_recorded(coordinator):
    episode = selected(
        coordinator,
        assessed_on=today(),
        symptom_onset=days_ago(40),
        symptom_window_override="Phlegmasia: limb threatened despite late presentation.",
    )
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION


@pytest.mark.parametrize("days", [14, 18, 21])
def test_a_late_referral_14_to_21_days_after_onset_is_allowed_but_flagged(coordinator, days):
    episode = selected(coordinator, assessed_on=today(), symptom_onset=days_ago(days))
    assert warning_rules(coordinator, episode) == ["symptom_window"]
    assert move(coordinator, episode, "refer_to_mdt").state == State.MDT_DISCUSSION


@pytest.mark.parametrize("days", [7, 13])
def test_an_early_referral_is_not_flagged_as_late(coordinator, days):
    episode = selected(coordinator, assessed_on=today(), symptom_onset=days_ago(days))
    assert warning_rules(coordinator, episode) == []


# --- mdt_discussion -> imaging ---------------------------------------------------------------
def test_coordinator_cannot_approve_before_any_mdt_decision(coordinator):
    episode = in_mdt(coordinator)
    unmet = blocked_by(coordinator, episode, "approve")
    # Without any MDT there is no attendance either: both rules say so.
    assert unmet == {"mdt_decision_recorded", "mdt_quorum"}


@pytest.mark.parametrize("decision", ["defer", "anticoagulation_alone"])
def test_an_mdt_decision_other_than_proceed_keeps_the_patient_in_mdt_discussion(
    coordinator, decision
):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, decision=decision, attendees=FULL_MDT)
    assert blocked_by(coordinator, episode, "approve") == {"mdt_decision_recorded"}
    assert state_of(episode) == State.MDT_DISCUSSION


def test_a_later_proceed_decision_after_a_deferral_lets_the_coordinator_approve(coordinator):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, decision="defer", date=days_ago(3))
    assert blocked_by(coordinator, episode, "approve") == {"mdt_decision_recorded"}
    record_mdt(coordinator, episode, decision="proceed", date=days_ago(1))
    assert move(coordinator, episode, "approve").state == State.IMAGING


def test_the_latest_mdt_decision_counts_so_a_deferral_after_proceed_blocks(coordinator):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, decision="proceed", date=days_ago(3))
    record_mdt(coordinator, episode, decision="defer", date=days_ago(1))
    assert blocked_by(coordinator, episode, "approve") == {"mdt_decision_recorded"}


@pytest.mark.parametrize("missing", ["vascular_surgeon", "interventional_radiologist"])
def test_coordinator_cannot_approve_without_the_required_mdt_quorum(coordinator, missing):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, attendees=[r for r in FULL_MDT if r != missing])
    assert blocked_by(coordinator, episode, "approve") == {"mdt_quorum"}


def test_coordinator_approves_with_a_vascular_surgeon_and_an_interventional_radiologist(
    coordinator,
):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, attendees=["vascular_surgeon", "interventional_radiologist"])
    assert move(coordinator, episode, "approve").state == State.IMAGING


@pytest.mark.parametrize("absent", ["haematologist", "anaesthetist"])
def test_an_mdt_without_a_recommended_member_only_warns(coordinator, absent):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, attendees=[r for r in FULL_MDT if r != absent])
    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)
    assert [w.rule for w in view.warnings] == ["mdt_quorum"]
    assert absent in view.warnings[0].message
    approve = next(t for t in view.transitions if t.name == "approve")
    assert approve.allowed and approve.unmet == []
    assert move(coordinator, episode, "approve").state == State.IMAGING


def test_a_full_mdt_shows_no_quorum_warning(coordinator):
    episode = in_mdt(coordinator)
    record_mdt(coordinator, episode, attendees=FULL_MDT)
    assert warning_rules(coordinator, episode) == []


# --- imaging -> procedure --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("skip", "rule"),
    [
        ("duplex", "duplex_done"),
        ("cross_sectional", "cross_sectional_done"),
        ("anticoagulation", "anticoagulated"),
    ],
)
def test_coordinator_cannot_schedule_the_procedure_with_work_up_missing(coordinator, skip, rule):
    episode = in_imaging(coordinator)
    imaging_complete(coordinator, episode, skip={skip})
    assert blocked_by(coordinator, episode, "schedule_procedure") == {rule}


def test_coordinator_cannot_schedule_when_no_study_records_the_ivc(coordinator):
    episode = in_imaging(coordinator)
    imaging_complete(coordinator, episode, skip={"ivc"})
    assert blocked_by(coordinator, episode, "schedule_procedure") == {"ivc_assessed"}


def test_the_ivc_counts_as_assessed_only_when_both_anomaly_and_filter_are_recorded(coordinator):
    episode = in_imaging(coordinator)
    imaging_complete(coordinator, episode, skip={"ivc"})
    record_imaging(coordinator, episode, "mr_venography", ivc_anomaly=False, ivc_filter=None)
    assert blocked_by(coordinator, episode, "schedule_procedure") == {"ivc_assessed"}
    record_imaging(coordinator, episode, "duplex", ivc_anomaly=False, ivc_filter=True)
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_coordinator_schedules_the_procedure_once_the_work_up_is_complete(coordinator):
    episode = in_imaging(coordinator)
    imaging_complete(coordinator, episode)
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_mr_venography_counts_as_cross_sectional_imaging(coordinator):
    episode = in_imaging(coordinator)
    imaging_complete(coordinator, episode, skip={"cross_sectional"})
    record_imaging(coordinator, episode, "mr_venography")
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_coordinator_cannot_schedule_a_patient_with_suspected_pe_without_echocardiography(
    coordinator,
):
    episode = in_imaging(coordinator, pe_suspected=True)
    imaging_complete(coordinator, episode)
    assert blocked_by(coordinator, episode, "schedule_procedure") == {"echo_if_pe"}
    record_imaging(coordinator, episode, "echocardiography", right_heart_strain=False)
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_no_echocardiography_is_needed_when_pe_is_not_suspected(coordinator):
    episode = in_imaging(coordinator, pe_suspected=False)
    imaging_complete(coordinator, episode)
    assert not episode.imaging_studies.filter(modality="echocardiography").exists()
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


# --- procedure -> post_op --------------------------------------------------------------------
def test_coordinator_cannot_complete_the_procedure_without_a_procedure_note(coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    assert blocked_by(coordinator, episode, "complete_procedure") == {"procedure_recorded"}


def test_coordinator_completes_the_procedure_once_the_note_is_recorded(coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    record_procedure(coordinator, episode)
    assert move(coordinator, episode, "complete_procedure").state == State.POST_OP


# --- post_op -> surveillance -----------------------------------------------------------------
def _after_procedure(actor, *, procedure_on=None, duplex_in_procedure=True):
    """In post_op with a discharge plan; optionally a duplex recorded before completion. The
    procedure was booked a week ago, so it may be dated any day since."""
    episode = walk_to(actor, PatientFactory(), State.PROCEDURE, on=days_ago(7))
    record_procedure(actor, episode, date=procedure_on or today())
    if duplex_in_procedure:
        record_imaging(actor, episode, "duplex", date=today(), ivc_anomaly=None, ivc_filter=None)
    move(actor, episode, "complete_procedure")
    record_discharge_plan(actor, episode)
    return episode


def test_a_duplex_recorded_before_the_procedure_was_completed_does_not_allow_discharge(
    coordinator,
):
    episode = _after_procedure(coordinator, duplex_in_procedure=True)
    assert episode.imaging_studies.filter(modality="duplex", date=today()).exists()
    assert blocked_by(coordinator, episode, "discharge") == {"predischarge_duplex"}


def test_a_post_op_duplex_dated_before_the_procedure_day_does_not_allow_discharge(coordinator):
    episode = _after_procedure(coordinator, procedure_on=days_ago(2), duplex_in_procedure=False)
    record_imaging(coordinator, episode, "duplex", date=days_ago(3))
    assert blocked_by(coordinator, episode, "discharge") == {"predischarge_duplex"}


@pytest.mark.parametrize("duplex_days_after_procedure", [0, 1])
def test_coordinator_discharges_after_a_post_op_duplex_on_or_after_the_procedure_day(
    coordinator, duplex_days_after_procedure
):
    episode = _after_procedure(coordinator, procedure_on=days_ago(2), duplex_in_procedure=False)
    record_imaging(coordinator, episode, "duplex", date=days_ago(2 - duplex_days_after_procedure))
    assert move(coordinator, episode, "discharge").state == State.SURVEILLANCE


def test_coordinator_cannot_discharge_without_a_discharge_plan(coordinator):
    episode = episode_in(State.POST_OP, coordinator)
    record_imaging(coordinator, episode, "duplex")
    assert blocked_by(coordinator, episode, "discharge") == {"discharge_plan_recorded"}


@pytest.mark.parametrize(
    "plan",
    [
        dict(anticoagulant="vka"),
        dict(anticoagulant="vka", target_inr_low="2.5", target_inr_high="3.5"),
        dict(anticoagulant="doac", planned_duration_months=None),
        dict(anticoagulant="lmwh", compression_stockings=False, compression_reason="PAD"),
    ],
    ids=["vka-default-range", "vka-own-range", "doac-lifelong", "lmwh-no-stockings"],
)
def test_coordinator_discharges_once_the_discharge_plan_is_recorded(coordinator, plan):
    plan = {k: Decimal(v) if k.startswith("target_inr") else v for k, v in plan.items()}
    episode = episode_in(State.POST_OP, coordinator)
    record_imaging(coordinator, episode, "duplex")
    record_discharge_plan(coordinator, episode, **plan)
    assert move(coordinator, episode, "discharge").state == State.SURVEILLANCE


# --- surveillance -> completed ---------------------------------------------------------------
def test_coordinator_completes_surveillance_when_no_follow_up_is_owed(coordinator):
    episode = episode_in(State.SURVEILLANCE, coordinator)
    assert episode.follow_ups_owed(today=today()) == 0
    done = move(coordinator, episode, "complete", reason="Care returned to the GP.")
    assert done.state == State.COMPLETED
    assert state_of(episode) == State.COMPLETED


# --- correct ---------------------------------------------------------------------------------
def test_admin_cannot_correct_an_episode_that_has_only_been_opened(admin_user):
    episode = open_episode(admin_user)
    assert blocked_by(admin_user, episode, "correct", reason="Mistake") == {"correctable_move"}


def test_admin_cannot_correct_again_once_every_move_is_undone(admin_user, coordinator):
    episode = selected(coordinator)
    move(coordinator, episode, "refer_to_mdt")
    assert move(admin_user, episode, "correct", reason="Wrong patient").state == State.SELECTION
    assert blocked_by(admin_user, episode, "correct", reason="Again") == {"correctable_move"}


def test_admin_corrects_the_last_move(admin_user, coordinator):
    episode = selected(coordinator)
    move(coordinator, episode, "refer_to_mdt")
    assert move(admin_user, episode, "correct", reason="Referred by mistake").state == (
        State.SELECTION
    )


# --- the guards the episode view explains match the ones the service enforces ---------------
def test_the_episode_view_names_the_same_unmet_rules_the_service_refuses_with(coordinator):
    episode = selected(coordinator, indications=[], fit_for_procedure=False)
    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)
    refer = next(t for t in view.transitions if t.name == "refer_to_mdt")
    assert not refer.allowed
    assert {u.rule for u in refer.unmet} == blocked_by(coordinator, episode, "refer_to_mdt")
    assert {u.rule for u in refer.unmet} == {"indication_documented", "fit_for_procedure"}


def test_anticoagulation_started_just_now_counts_as_started(coordinator):
    episode = in_imaging(coordinator)
    imaging_complete(coordinator, episode, skip={"anticoagulation"})
    record_anticoagulation(
        coordinator, episode, agent="lmwh", started_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_the_route_helper_meets_every_guard(coordinator):
    """The factories' walk must itself pass every guard, or the tests above prove little."""
    episode = episode_in(State.POST_OP, coordinator)
    episode = prepare_and_move(coordinator, episode, "discharge")
    assert [t.name for t in episode.history.order_by("id")] == [
        "open",
        "refer_to_mdt",
        "approve",
        "schedule_procedure",
        "complete_procedure",
        "discharge",
    ]
