"""VTE-BLEED (pathway.md section 7), worked by hand: the score with its parts, at selection and at
discharge; it informs and never blocks a move."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from pathway import selectors, services
from pathway.codes import State
from pathway.rules import vte_bleed
from tests.factories import PatientFactory, prepare_and_move, record_selection, walk_to

pytestmark = pytest.mark.django_db

NOTHING = dict(
    active_cancer=False,
    uncontrolled_hypertension=False,
    anaemia=False,
    prior_bleeding=False,
    creatinine_clearance=D("90"),
)


def score(**facts):
    return vte_bleed(**{"age": 40, "sex": "male", **NOTHING, **facts})


def parts(result) -> dict[str, float]:
    return {p.factor: p.points for p in result.parts}


# --- the score, by hand ---------------------------------------------------------------------------
def test_a_65_year_old_man_with_active_cancer_and_anaemia_scores_5_high_risk():
    result = score(age=65, active_cancer=True, anaemia=True)

    # active cancer 2 + anaemia 1.5 + age >= 60 1.5
    assert (result.score, result.high_risk) == (5.0, True)
    assert parts(result) == {"active_cancer": 2.0, "anaemia": 1.5, "age_60_or_over": 1.5}


def test_uncontrolled_hypertension_scores_in_a_man_only():
    assert parts(score(sex="male", uncontrolled_hypertension=True)) == {
        "uncontrolled_hypertension": 1.0
    }
    assert score(sex="female", uncontrolled_hypertension=True).score == 0.0


@pytest.mark.parametrize(
    ("clearance", "points"),
    [("29.9", 0), ("30", 1.5), ("48.5", 1.5), ("60", 1.5), ("60.1", 0)],
)
def test_a_creatinine_clearance_of_30_to_60_scores(clearance, points):
    assert score(creatinine_clearance=D(clearance)).score == points


def test_one_factor_of_1_5_is_not_high_risk_but_2_is():
    assert (score(prior_bleeding=True).score, score(prior_bleeding=True).high_risk) == (1.5, False)
    assert score(active_cancer=True).high_risk is True
    assert score(age=60, anaemia=True).score == 3.0  # 60 counts


def test_what_could_not_be_told_is_named():
    assert score(creatinine_clearance=None).missing == ("creatinine_clearance",)
    assert score(
        sex="unknown", uncontrolled_hypertension=True, creatinine_clearance=None
    ).missing == ("creatinine_clearance", "sex")
    assert score().missing == ()


# --- at selection and at discharge ----------------------------------------------------------------
SELECTED = dt.date(2024, 3, 1)
DISCHARGED = dt.date(2024, 3, 20)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_the_score_at_discharge_reads_the_age_and_kidneys_of_that_day(coordinator):
    # 59 at selection, 60 on 10 March; creatinine clearance 45 mL/min measured on 5 March.
    man = PatientFactory(birth_date=dt.date(1964, 3, 10), sex="male")
    with time_machine.travel(at(SELECTED), tick=False) as clock:
        episode = walk_to(coordinator, man, State.POST_OP, on=SELECTED)
        record_selection(
            coordinator,
            episode,
            assessed_on=SELECTED,
            symptom_onset=SELECTED - dt.timedelta(days=5),
            active_cancer=True,
            reason="Cancer found on the CT.",
        )
        view = selectors.episode_view(actor=coordinator, episode_id=episode.id)
        assert view.vte_bleed_at_discharge is None
        assert view.vte_bleed == view.vte_bleed_at_selection
        assert (view.vte_bleed.score, view.vte_bleed.on, view.vte_bleed.at) == (
            2.0,
            SELECTED,
            "selection",
        )
        assert view.vte_bleed.missing == ("creatinine_clearance",)

        clock.move_to(at(dt.date(2024, 3, 5)))
        services.measurement_add(
            actor=coordinator,
            episode_id=episode.id,
            measured_on=dt.date(2024, 3, 5),
            creatinine_clearance_ml_min=D("45"),
        )
        clock.move_to(at(DISCHARGED))
        prepare_and_move(coordinator, episode, "discharge", on=DISCHARGED)

        view = selectors.episode_view(actor=coordinator, episode_id=episode.id)

    # at selection: cancer 2 (aged 59, no renal function yet); at discharge: + age 1.5 + CrCl 1.5
    assert view.vte_bleed_at_selection.score == 2.0
    discharge = view.vte_bleed_at_discharge
    assert (discharge.score, discharge.high_risk, discharge.on) == (5.0, True, DISCHARGED)
    assert parts(discharge) == {
        "active_cancer": 2.0,
        "age_60_or_over": 1.5,
        "renal_dysfunction": 1.5,
    }
    assert view.vte_bleed == discharge


def test_a_high_score_blocks_no_move(coordinator):
    man = PatientFactory(birth_date=dt.date(1950, 1, 1), sex="male")
    episode = walk_to(coordinator, man, State.SELECTION)
    record_selection(coordinator, episode, active_cancer=True, anaemia=True, prior_bleeding=True)

    services.episode_transition(episode_id=episode.id, name="refer_to_mdt", actor=coordinator)

    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)
    assert view.episode.state == State.MDT_DISCUSSION
    assert view.vte_bleed.high_risk is True
    assert "vte_bleed" not in {w.rule for w in view.warnings}


def test_no_score_without_a_selection_assessment(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION)

    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)

    assert (view.vte_bleed, view.vte_bleed_at_selection, view.vte_bleed_at_discharge) == (
        None,
        None,
        None,
    )
