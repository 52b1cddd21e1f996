"""Re-intervention (pathway.md sections 2 and 3): `reintervene` takes a reason and says why as
codes (stenosis or occlusion on a duplex, naming the segments and the follow-up or visit that
showed it; symptoms; other), kept with the move; patency reporting reads them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import InvalidInput
from pathway import services
from pathway.codes import State
from pathway.models import Episode, ProcedureNote, Reintervention, Transition
from tasks import services as task_services
from tests.conftest import _user
from tests.factories import PatientFactory, days_ago, record_procedure, walk_to
from tests.module_rows import rows_for_the_module

pytestmark = pytest.mark.django_db

STENTED = "left_common_iliac"  # where demo.walk's record_procedure puts its Wallstent


def reintervene(actor, episode, reintervention, reason="Duplex showed an occluded stent."):
    return services.episode_transition(
        episode_id=episode.id,
        name="reintervene",
        actor=actor,
        reason=reason,
        reintervention=reintervention,
    )


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def moves(episode) -> list[str]:
    return list(Transition.objects.filter(episode=episode).values_list("name", flat=True))


def refused(actor, episode, reintervention, field="reintervention", **kwargs) -> str:
    before = moves(episode)
    with pytest.raises(InvalidInput) as excinfo:
        reintervene(actor, episode, reintervention, **kwargs)
    assert field in excinfo.value.errors, excinfo.value.errors
    assert Episode.objects.get(id=episode.id).state == State.SURVEILLANCE
    assert moves(episode) == before
    assert not Reintervention.objects.filter(move__episode=episode).exists()
    return excinfo.value.errors[field][0]


@pytest.fixture(scope="module")
def _discharged_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """Procedure and discharge twenty days ago, walked once for the module's tests (each
    test's writes are undone): the two-week duplex's window is open today."""
    yield from rows_for_the_module(
        django_db_blocker,
        lambda: (
            walk_to(_user("coordinator"), PatientFactory(), State.SURVEILLANCE, on=days_ago(20)).id
        ),
    )


@pytest.fixture
def discharged(_discharged_of_the_module, coordinator):
    return Episode.objects.get(id=_discharged_of_the_module)


def two_week_duplex(episode):
    return episode.follow_ups.filter(kind="duplex").order_by("due_on").first()


def record_duplex(nurse, follow_up, result="occluded", performed_on=None):
    return task_services.followup_record_result(
        actor=nurse,
        follow_up_id=follow_up.id,
        performed_on=performed_on or days_ago(0),
        segments=[{"segment": STENTED, "result": result}],
    )


# --- what is kept -------------------------------------------------------------------------------
def test_a_reintervention_for_symptoms_is_kept_coded_with_its_move(coordinator, discharged):
    episode = reintervene(
        coordinator, discharged, {"cause": "symptoms", "segments": []}, reason="Leg swollen."
    )

    assert episode.state == State.PROCEDURE
    kept = Reintervention.objects.get(move__episode=episode)
    assert (kept.move.name, kept.move.reason, kept.move.actor) == (
        "reintervene",
        "Leg swollen.",
        coordinator,
    )
    assert (kept.cause, kept.segments, kept.follow_up_id, kept.visit_id) == (
        "symptoms",
        [],
        None,
        None,
    )


def test_a_reintervention_for_occlusion_names_the_completed_duplex_that_showed_it(
    coordinator, nurse, discharged
):
    duplex = two_week_duplex(discharged)
    record_duplex(nurse, duplex, "occluded")

    reintervene(
        coordinator,
        discharged,
        {"cause": "occlusion", "segments": [STENTED, STENTED], "follow_up": duplex.id},
    )

    kept = Reintervention.objects.get(move__episode=discharged)
    assert (kept.cause, kept.segments, kept.follow_up_id) == ("occlusion", [STENTED], duplex.id)


def test_a_reintervention_for_stenosis_may_name_a_duplex_visit(coordinator, nurse, discharged):
    visit = task_services.visit_record(
        actor=nurse,
        episode_id=discharged.id,
        kind="duplex",
        performed_on=days_ago(0),
        segments=[{"segment": STENTED, "result": "stenosis"}],
    )

    reintervene(
        coordinator, discharged, {"cause": "stenosis", "segments": [STENTED], "visit": visit.id}
    )

    kept = Reintervention.objects.get(move__episode=discharged)
    assert (kept.cause, kept.visit_id, kept.follow_up_id) == ("stenosis", visit.id, None)


def test_the_six_week_duplex_showing_occlusion_leads_to_a_reintervention_that_day(
    coordinator, nurse
):
    """The clock walks the patient through: procedure and discharge on 31 Jan 2024, then the
    six-week duplex on its due date shows the stent occluded and the coordinator re-intervenes."""
    with time_machine.travel(at(dt.date(2024, 1, 31)), tick=False) as clock:
        episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
        six_weeks = episode.follow_ups.filter(kind="duplex").order_by("due_on")[1]
        assert six_weeks.due_on == dt.date(2024, 3, 13)
        clock.move_to(at(six_weeks.due_on))
        record_duplex(nurse, six_weeks, "occluded", performed_on=six_weeks.due_on)

        reintervene(
            coordinator,
            episode,
            {"cause": "occlusion", "segments": [STENTED], "follow_up": six_weeks.id},
        )

    kept = Reintervention.objects.get(move__episode=episode)
    assert (kept.cause, kept.follow_up_id) == ("occlusion", six_weeks.id)
    assert kept.move.effective_on == dt.date(2024, 3, 13)


def test_the_reintervention_gets_a_note_of_its_own_and_the_index_note_is_kept(
    coordinator, discharged
):
    index = ProcedureNote.objects.get(episode=discharged)
    reintervene(coordinator, discharged, {"cause": "other"})

    redo = record_procedure(coordinator, discharged, device="Trellis")

    assert redo.id != index.id
    assert redo.reintervention == Reintervention.objects.get(move__episode=discharged).move
    index.refresh_from_db()
    assert (index.reintervention, index.device, index.date) == (None, "AngioJet", days_ago(20))


# --- what is refused ----------------------------------------------------------------------------
def test_a_reintervention_without_its_codes_is_refused(coordinator, discharged):
    refused(coordinator, discharged, None)
    refused(coordinator, discharged, {})


def test_a_reintervention_without_a_reason_is_refused(coordinator, discharged):
    refused(coordinator, discharged, {"cause": "symptoms"}, field="reason", reason="  ")


def test_a_reintervention_for_an_unknown_cause_is_refused(coordinator, discharged):
    refused(coordinator, discharged, {"cause": "boredom", "segments": [STENTED]})


@pytest.mark.parametrize("cause", ["stenosis", "occlusion"])
def test_a_duplex_cause_without_the_segments_is_refused(coordinator, discharged, cause):
    message = refused(coordinator, discharged, {"cause": cause, "segments": []})

    assert cause in message


def test_segments_that_were_never_stented_are_refused(coordinator, discharged):
    message = refused(
        coordinator, discharged, {"cause": "stenosis", "segments": [STENTED, "right_femoral"]}
    )

    assert "right_femoral" in message
    assert STENTED not in message


def test_a_follow_up_not_yet_done_cannot_be_named(coordinator, discharged):
    duplex = two_week_duplex(discharged)

    refused(
        coordinator,
        discharged,
        {"cause": "occlusion", "segments": [STENTED], "follow_up": duplex.id},
    )


def test_a_completed_follow_up_that_is_not_a_duplex_cannot_be_named(coordinator, nurse, discharged):
    inr = discharged.follow_ups.filter(kind="inr_check").order_by("due_on").first()
    task_services.followup_record_result(
        actor=nurse, follow_up_id=inr.id, performed_on=days_ago(0), inr=Decimal("2.5")
    )

    refused(
        coordinator,
        discharged,
        {"cause": "occlusion", "segments": [STENTED], "follow_up": inr.id},
    )


def test_another_episodes_duplex_cannot_be_named(coordinator, nurse, discharged):
    other = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(20))
    theirs = two_week_duplex(other)
    record_duplex(nurse, theirs, "occluded")

    refused(
        coordinator,
        discharged,
        {"cause": "occlusion", "segments": [STENTED], "follow_up": theirs.id},
    )


def test_a_follow_up_that_does_not_exist_cannot_be_named(coordinator, discharged):
    refused(
        coordinator,
        discharged,
        {"cause": "occlusion", "segments": [STENTED], "follow_up": 987654},
    )


def test_an_inr_visit_cannot_be_named_as_the_duplex(coordinator, nurse, discharged):
    visit = task_services.visit_record(
        actor=nurse,
        episode_id=discharged.id,
        kind="inr_check",
        performed_on=days_ago(0),
        inr=Decimal("2.4"),
    )

    refused(
        coordinator,
        discharged,
        {"cause": "stenosis", "segments": [STENTED], "visit": visit.id},
    )


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("withdraw", {"reason": "Moved abroad."}),
        ("complete", {"reason": "Finished early."}),
    ],
)
def test_other_moves_take_no_reintervention_codes(coordinator, discharged, name, kwargs):
    before = moves(discharged)

    with pytest.raises(InvalidInput) as excinfo:
        services.episode_transition(
            episode_id=discharged.id,
            name=name,
            actor=coordinator,
            reintervention={"cause": "symptoms"},
            **kwargs,
        )

    assert "reintervention" in excinfo.value.errors
    assert Episode.objects.get(id=discharged.id).state == State.SURVEILLANCE
    assert moves(discharged) == before
