"""Dates must fit the episode's timeline (pathway.md section 2): the episode opens on its referral
date; only the symptom onset and imaging may predate it; an MDT is not before the assessment; a
procedure is not before it was booked (or the re-intervention decided); nothing is in the
future. A date that does not fit is a 400 naming the date it conflicts with."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import InvalidInput
from pathway import services
from pathway.codes import State
from pathway.models import (
    MdtDecision,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
)
from tests.factories import (
    PatientFactory,
    days_ago,
    prepare_and_move,
    record_anticoagulation,
    record_imaging,
    record_mdt,
    record_procedure,
    record_selection,
    walk_to,
)

pytestmark = pytest.mark.django_db

OPENED = 30  # days ago: the referral date of the episodes below


def opened(coordinator, state=State.SELECTION, on=OPENED):
    return walk_to(coordinator, PatientFactory(), state, on=days_ago(on))


def refused(call, field: str) -> str:
    with pytest.raises(InvalidInput) as excinfo:
        call()
    assert field in excinfo.value.errors, excinfo.value.errors
    return excinfo.value.errors[field][0]


def names_date(message: str, day: dt.date) -> bool:
    return f"({day.isoformat()})" in message


def at_noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


# --- the referral date --------------------------------------------------------------------------
def test_a_selection_assessed_before_the_referral_is_refused_naming_the_referral_date(
    coordinator,
):
    episode = opened(coordinator)

    message = refused(
        lambda: record_selection(
            coordinator,
            episode,
            assessed_on=days_ago(OPENED + 1),
            symptom_onset=days_ago(OPENED + 3),
        ),
        "assessed_on",
    )

    assert message == f"This date is before the referral date ({days_ago(OPENED).isoformat()})."
    assert not SelectionAssessment.objects.filter(episode=episode).exists()


def test_a_selection_assessed_on_the_referral_day_is_accepted(coordinator):
    episode = opened(coordinator)

    selection = record_selection(
        coordinator, episode, assessed_on=days_ago(OPENED), symptom_onset=days_ago(OPENED + 2)
    )

    assert selection.assessed_on == days_ago(OPENED)


def test_symptom_onset_may_precede_the_referral(coordinator):
    episode = opened(coordinator)

    selection = record_selection(
        coordinator, episode, assessed_on=days_ago(OPENED - 1), symptom_onset=days_ago(OPENED + 10)
    )

    assert selection.symptom_onset == days_ago(OPENED + 10)


def test_the_scan_that_found_the_clot_may_predate_the_referral(coordinator):
    episode = opened(coordinator)

    study = record_imaging(coordinator, episode, "duplex", date=days_ago(OPENED + 2))

    assert study.date == days_ago(OPENED + 2)


def test_an_mdt_dated_years_before_an_episode_opened_this_year_is_refused(coordinator):
    """The defect: an MDT dated 2020 was accepted on an episode opened in 2026."""
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)  # opened today
    referral = episode.opened_on()

    message = refused(lambda: record_mdt(coordinator, episode, date=dt.date(2020, 3, 12)), "date")

    assert names_date(message, referral)
    assert not MdtDecision.objects.filter(episode=episode).exists()


def test_an_mdt_dated_before_the_selection_assessment_is_refused_naming_the_assessment(
    coordinator,
):
    episode = opened(coordinator)
    assessed = days_ago(OPENED - 5)
    record_selection(coordinator, episode, assessed_on=assessed, symptom_onset=days_ago(OPENED))
    services.episode_transition(
        episode_id=episode.id, name="refer_to_mdt", actor=coordinator, effective_on=assessed
    )

    message = refused(lambda: record_mdt(coordinator, episode, date=days_ago(OPENED - 3)), "date")

    assert message == (f"This date is before the selection assessment ({assessed.isoformat()}).")
    assert not MdtDecision.objects.filter(episode=episode).exists()


def test_an_mdt_on_the_day_of_the_assessment_is_accepted(coordinator):
    episode = opened(coordinator, State.MDT_DISCUSSION)

    mdt = record_mdt(coordinator, episode, date=days_ago(OPENED))

    assert mdt.date == days_ago(OPENED)


def test_anticoagulation_started_before_the_referral_is_refused(coordinator):
    episode = opened(coordinator, State.IMAGING)

    message = refused(
        lambda: record_anticoagulation(
            coordinator, episode, started_at=at_noon(days_ago(OPENED + 1))
        ),
        "started_at",
    )

    assert names_date(message, days_ago(OPENED))
    assert not PreProcedureAnticoagulation.objects.filter(episode=episode).exists()


# --- the procedure and when it was booked -------------------------------------------------------
@pytest.fixture
def booked(coordinator):
    """Referred 30 days ago, the procedure booked 10 days ago (25 days after the symptom
    onset: the MDT accepted the late clot, recorded as the override thrombus_age needs)."""
    episode = opened(coordinator, State.IMAGING)
    record_selection(
        coordinator,
        episode,
        assessed_on=days_ago(OPENED),
        symptom_onset=days_ago(OPENED + 5),
        symptom_window_override="MDT: benefit outweighs the thrombus age.",
        reason="Booked beyond the symptom window.",
    )
    return prepare_and_move(coordinator, episode, "schedule_procedure", on=days_ago(10))


def test_a_procedure_dated_before_it_was_booked_is_refused_naming_the_booking_date(
    coordinator, booked
):
    message = refused(lambda: record_procedure(coordinator, booked, date=days_ago(12)), "date")

    assert message.startswith(
        f"This date is before the date it was booked ({days_ago(10).isoformat()})."
    )
    assert "an admin can correct the booking" in message  # the booking may be what is wrong
    assert not ProcedureNote.objects.filter(episode=booked).exists()


def test_a_procedure_date_typed_ten_years_too_early_is_refused(coordinator, booked):
    """The defect: a procedure date typed ten years too early was accepted."""
    typo = days_ago(10).replace(year=days_ago(10).year - 10)

    message = refused(lambda: record_procedure(coordinator, booked, date=typo), "date")

    assert names_date(message, days_ago(10))
    assert not ProcedureNote.objects.filter(episode=booked).exists()


def test_a_procedure_on_the_day_it_was_booked_is_accepted(coordinator, booked):
    note = record_procedure(coordinator, booked, date=days_ago(10))

    assert note.date == days_ago(10)


def test_correcting_a_completed_procedure_to_before_its_booking_is_refused_even_with_a_reason(
    coordinator, booked
):
    record_procedure(coordinator, booked, date=days_ago(8))
    services.episode_transition(
        episode_id=booked.id,
        name="complete_procedure",
        actor=coordinator,
        effective_on=days_ago(8),
    )

    message = refused(
        lambda: record_procedure(coordinator, booked, date=days_ago(11), reason="Typo."), "date"
    )

    assert names_date(message, days_ago(10))
    assert ProcedureNote.objects.get(episode=booked).date == days_ago(8)


def test_a_reintervention_note_dated_before_the_reintervention_was_decided_is_refused(
    coordinator,
):
    episode = opened(coordinator, State.SURVEILLANCE)
    services.episode_transition(
        episode_id=episode.id,
        name="reintervene",
        actor=coordinator,
        reason="Swelling again.",
        effective_on=days_ago(5),
        reintervention={"cause": "symptoms", "segments": []},
    )

    message = refused(lambda: record_procedure(coordinator, episode, date=days_ago(6)), "date")

    assert message.startswith(
        f"This date is before the date the re-intervention was decided ({days_ago(5).isoformat()})."
    )
    assert "an admin can correct it" in message
    assert ProcedureNote.objects.filter(episode=episode).count() == 1  # the index note only
    note = record_procedure(coordinator, episode, date=days_ago(5))
    assert note.reintervention is not None


# --- complications and post-op checks -----------------------------------------------------------
def test_a_complication_dated_before_the_index_procedure_is_refused(coordinator, booked):
    record_procedure(coordinator, booked, date=days_ago(8))

    message = refused(
        lambda: services.complication_add(
            actor=coordinator,
            episode_id=booked.id,
            kind="pulmonary_embolism",
            occurred_on=days_ago(9),
            severity="severe",
        ),
        "occurred_on",
    )

    assert names_date(message, days_ago(8))
    assert not booked.complications.exists()


def test_a_postop_check_before_the_procedure_day_is_refused(coordinator):
    episode = opened(coordinator, State.POST_OP)  # procedure 30 days ago

    message = refused(
        lambda: services.postop_check_add(
            actor=coordinator,
            episode_id=episode.id,
            at=at_noon(days_ago(OPENED + 1)),
            limb_perfusion="normal",
            compartment_signs=False,
            access_bleeding=False,
            pain_score=1,
            mobilised=True,
        ),
        "at",
    )

    assert names_date(message, days_ago(OPENED))
    assert not episode.postop_checks.exists()


# --- nothing in the future ----------------------------------------------------------------------
TOMORROW = 1


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=TOMORROW)


def test_a_selection_assessed_tomorrow_is_refused(coordinator):
    episode = opened(coordinator)
    refused(lambda: record_selection(coordinator, episode, assessed_on=tomorrow()), "assessed_on")


def test_an_mdt_dated_tomorrow_is_refused(coordinator):
    episode = opened(coordinator, State.MDT_DISCUSSION)
    refused(lambda: record_mdt(coordinator, episode, date=tomorrow()), "date")


def test_imaging_dated_tomorrow_is_refused(coordinator):
    episode = opened(coordinator, State.IMAGING)
    refused(lambda: record_imaging(coordinator, episode, "duplex", date=tomorrow()), "date")


def test_anticoagulation_starting_in_an_hour_is_refused(coordinator):
    episode = opened(coordinator, State.IMAGING)
    later = timezone.now() + dt.timedelta(hours=1)
    refused(lambda: record_anticoagulation(coordinator, episode, started_at=later), "started_at")


def test_a_procedure_dated_tomorrow_is_refused(coordinator, booked):
    refused(lambda: record_procedure(coordinator, booked, date=tomorrow()), "date")


def test_a_complication_dated_tomorrow_is_refused(coordinator):
    episode = opened(coordinator, State.POST_OP)
    refused(
        lambda: services.complication_add(
            actor=coordinator,
            episode_id=episode.id,
            kind="other",
            occurred_on=tomorrow(),
            severity="mild",
        ),
        "occurred_on",
    )


def test_a_postop_check_in_an_hour_is_refused(coordinator):
    episode = opened(coordinator, State.POST_OP)
    refused(
        lambda: services.postop_check_add(
            actor=coordinator,
            episode_id=episode.id,
            at=timezone.now() + dt.timedelta(hours=1),
            limb_perfusion="normal",
            compartment_signs=False,
            access_bleeding=False,
            pain_score=1,
            mobilised=True,
        ),
        "at",
    )


# --- a correction keeps the timeline whole ------------------------------------------------------
def test_the_assessment_cannot_be_re_dated_after_the_mdt_that_discussed_it(coordinator):
    """An MDT may not be dated before the assessment: moving the assessment past an MDT
    already recorded would leave exactly that on the record."""
    episode = opened(coordinator, State.IMAGING)  # assessed and discussed 30 days ago
    mdt_on = MdtDecision.objects.get(episode=episode).date

    message = refused(
        lambda: record_selection(
            coordinator,
            episode,
            assessed_on=days_ago(OPENED - 5),
            symptom_onset=days_ago(OPENED),
            reason="Assessment date corrected.",
        ),
        "assessed_on",
    )

    assert names_date(message, mdt_on)
    assert SelectionAssessment.objects.get(episode=episode).assessed_on == days_ago(OPENED)


def test_the_procedure_cannot_be_re_dated_after_a_complication_that_followed_it(coordinator):
    """A complication may not be dated before the index procedure: moving the procedure past
    a complication already recorded would leave exactly that on the record."""
    episode = opened(coordinator, State.POST_OP)  # procedure 30 days ago
    services.complication_add(
        actor=coordinator,
        episode_id=episode.id,
        kind="haematoma",
        occurred_on=days_ago(OPENED - 1),
        severity="mild",
        bleeding_class="minor",
    )

    message = refused(
        lambda: record_procedure(
            coordinator, episode, date=days_ago(OPENED - 2), reason="Date corrected."
        ),
        "date",
    )

    assert names_date(message, days_ago(OPENED - 1))
    assert ProcedureNote.objects.get(episode=episode).date == days_ago(OPENED)


def test_the_procedure_cannot_be_re_dated_after_the_discharge(coordinator):
    """A patient is not discharged before the procedure: a correction may move the procedure
    date up to the discharge day, not past it."""
    episode = opened(coordinator, State.SURVEILLANCE)  # procedure and discharge 30 days ago

    message = refused(
        lambda: record_procedure(
            coordinator, episode, date=days_ago(OPENED - 3), reason="Date corrected."
        ),
        "date",
    )

    assert names_date(message, days_ago(OPENED))
    assert ProcedureNote.objects.get(episode=episode).date == days_ago(OPENED)
