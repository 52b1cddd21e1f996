"""`anticoagulant_suitable` (pathway.md section 7): the episode warns, on every read, about a DOAC
with antiphospholipid syndrome, failing kidneys or an extreme weight, and about a woman of
childbearing age on a VKA or a DOAC whose pregnancy and contraception status is not recorded."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from pathway import selectors, services
from pathway.codes import State
from tests.factories import PatientFactory, record_selection, walk_to

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def clock():
    noon = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    with time_machine.travel(noon, tick=False) as traveller:
        yield traveller


def patient(age: int = 70, sex: str = "male"):
    return PatientFactory(birth_date=dt.date(TODAY.year - age, 1, 1), sex=sex)


def episode_of(coordinator, who=None, state=State.MDT_DISCUSSION, **selection):
    episode = walk_to(coordinator, who or patient(), state)
    if selection:
        record_selection(coordinator, episode, reason="Completed at the MDT.", **selection)
    return episode


def on(coordinator, episode, agent: str, **kwargs):
    return services.course_add(
        actor=coordinator, episode_id=episode.id, agent=agent, started_on=TODAY, **kwargs
    )


def measure(coordinator, episode, **values):
    services.measurement_add(actor=coordinator, episode_id=episode.id, measured_on=TODAY, **values)


def suitability(coordinator, episode) -> list[str]:
    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)
    return [w.message for w in view.warnings if w.rule == "anticoagulant_suitable"]


APS = dict(thrombophilia="positive", thrombophilia_finding="Antiphospholipid syndrome (triple)")


# --- antiphospholipid syndrome ------------------------------------------------------------------
def test_aps_on_apixaban_warns(coordinator):
    episode = episode_of(coordinator, **APS)
    on(coordinator, episode, "apixaban")

    (warning,) = suitability(coordinator, episode)

    assert warning == (
        "A DOAC (apixaban) with antiphospholipid syndrome recorded as the thrombophilia finding: "
        "DOACs are not recommended there."
    )


@pytest.mark.parametrize("finding", ["APS", "triple-positive aps", "ANTIPHOSPHOLIPID antibodies"])
def test_aps_is_recognised_however_it_is_written(coordinator, finding):
    episode = episode_of(coordinator, thrombophilia="positive", thrombophilia_finding=finding)
    on(coordinator, episode, "rivaroxaban")

    assert len(suitability(coordinator, episode)) == 1


@pytest.mark.parametrize(
    "selection",
    [
        dict(thrombophilia="positive", thrombophilia_finding="Factor V Leiden, perhaps more"),
        dict(thrombophilia="pending", thrombophilia_finding="APS screen sent"),
    ],
    ids=["not-aps", "not-positive"],
)
def test_no_aps_warning_without_a_positive_aps_finding(coordinator, selection):
    episode = episode_of(coordinator, **selection)
    on(coordinator, episode, "apixaban")

    assert suitability(coordinator, episode) == []


def test_aps_on_warfarin_is_what_is_recommended(coordinator):
    episode = episode_of(coordinator, **APS)
    on(coordinator, episode, "warfarin")

    assert suitability(coordinator, episode) == []


def test_a_doac_stopped_for_warfarin_no_longer_warns(coordinator, clock):
    episode = episode_of(coordinator, **APS)
    doac = on(coordinator, episode, "apixaban")
    assert len(suitability(coordinator, episode)) == 1

    clock.move_to(timezone.make_aware(dt.datetime(2024, 6, 16, 12)))
    services.course_change(
        actor=coordinator,
        episode_id=episode.id,
        course_id=doac.id,
        stopped_on=dt.date(2024, 6, 15),
        reason="APS: switched to warfarin.",
    )
    services.course_add(
        actor=coordinator, episode_id=episode.id, agent="warfarin", started_on=dt.date(2024, 6, 16)
    )

    assert suitability(coordinator, episode) == []


# --- kidneys and weight ---------------------------------------------------------------------------
def test_a_doac_with_a_clearance_below_30_warns(coordinator):
    episode = episode_of(coordinator)
    on(coordinator, episode, "apixaban")
    # (140 - 70) x 60 x 1.23 / 180 = 28.7 mL/min
    measure(coordinator, episode, weight_kg=D("60"), creatinine_umol_l=D("180"))

    (warning,) = suitability(coordinator, episode)

    assert warning == (
        "A DOAC (apixaban) with a creatinine clearance of 28.7 mL/min (2024-06-15), below 30 "
        "mL/min."
    )


def test_a_clearance_of_30_does_not_warn_and_the_latest_counts(coordinator, clock):
    episode = episode_of(coordinator)
    on(coordinator, episode, "edoxaban")
    measure(coordinator, episode, creatinine_clearance_ml_min=D("25"))
    measure(coordinator, episode, creatinine_clearance_ml_min=D("30"))

    assert suitability(coordinator, episode) == []


@pytest.mark.parametrize(
    ("kg", "warned"),
    [("49.9", "below 50 kg"), ("50", None), ("120", None), ("120.5", "above 120 kg")],
)
def test_a_doac_below_50_or_above_120_kg_warns(coordinator, kg, warned):
    episode = episode_of(coordinator)
    on(coordinator, episode, "dabigatran")
    measure(coordinator, episode, weight_kg=D(kg))

    found = suitability(coordinator, episode)

    if warned:
        assert found == [f"A DOAC (dabigatran) at a weight of {kg} kg (2024-06-15), {warned}."]
    else:
        assert found == []


def test_failing_kidneys_on_warfarin_or_heparin_do_not_warn(coordinator):
    episode = episode_of(coordinator)
    on(coordinator, episode, "warfarin")
    on(coordinator, episode, "enoxaparin")
    measure(coordinator, episode, weight_kg=D("45"), creatinine_clearance_ml_min=D("20"))

    assert suitability(coordinator, episode) == []


# --- pregnancy and contraception -----------------------------------------------------------------
def test_a_woman_of_34_on_warfarin_with_no_pregnancy_status_warns(coordinator):
    episode = episode_of(coordinator, patient(34, "female"))
    on(coordinator, episode, "warfarin")

    (warning,) = suitability(coordinator, episode)

    assert warning.startswith("A woman aged 34 on warfarin with no pregnancy status recorded")
    assert "VKAs are teratogenic; DOACs are not used in pregnancy, where LMWH is." in warning


@pytest.mark.parametrize(
    ("pregnancy", "contraception", "said"),
    [
        ("not_pregnant", None, "no contraception status recorded"),
        ("not_pregnant", False, "recorded as using no contraception"),
        ("pregnant", None, "recorded as pregnant"),
        ("not_pregnant", True, None),
        ("not_applicable", None, None),
    ],
)
def test_the_pregnancy_warning_follows_what_is_recorded(
    coordinator, pregnancy, contraception, said
):
    episode = episode_of(
        coordinator, patient(30, "female"), pregnancy=pregnancy, contraception=contraception
    )
    on(coordinator, episode, "apixaban")

    found = suitability(coordinator, episode)

    if said:
        (warning,) = found
        assert said in warning and warning.startswith("A woman aged 30 on apixaban")
    else:
        assert found == []


@pytest.mark.parametrize(("age", "sex"), [(15, "female"), (51, "female"), (30, "male")])
def test_no_pregnancy_warning_outside_childbearing_age_or_for_a_man(coordinator, age, sex):
    episode = episode_of(coordinator, patient(age, sex))
    on(coordinator, episode, "warfarin")

    assert suitability(coordinator, episode) == []


def test_a_woman_on_lmwh_only_is_not_warned(coordinator):
    episode = episode_of(coordinator, patient(30, "female"))
    on(coordinator, episode, "enoxaparin")

    assert suitability(coordinator, episode) == []


def test_every_concern_is_its_own_warning_and_none_blocks_a_move(coordinator):
    episode = episode_of(coordinator, patient(30, "female"), **APS)
    on(coordinator, episode, "apixaban")
    measure(coordinator, episode, weight_kg=D("130"))

    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)

    found = [w.message for w in view.warnings if w.rule == "anticoagulant_suitable"]
    assert len(found) == 3
    assert not any(u.rule == "anticoagulant_suitable" for m in view.transitions for u in m.unmet)
