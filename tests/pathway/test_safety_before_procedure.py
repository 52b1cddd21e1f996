"""The safety net before and around the procedure (pathway.md sections 2 and 6), through the
services, the episode view and the episode page: an absolute contraindication recorded after
referral stops every move up to the procedure and shows on every open episode; imaging findings
the MDT has not seen; imaging that predates the clot or has grown old; the thrombus age at
booking; implausible ages and birth dates; no episode after a recorded death; and a corrected
move that no longer bounds the next move's date."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, InvalidInput, MoveRefused
from pathway import selectors, services
from pathway.codes import ACTIVE, State
from pathway.models import Episode
from patients.models import Patient
from tests.factories import (
    PatientFactory,
    days_ago,
    open_episode,
    prepare_and_move,
    record_anticoagulation,
    record_discharge_plan,
    record_imaging,
    record_mdt,
    record_procedure,
    record_selection,
    walk_to,
)

pytestmark = pytest.mark.django_db

CLINIC_DAY = dt.date(2025, 6, 16)


@pytest.fixture(autouse=True)
def clinic_day():
    """Noon on a fixed day: every date below is counted from it."""
    noon = timezone.make_aware(dt.datetime.combine(CLINIC_DAY, dt.time(12)))
    with time_machine.travel(noon, tick=False):
        yield


def move(actor, episode, name, **kwargs) -> Episode:
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)


def refused_by(actor, episode, name, **kwargs) -> dict[str, str]:
    """Try the move; it must be refused by the rules with nothing changed. Rule -> message."""
    before = (Episode.objects.get(id=episode.id).state, episode.history.count())
    with pytest.raises(MoveRefused) as caught:
        move(actor, episode, name, **kwargs)
    assert (Episode.objects.get(id=episode.id).state, episode.history.count()) == before
    return {u.rule: u.message for u in caught.value.unmet}


def warnings(actor, episode) -> dict[str, str]:
    view = selectors.episode_view(actor=actor, episode_id=episode.id)
    return {w.rule: w.message for w in view.warnings}


def walked(actor, state, on=None, patient=None) -> Episode:
    """An episode walked to `state`, every move dated `on` (today by default); the symptoms
    began five days before that."""
    return walk_to(actor, patient or PatientFactory(), state, on=on)


def contraindicated(actor, episode, *found, reason="Found on the ward after referral."):
    """The selection recorded again, as assessed, with `found` as absolute contraindications."""
    sel = episode.selection
    return record_selection(
        actor,
        episode,
        assessed_on=sel.assessed_on,
        symptom_onset=sel.symptom_onset,
        contraindications=list(found),
        reason=reason,
    )


def worked_up(actor, episode, day=None):
    """Duplex, CT venography (the IVC assessed) and anticoagulation: what booking needs."""
    day = day or days_ago(0)
    record_imaging(actor, episode, "duplex", date=day, ivc_anomaly=None, ivc_filter=None)
    record_imaging(actor, episode, "ct_venography", date=day)
    record_anticoagulation(actor, episode)
    return episode


# --- no_absolute_contraindication, on every move up to the procedure ---------------------------
def test_an_active_bleed_recorded_after_referral_stops_the_mdt_approval(coordinator):
    episode = walked(coordinator, State.MDT_DISCUSSION)
    record_mdt(coordinator, episode)
    contraindicated(coordinator, episode, "active_bleeding")

    unmet = refused_by(coordinator, episode, "approve")

    assert set(unmet) == {"no_absolute_contraindication"}
    assert "active bleeding" in unmet["no_absolute_contraindication"]


def test_an_uncorrectable_coagulopathy_found_in_work_up_stops_the_booking(coordinator):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING))
    contraindicated(coordinator, episode, "uncorrectable_coagulopathy")

    unmet = refused_by(coordinator, episode, "schedule_procedure")

    assert set(unmet) == {"no_absolute_contraindication"}
    assert "coagulopathy" in unmet["no_absolute_contraindication"]


def test_an_active_bleed_after_booking_stops_the_procedure(coordinator):
    episode = walked(coordinator, State.PROCEDURE)
    record_procedure(coordinator, episode)
    contraindicated(coordinator, episode, "active_bleeding")

    assert set(refused_by(coordinator, episode, "complete_procedure")) == {
        "no_absolute_contraindication"
    }


def test_the_booking_goes_ahead_once_the_bleed_is_no_longer_recorded(coordinator):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING))
    contraindicated(coordinator, episode, "active_bleeding")
    contraindicated(coordinator, episode, reason="Bleeding controlled; haematology agrees.")

    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE
    assert "no_absolute_contraindication" not in warnings(coordinator, episode)


@pytest.mark.parametrize("state", [s for s in ACTIVE if s != State.SELECTION])
def test_every_open_episode_shows_a_recorded_contraindication_as_a_warning(coordinator, state):
    episode = walked(coordinator, state)
    assert "no_absolute_contraindication" not in warnings(coordinator, episode)

    contraindicated(coordinator, episode, "active_bleeding")

    assert "active bleeding" in warnings(coordinator, episode)["no_absolute_contraindication"]


def test_a_contraindication_at_selection_is_shown_as_a_warning_too(coordinator):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode, contraindications=["severe_sepsis"])

    assert "sepsis" in warnings(coordinator, episode)["no_absolute_contraindication"]


def test_an_episode_without_a_selection_yet_shows_no_contraindication_warning(coordinator):
    assert warnings(coordinator, open_episode(coordinator)) == {}


def test_the_episode_page_shows_the_contraindication_warning(client, coordinator):
    episode = walked(coordinator, State.IMAGING)
    contraindicated(coordinator, episode, "active_bleeding")
    client.force_login(coordinator)

    html = client.get(reverse("episode-page", args=[episode.id])).content.decode()

    warned = html[html.index('id="warnings-h"') :]
    assert "No absolute contraindication" in warned
    assert "active bleeding" in warned


# --- imaging_findings_reviewed ---------------------------------------------------------------
def test_an_ivc_filter_found_after_the_mdt_is_a_warning_naming_the_study_and_its_date(
    coordinator,
):
    episode = walked(coordinator, State.IMAGING, on=days_ago(3))
    record_imaging(coordinator, episode, "ct_venography", date=days_ago(1), ivc_filter=True)

    message = warnings(coordinator, episode)["imaging_findings_reviewed"]

    assert "IVC filter" in message
    assert days_ago(1).isoformat() in message
    assert "CT venography" in message


@pytest.mark.parametrize(
    ("finding", "modality", "words"),
    [
        ("ivc_anomaly", "ct_venography", "IVC anomaly"),
        ("right_heart_strain", "echocardiography", "right-heart strain"),
    ],
)
def test_each_imaging_finding_is_a_warning_until_the_mdt_has_seen_it(
    coordinator, finding, modality, words
):
    episode = walked(coordinator, State.IMAGING, on=days_ago(3))
    record_imaging(coordinator, episode, modality, date=days_ago(2), **{finding: True})
    assert words in warnings(coordinator, episode)["imaging_findings_reviewed"]

    move(coordinator, episode, "return_to_mdt", reason="Imaging finding for the MDT.")
    record_mdt(coordinator, episode, date=days_ago(1))

    assert "imaging_findings_reviewed" not in warnings(coordinator, episode)


def test_an_mdt_dated_before_the_study_has_not_seen_its_finding(coordinator):
    episode = walked(coordinator, State.MDT_DISCUSSION, on=days_ago(4))
    record_mdt(coordinator, episode, date=days_ago(3))
    record_imaging(
        coordinator, episode, "echocardiography", date=days_ago(2), right_heart_strain=True
    )

    assert "imaging_findings_reviewed" in warnings(coordinator, episode)


def test_a_same_day_mdt_decided_after_the_study_was_recorded_has_seen_it(coordinator):
    episode = walked(coordinator, State.IMAGING, on=days_ago(3))
    record_imaging(coordinator, episode, "ct_venography", ivc_filter=True)
    move(coordinator, episode, "return_to_mdt", reason="IVC filter on CT.")
    afternoon = timezone.make_aware(dt.datetime.combine(CLINIC_DAY, dt.time(16)))
    with time_machine.travel(afternoon, tick=False):
        record_mdt(coordinator, episode)

    assert "imaging_findings_reviewed" not in warnings(coordinator, episode)


def test_imaging_without_findings_raises_no_warning(coordinator):
    episode = walked(coordinator, State.IMAGING, on=days_ago(3))
    record_imaging(
        coordinator,
        episode,
        "ct_venography",
        date=days_ago(1),
        ivc_anomaly=False,
        ivc_filter=False,
        right_heart_strain=False,
    )

    assert "imaging_findings_reviewed" not in warnings(coordinator, episode)


def test_the_episode_page_and_api_show_the_imaging_finding(client, coordinator, as_nurse):
    episode = walked(coordinator, State.IMAGING, on=days_ago(3))
    record_imaging(
        coordinator, episode, "echocardiography", date=days_ago(1), right_heart_strain=True
    )
    client.force_login(coordinator)

    html = client.get(reverse("episode-page", args=[episode.id])).content.decode()
    body = as_nurse.get(f"/api/episodes/{episode.id}/").json()

    assert "Imaging findings seen by the MDT" in html and "right-heart strain" in html
    shown = {w["rule"]: w["message"] for w in body["warnings"]}
    assert "right-heart strain" in shown["imaging_findings_reviewed"]


# --- imaging_current --------------------------------------------------------------------------
def test_a_ct_from_2018_does_not_satisfy_the_guards_for_a_clot_that_began_last_week(coordinator):
    episode = walked(coordinator, State.IMAGING)  # symptoms began five days ago
    record_imaging(coordinator, episode, "duplex")
    record_imaging(coordinator, episode, "ct_venography", date=dt.date(2018, 3, 2))
    record_anticoagulation(coordinator, episode)

    unmet = refused_by(coordinator, episode, "schedule_procedure")

    assert set(unmet) == {"cross_sectional_done"}
    assert "2018-03-02" in unmet["cross_sectional_done"]
    assert "does not count" in unmet["cross_sectional_done"]


def test_a_duplex_from_before_the_onset_does_not_count_nor_assess_the_ivc(coordinator):
    episode = walked(coordinator, State.IMAGING)
    record_imaging(coordinator, episode, "duplex", date=dt.date(2019, 5, 1))
    record_imaging(coordinator, episode, "ct_venography", ivc_anomaly=None, ivc_filter=None)
    record_anticoagulation(coordinator, episode)

    unmet = refused_by(coordinator, episode, "schedule_procedure")

    assert set(unmet) == {"duplex_done", "ivc_assessed"}
    assert "does not count" in unmet["duplex_done"]


def test_an_echo_from_before_the_onset_does_not_count_when_pe_is_suspected(coordinator):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING))
    sel = episode.selection
    record_selection(
        coordinator,
        episode,
        assessed_on=sel.assessed_on,
        symptom_onset=sel.symptom_onset,
        pe_suspected=True,
        reason="PE suspected.",
    )
    record_imaging(coordinator, episode, "echocardiography", date=dt.date(2024, 1, 5))

    assert set(refused_by(coordinator, episode, "schedule_procedure")) == {"echo_if_pe"}


def test_imaging_done_on_the_day_the_symptoms_began_counts(coordinator):
    episode = walked(coordinator, State.IMAGING)
    onset = episode.selection.symptom_onset
    worked_up(coordinator, episode, day=onset)

    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_the_episode_view_explains_why_an_older_study_does_not_count(coordinator):
    episode = walked(coordinator, State.IMAGING)
    record_imaging(coordinator, episode, "ct_venography", date=dt.date(2018, 3, 2))
    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)

    booking = next(t for t in view.transitions if t.name == "schedule_procedure")
    unmet = {u.rule: u.message for u in booking.unmet}
    assert "does not count" in unmet["cross_sectional_done"]


def test_imaging_older_than_14_days_at_booking_is_a_warning(coordinator):
    # referred 13 days ago, the symptoms 18 days ago
    episode = walked(coordinator, State.IMAGING, on=days_ago(13))
    worked_up(coordinator, episode, day=days_ago(15))

    message = warnings(coordinator, episode)["imaging_current"]

    assert days_ago(15).isoformat() in message
    assert "15 days" in message
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_imaging_14_days_old_at_booking_is_not_flagged(coordinator):
    episode = walked(coordinator, State.IMAGING, on=days_ago(13))
    worked_up(coordinator, episode, day=days_ago(14))

    assert "imaging_current" not in warnings(coordinator, episode)


def test_a_newer_study_replaces_an_old_one_for_the_warning(coordinator):
    episode = walked(coordinator, State.IMAGING, on=days_ago(13))
    worked_up(coordinator, episode, day=days_ago(16))
    record_imaging(coordinator, episode, "duplex", date=days_ago(1))
    record_imaging(coordinator, episode, "ct_venography", date=days_ago(1))

    assert "imaging_current" not in warnings(coordinator, episode)


# --- thrombus_age ----------------------------------------------------------------------------
def test_a_patient_deferred_at_mdt_cannot_be_booked_65_days_after_the_onset(coordinator):
    episode = walked(coordinator, State.MDT_DISCUSSION, on=days_ago(60))
    record_mdt(coordinator, episode, decision="defer", date=days_ago(58))
    record_mdt(coordinator, episode, date=days_ago(10))
    move(coordinator, episode, "approve")
    worked_up(coordinator, episode)

    unmet = refused_by(coordinator, episode, "schedule_procedure")

    assert set(unmet) == {"thrombus_age"}
    assert "65 days" in unmet["thrombus_age"]


def test_the_thrombus_age_is_measured_on_the_date_the_booking_takes_effect(coordinator):
    episode = walked(coordinator, State.IMAGING, on=days_ago(20))  # onset 25 days ago
    worked_up(coordinator, episode, day=days_ago(20))
    assert "thrombus_age" in refused_by(coordinator, episode, "schedule_procedure")

    booked = move(coordinator, episode, "schedule_procedure", effective_on=days_ago(19))

    assert booked.state == State.PROCEDURE  # booked 6 days after the onset, as it was


def test_a_booking_beyond_21_days_goes_ahead_with_the_override_recorded(coordinator):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING, on=days_ago(20)))
    sel = episode.selection
    record_selection(
        coordinator,
        episode,
        assessed_on=sel.assessed_on,
        symptom_onset=sel.symptom_onset,
        reason="MDT accepted the late clot.",
        symptom_window_override="Phlegmasia: limb threatened.",
    )

    message = warnings(coordinator, episode)["thrombus_age"]

    assert "25 days" in message and "override" in message
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


@pytest.mark.parametrize("days", [14, 21])
def test_a_booking_14_to_21_days_after_the_onset_is_allowed_but_flagged(coordinator, days):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING, on=days_ago(days - 5)))

    assert f"{days} days" in warnings(coordinator, episode)["thrombus_age"]
    assert move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE


def test_a_booking_13_days_after_the_onset_is_not_flagged(coordinator):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING, on=days_ago(8)))

    assert "thrombus_age" not in warnings(coordinator, episode)


def test_the_episode_view_shows_the_booking_blocked_by_the_thrombus_age(coordinator):
    episode = worked_up(coordinator, walked(coordinator, State.IMAGING, on=days_ago(20)))
    view = selectors.episode_view(actor=coordinator, episode_id=episode.id)

    booking = next(t for t in view.transitions if t.name == "schedule_procedure")

    assert [u.rule for u in booking.unmet] == ["thrombus_age"]
    assert "25 days" in booking.unmet[0].message


# --- plausible ages and birth dates ----------------------------------------------------------
@pytest.mark.parametrize(("born", "age"), [(dt.date(2009, 6, 17), 15), (dt.date(1924, 6, 16), 101)])
def test_an_age_at_referral_under_16_or_over_100_is_a_warning(coordinator, born, age):
    episode = open_episode(coordinator, PatientFactory(birth_date=born))

    assert f"Age at referral {age}" in warnings(coordinator, episode)["plausible_age"]


@pytest.mark.parametrize("born", [dt.date(2009, 6, 16), dt.date(1924, 6, 17)])
def test_ages_16_and_100_at_referral_are_plausible(coordinator, born):
    episode = open_episode(coordinator, PatientFactory(birth_date=born))

    assert "plausible_age" not in warnings(coordinator, episode)


def test_the_age_counts_at_the_referral_date_not_today(coordinator):
    patient = PatientFactory(birth_date=dt.date(2009, 1, 10))  # 16 today, 15 a year ago
    episode = services.episode_open(
        actor=coordinator, patient_id=patient.id, opened_on=days_ago(200)
    )

    assert "Age at referral 15" in warnings(coordinator, episode)["plausible_age"]


def test_a_birth_date_before_1900_is_refused_by_the_new_patient_form(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("new-patient"),
        {
            "mrn": "OLD0001",
            "given_name": "Ada",
            "family_name": "Old",
            "birth_date": "1880-04-02",
            "sex": "female",
        },
    )

    assert response.status_code == 400
    assert "1900-01-01" in response.context["form"].errors["birth_date"][0]
    assert not Patient.objects.filter(mrn="OLD0001").exists()


def test_a_birth_date_on_1900_01_01_is_accepted(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("new-patient"),
        {
            "mrn": "OLD0002",
            "given_name": "Ada",
            "family_name": "Old",
            "birth_date": "1900-01-01",
            "sex": "female",
        },
    )

    assert response.status_code == 302


# --- no episode after a recorded death -------------------------------------------------------
def deceased_patient(actor) -> Patient:
    episode = walked(actor, State.IMAGING, on=days_ago(10))
    move(actor, episode, "record_death", effective_on=days_ago(2))
    return episode.patient


def test_no_new_episode_is_opened_for_a_patient_whose_death_is_recorded(coordinator):
    patient = deceased_patient(coordinator)

    with pytest.raises(Conflict) as caught:
        services.episode_open(actor=coordinator, patient_id=patient.id)

    assert "death is recorded" in caught.value.detail
    assert patient.episodes.count() == 1


def test_the_new_episode_page_refuses_a_deceased_patient_in_words(client, coordinator):
    patient = deceased_patient(coordinator)
    client.force_login(coordinator)

    response = client.post(
        reverse("new-episode"), {"patient": patient.id, "opened_on": days_ago(0).isoformat()}
    )

    assert response.status_code == 409
    assert "death is recorded" in response.content.decode()
    assert patient.episodes.count() == 1


# --- a corrected move does not count ---------------------------------------------------------
def test_a_discharge_corrected_is_redone_on_its_true_day(coordinator, admin_user):
    """Discharged on day 10, corrected on day 12: the discharge made again is dated day 10."""
    episode = walked(coordinator, State.POST_OP, on=days_ago(20))
    record_imaging(
        coordinator, episode, "duplex", date=days_ago(19), ivc_anomaly=None, ivc_filter=None
    )
    record_discharge_plan(coordinator, episode)
    move(coordinator, episode, "discharge", effective_on=days_ago(10))
    move(
        admin_user,
        episode,
        "correct",
        reason="Discharged by mistake on the wrong record.",
        effective_on=days_ago(8),
    )

    redone = move(coordinator, episode, "discharge", effective_on=days_ago(10))

    assert redone.state == State.SURVEILLANCE
    assert episode.history.order_by("-id").first().effective_on == days_ago(10)


def test_after_a_correction_a_move_is_still_not_dated_before_the_move_that_stands(
    coordinator, admin_user
):
    episode = walked(coordinator, State.POST_OP, on=days_ago(20))
    record_imaging(
        coordinator, episode, "duplex", date=days_ago(19), ivc_anomaly=None, ivc_filter=None
    )
    record_discharge_plan(coordinator, episode)
    move(coordinator, episode, "discharge", effective_on=days_ago(10))
    move(admin_user, episode, "correct", reason="Wrong date.", effective_on=days_ago(8))

    with pytest.raises(InvalidInput) as caught:
        move(coordinator, episode, "discharge", effective_on=days_ago(21))

    assert days_ago(20).isoformat() in caught.value.errors["effective_on"][0]
    assert Episode.objects.get(id=episode.id).state == State.POST_OP


def test_the_walk_helper_still_meets_every_guard_on_its_own_day(coordinator):
    episode = walked(coordinator, State.IMAGING, on=days_ago(2))
    assert prepare_and_move(coordinator, episode, "schedule_procedure").state == State.PROCEDURE
