"""Renal function and weight (pathway.md section 7): dated measurements kept with revisions, and
the creatinine clearance given or computed by Cockcroft–Gault, worked by hand."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import Forbidden, InvalidInput
from pathway import selectors, services
from pathway.codes import State
from pathway.models import Measurement
from pathway.rules import cockcroft_gault
from tests.factories import PatientFactory, episode_in

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def clock():
    noon = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    with time_machine.travel(noon, tick=False) as traveller:
        yield traveller


def measure(actor, episode, on=TODAY, **values):
    return services.measurement_add(actor=actor, episode_id=episode.id, measured_on=on, **values)


def clearances(actor, episode) -> list:
    rows = selectors.episode_measurements(actor=actor, episode_id=episode.id)
    return [(m.measured_on, m.clearance.value, m.clearance.method) for m in rows]


def aged(years: int, sex: str):
    """A patient who turned `years` on 1 January of this year."""
    return PatientFactory(birth_date=dt.date(TODAY.year - years, 1, 1), sex=sex)


# --- Cockcroft–Gault, by hand -------------------------------------------------------------------
def test_cockcroft_gault_for_a_woman_of_70_and_60_kg_with_creatinine_90_is_48_5():
    # (140 - 70) x 60 x 1.04 / 90 = 4368 / 90 = 48.53
    assert cockcroft_gault(age=70, weight_kg=D("60"), creatinine_umol_l=D("90"), sex="female") == D(
        "48.5"
    )


def test_cockcroft_gault_for_a_man_uses_1_23():
    # (140 - 50) x 80 x 1.23 / 100 = 8856 / 100 = 88.56
    assert cockcroft_gault(age=50, weight_kg=D("80"), creatinine_umol_l=D("100"), sex="male") == D(
        "88.6"
    )


@pytest.mark.parametrize("sex", ["other", "unknown"])
def test_cockcroft_gault_is_not_computed_without_a_male_or_female_sex(sex):
    assert cockcroft_gault(age=50, weight_kg=D("80"), creatinine_umol_l=D("100"), sex=sex) is None


# --- measurements ---------------------------------------------------------------------------------
def test_a_creatinine_is_turned_into_a_clearance_with_the_weight_measured_before(coordinator):
    episode = episode_in(State.SELECTION, coordinator, aged(70, "female"))

    measure(coordinator, episode, weight_kg=D("60"))
    measure(coordinator, episode, creatinine_umol_l=D("90"))

    assert clearances(coordinator, episode)[-1] == (TODAY, D("48.5"), "cockcroft_gault")


def test_the_age_is_counted_on_the_measurement_date(coordinator, clock):
    patient = PatientFactory(birth_date=dt.date(1954, 6, 20), sex="female")  # 70 on 20 June
    episode = episode_in(State.SELECTION, coordinator, patient)
    measure(coordinator, episode, weight_kg=D("60"), creatinine_umol_l=D("90"))  # aged 69
    clock.move_to(timezone.make_aware(dt.datetime(2024, 6, 21, 12)))
    measure(coordinator, episode, on=dt.date(2024, 6, 21), creatinine_umol_l=D("90"))  # 70

    # 71 x 60 x 1.04 / 90 = 49.23; then 70 x 60 x 1.04 / 90 = 48.53
    assert [c[1] for c in clearances(coordinator, episode)] == [D("49.2"), D("48.5")]


def test_a_weight_measured_after_the_creatinine_is_not_used_for_it(coordinator, clock):
    episode = episode_in(State.SELECTION, coordinator, aged(70, "female"))
    measure(coordinator, episode, creatinine_umol_l=D("90"))
    clock.move_to(timezone.make_aware(dt.datetime(2024, 6, 16, 12)))
    measure(coordinator, episode, on=dt.date(2024, 6, 16), weight_kg=D("60"))

    (first, _) = selectors.episode_measurements(actor=coordinator, episode_id=episode.id)

    assert first.clearance.value is None
    assert "no weight is recorded on or before 2024-06-15" in first.clearance.note


def test_a_given_clearance_is_kept_as_given(coordinator):
    episode = episode_in(State.SELECTION, coordinator, aged(70, "female"))

    measure(
        coordinator,
        episode,
        weight_kg=D("60"),
        creatinine_umol_l=D("90"),
        creatinine_clearance_ml_min=D("52"),
    )

    assert clearances(coordinator, episode) == [(TODAY, D("52"), "given")]


def test_a_patient_of_unknown_sex_gets_no_computed_clearance_and_is_told_why(coordinator):
    episode = episode_in(State.SELECTION, coordinator, aged(70, "unknown"))

    measure(coordinator, episode, weight_kg=D("60"), creatinine_umol_l=D("90"))

    (row,) = selectors.episode_measurements(actor=coordinator, episode_id=episode.id)
    assert (row.clearance.value, row.clearance.method) == (None, None)
    assert "sex" in row.clearance.note


def test_a_measurement_with_no_value_is_refused_naming_the_three(coordinator):
    episode = episode_in(State.SELECTION, coordinator)

    with pytest.raises(InvalidInput) as refused:
        measure(coordinator, episode)

    assert set(refused.value.errors) == {
        "weight_kg",
        "creatinine_umol_l",
        "creatinine_clearance_ml_min",
    }
    assert not Measurement.objects.exists()


def test_a_measurement_in_the_future_or_before_the_referral_is_refused(coordinator):
    episode = episode_in(State.SELECTION, coordinator)

    with pytest.raises(InvalidInput) as future:
        measure(coordinator, episode, on=TODAY + dt.timedelta(days=1), weight_kg=D("70"))
    with pytest.raises(InvalidInput) as early:
        measure(coordinator, episode, on=TODAY - dt.timedelta(days=1), weight_kg=D("70"))

    assert "future" in future.value.errors["measured_on"][0]
    assert "before the referral date" in early.value.errors["measured_on"][0]
    assert not Measurement.objects.exists()


def test_an_implausible_weight_is_refused(coordinator):
    episode = episode_in(State.SELECTION, coordinator)

    with pytest.raises(ValidationError) as refused:  # the model's range: a 400 at the API
        measure(coordinator, episode, weight_kg=D("4000"))

    assert "weight_kg" in refused.value.message_dict
    assert not Measurement.objects.exists()


def test_a_nurse_cannot_record_a_measurement(nurse, coordinator):
    episode = episode_in(State.SELECTION, coordinator)

    with pytest.raises(Forbidden):
        measure(nurse, episode, weight_kg=D("70"))


def test_each_measurement_keeps_a_revision_with_who_and_why(coordinator):
    episode = episode_in(State.SELECTION, coordinator)

    added = measure(coordinator, episode, weight_kg=D("70"), reason="Weighed in clinic.")

    (revision,) = Measurement.history.filter(episode_id=episode.id)
    assert (revision.id, revision.weight_kg, revision.history_type) == (added.id, D("70"), "+")
    assert revision.history_user == coordinator
    assert revision.history_change_reason == "Weighed in clinic."
