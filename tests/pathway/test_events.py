"""What happens around and after the procedure (pathway.md section 3): coded complications with
their derived early/late, post-op checks on the ward, coded thrombophilia, the procedure's inflow
and underlying lesion, and the warnings the episode shows for them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from pathway import selectors, services
from pathway.codes import State
from pathway.models import Complication, PostopCheck, ProcedureNote, SelectionAssessment
from tests.factories import (
    PatientFactory,
    days_ago,
    open_episode,
    prepare_and_move,
    record_procedure,
    record_selection,
    walk_to,
)

pytestmark = pytest.mark.django_db


def complication(actor, episode, **overrides) -> Complication:
    data = dict(kind="pulmonary_embolism", occurred_on=days_ago(0), severity="moderate")
    data.update(overrides)
    return services.complication_add(actor=actor, episode_id=episode.id, **data)


def postop_check(actor, episode, **overrides) -> PostopCheck:
    data = dict(
        at=timezone.now(),
        limb_perfusion="normal",
        compartment_signs=False,
        access_bleeding=False,
        pain_score=3,
        mobilised=True,
    )
    data.update(overrides)
    return services.postop_check_add(actor=actor, episode_id=episode.id, **data)


def move(actor, episode, name, **kwargs):
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)


def warnings(actor, episode) -> dict[str, str]:
    view = selectors.episode_view(actor=actor, episode_id=episode.id)
    return {w.rule: w.message for w in view.warnings}


def early_of(actor, episode) -> dict[int, bool]:
    records = selectors.episode_records(actor=actor, episode_id=episode.id)
    return {c.id: c.early for c in records.complications}


# --- complications ------------------------------------------------------------------------------
def test_a_haematoma_is_recorded_with_its_bleeding_class(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    recorded = complication(
        coordinator,
        episode,
        kind="haematoma",
        severity="mild",
        bleeding_class="crnm",
        notes="Groin haematoma, compressed.",
    )

    stored = Complication.objects.get(id=recorded.id)
    assert (stored.kind, stored.severity, stored.bleeding_class) == ("haematoma", "mild", "crnm")
    assert stored.notes == "Groin haematoma, compressed."
    assert stored.recorded_by == coordinator
    assert recorded.early is True


@pytest.mark.parametrize("kind", ["access_site_bleeding", "haematoma"])
def test_bleeding_without_saying_how_major_is_refused(coordinator, kind):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    with pytest.raises(InvalidInput) as excinfo:
        complication(coordinator, episode, kind=kind, severity="severe")

    assert "bleeding_class" in excinfo.value.errors
    assert not episode.complications.exists()


@pytest.mark.parametrize("kind", ["pulmonary_embolism", "compartment_syndrome", "pts"])
def test_a_bleeding_class_on_a_complication_that_is_not_a_bleed_is_refused(coordinator, kind):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    with pytest.raises(InvalidInput) as excinfo:
        complication(coordinator, episode, kind=kind, bleeding_class="major")

    assert "bleeding_class" in excinfo.value.errors
    assert not episode.complications.exists()


def test_an_unknown_complication_kind_or_severity_is_refused(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    with pytest.raises((InvalidInput, ValidationError)):
        complication(coordinator, episode, kind="broken_leg")
    with pytest.raises((InvalidInput, ValidationError)):
        complication(coordinator, episode, severity="catastrophic")

    assert not episode.complications.exists()


def test_a_complication_needs_a_procedure_note_to_follow(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)

    with pytest.raises(Conflict):
        complication(coordinator, episode)

    assert not episode.complications.exists()
    record_procedure(coordinator, episode)
    assert complication(coordinator, episode).early is True


@pytest.mark.parametrize("state", [State.SELECTION, State.MDT_DISCUSSION, State.IMAGING])
def test_no_complication_is_recorded_before_the_procedure(coordinator, state):
    episode = walk_to(coordinator, PatientFactory(), state)

    with pytest.raises(Conflict):
        complication(coordinator, episode)

    assert not episode.complications.exists()


def test_a_closed_episode_takes_no_complication(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    move(coordinator, episode, "withdraw", reason="Moved abroad.")

    with pytest.raises(Conflict):
        complication(coordinator, episode)

    assert not episode.complications.exists()


def test_a_late_complication_is_recorded_in_surveillance(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(90))

    late = complication(coordinator, episode, kind="pts", occurred_on=days_ago(0))

    assert late.early is False
    assert early_of(coordinator, episode) == {late.id: False}


def test_a_complication_thirty_days_after_the_procedure_is_early_and_thirty_one_is_late(
    coordinator,
):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(40))
    procedure_on = ProcedureNote.objects.get(episode=episode).date

    day_30 = complication(coordinator, episode, occurred_on=procedure_on + dt.timedelta(30))
    day_31 = complication(
        coordinator, episode, kind="recurrent_dvt", occurred_on=procedure_on + dt.timedelta(31)
    )

    assert (day_30.early, day_31.early) == (True, False)
    assert early_of(coordinator, episode) == {day_30.id: True, day_31.id: False}


def test_early_counts_from_the_re_intervention_a_complication_follows(coordinator):
    """Early means within 30 days of the procedure it follows: the latest procedure dated on or
    before it, here the re-intervention sixty days after the index procedure."""
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(70))
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Occluded stent.",
        effective_on=days_ago(10),
        reintervention={"cause": "symptoms", "segments": []},
    )
    between = complication(coordinator, episode, kind="stent_thrombosis", occurred_on=days_ago(12))
    record_procedure(coordinator, episode, date=days_ago(10))

    after_redo = complication(
        coordinator, episode, kind="contrast_reaction", occurred_on=days_ago(9)
    )

    assert between.early is False
    assert after_redo.early is True
    assert early_of(coordinator, episode) == {between.id: False, after_redo.id: True}


# --- post-op checks -----------------------------------------------------------------------------
def test_a_nurse_check_on_the_ward_is_recorded_in_post_op(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    now = timezone.now()

    check = postop_check(coordinator, episode, at=now, pain_score=10, mobilised=False)

    stored = PostopCheck.objects.get(id=check.id)
    assert (stored.at, stored.pain_score, stored.mobilised) == (now, 10, False)
    assert (stored.limb_perfusion, stored.compartment_signs, stored.access_bleeding) == (
        "normal",
        False,
        False,
    )


@pytest.mark.parametrize("state", [State.PROCEDURE, State.SURVEILLANCE, State.IMAGING])
def test_a_postop_check_is_recorded_only_in_post_op(coordinator, state):
    episode = walk_to(coordinator, PatientFactory(), state)

    with pytest.raises(Conflict):
        postop_check(coordinator, episode)

    assert not episode.postop_checks.exists()


def test_a_pain_score_above_ten_is_refused(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    with pytest.raises((InvalidInput, ValidationError)):
        postop_check(coordinator, episode, pain_score=11)

    assert not episode.postop_checks.exists()


def test_an_unknown_limb_perfusion_is_refused(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    with pytest.raises((InvalidInput, ValidationError)):
        postop_check(coordinator, episode, limb_perfusion="cold")

    assert not episode.postop_checks.exists()


# --- thrombophilia, inflow and the underlying lesion --------------------------------------------
def test_thrombophilia_is_not_tested_unless_said_otherwise(coordinator):
    episode = open_episode(coordinator)

    selection = record_selection(coordinator, episode)

    assert SelectionAssessment.objects.get(id=selection.id).thrombophilia == "not_tested"


def test_a_positive_thrombophilia_screen_needs_the_finding(coordinator):
    episode = open_episode(coordinator)

    with pytest.raises(InvalidInput) as excinfo:
        record_selection(coordinator, episode, thrombophilia="positive", thrombophilia_finding=" ")
    assert "thrombophilia_finding" in excinfo.value.errors
    assert not SelectionAssessment.objects.filter(episode=episode).exists()

    record_selection(
        coordinator, episode, thrombophilia="positive", thrombophilia_finding="Factor V Leiden"
    )
    stored = SelectionAssessment.objects.get(episode=episode)
    assert (stored.thrombophilia, stored.thrombophilia_finding) == ("positive", "Factor V Leiden")


@pytest.mark.parametrize("code", ["pending", "negative"])
def test_a_pending_or_negative_screen_needs_no_finding(coordinator, code):
    episode = open_episode(coordinator)

    record_selection(coordinator, episode, thrombophilia=code)

    assert SelectionAssessment.objects.get(episode=episode).thrombophilia == code


def test_an_unknown_thrombophilia_code_is_refused(coordinator):
    episode = open_episode(coordinator)

    with pytest.raises((InvalidInput, ValidationError)):
        record_selection(coordinator, episode, thrombophilia="maybe")

    assert not SelectionAssessment.objects.filter(episode=episode).exists()


def test_the_procedure_note_keeps_the_inflow_and_the_underlying_lesion(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)

    record_procedure(coordinator, episode, inflow="fair", underlying_lesion="compression")

    note = ProcedureNote.objects.get(episode=episode)
    assert (note.inflow, note.underlying_lesion) == ("fair", "compression")


@pytest.mark.parametrize(
    "field, code", [("inflow", "excellent"), ("underlying_lesion", "may_thurner")]
)
def test_an_unknown_inflow_or_lesion_code_is_refused(coordinator, field, code):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)

    with pytest.raises((InvalidInput, ValidationError)):
        record_procedure(coordinator, episode, **{field: code})

    assert not ProcedureNote.objects.filter(episode=episode).exists()


# --- warnings -----------------------------------------------------------------------------------
def test_post_op_warns_while_thrombophilia_is_not_tested(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    assert "thrombophilia_assessed" in warnings(coordinator, episode)

    record_selection(coordinator, episode, thrombophilia="pending", reason="Screen sent.")

    assert "thrombophilia_assessed" not in warnings(coordinator, episode)


def test_post_op_warns_until_a_postop_check_is_recorded(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    assert "postop_checks_recorded" in warnings(coordinator, episode)

    postop_check(coordinator, episode)

    assert "postop_checks_recorded" not in warnings(coordinator, episode)


def test_a_check_from_the_first_stay_does_not_count_after_a_re_intervention(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    postop_check(coordinator, episode)
    prepare_and_move(coordinator, episode, "discharge")
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Swelling again.",
        reintervention={"cause": "symptoms", "segments": []},
    )
    prepare_and_move(coordinator, episode, "complete_procedure")

    assert "postop_checks_recorded" in warnings(coordinator, episode)


def test_the_post_op_warnings_are_not_shown_outside_post_op(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)

    shown = warnings(coordinator, episode)

    assert "thrombophilia_assessed" not in shown
    assert "postop_checks_recorded" not in shown


@pytest.mark.parametrize(
    "venogram",
    [
        {"patent": False, "residual_stenosis_pct": None, "dissection": False},
        {"patent": True, "residual_stenosis_pct": 10, "dissection": True},
        {"patent": True, "residual_stenosis_pct": 50, "dissection": False},
    ],
    ids=["occluded", "dissection", "fifty-percent-residual"],
)
@pytest.mark.parametrize("state", [State.PROCEDURE, State.POST_OP, State.SURVEILLANCE])
def test_an_unsatisfactory_completion_venogram_is_a_warning(coordinator, venogram, state):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    record_procedure(coordinator, episode, completion_venography=venogram)
    if state != State.PROCEDURE:
        move(coordinator, episode, "complete_procedure")
    if state == State.SURVEILLANCE:
        prepare_and_move(coordinator, episode, "discharge")

    assert "completion_venogram" in warnings(coordinator, episode)


def test_a_venogram_with_forty_nine_percent_residual_stenosis_is_no_warning(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    record_procedure(
        coordinator,
        episode,
        completion_venography={"patent": True, "residual_stenosis_pct": 49, "dissection": False},
    )

    assert "completion_venogram" not in warnings(coordinator, episode)


def test_poor_inflow_is_a_warning_and_fair_inflow_is_not(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    record_procedure(coordinator, episode, inflow="poor")
    assert "inflow" in warnings(coordinator, episode)

    record_procedure(coordinator, episode, inflow="fair")

    assert "inflow" not in warnings(coordinator, episode)


def test_the_warnings_read_the_note_of_the_current_procedure(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    record_procedure(coordinator, episode, inflow="poor")
    move(coordinator, episode, "complete_procedure")
    prepare_and_move(coordinator, episode, "discharge")
    assert "inflow" in warnings(coordinator, episode)
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Stent occluded.",
        reintervention={"cause": "symptoms", "segments": []},
    )

    record_procedure(coordinator, episode, inflow="good")

    assert "inflow" not in warnings(coordinator, episode)
    assert ProcedureNote.objects.filter(episode=episode).count() == 2
