"""Stalled episodes (pathway.md section 6): an episode waiting longer than the unit allows in
MDT discussion after a 'defer', in imaging, booked for the procedure (after a re-intervention
too), or with its thrombophilia result still pending months after discharge, raises one
`stalled` alert for its coordinator, emailed at once; any move resolves it."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from demo import walk as demo
from pathway import services as pathway_services
from pathway.codes import State
from pathway.models import SelectionAssessment
from tasks import jobs, services
from tasks.models import Alert, Delivery
from tests.factories import PatientFactory
from tests.tasks.support import at, discharge, move, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date
BOOKED = D(2024, 1, 1)


def stalled():
    return Alert.objects.filter(kind="stalled")


def walked(coordinator, clock, state, on=BOOKED, patient=None):
    clock.move_to(at(on))
    return demo.walk_to(coordinator, patient or PatientFactory(), state, on=on)


@pytest.fixture
def enqueued(monkeypatch):
    """What the delivery task was asked to send, instead of asking Redis."""
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


def test_an_episode_waiting_in_imaging_too_long_alerts_its_coordinator_once_by_email(
    coordinator, nurse, clock, enqueued, django_capture_on_commit_callbacks
):
    episode = walked(coordinator, clock, State.IMAGING)

    assert sweep_on(clock, D(2024, 1, 15)).stalled == 0  # 14 days: the limit, not beyond it
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_on(clock, D(2024, 1, 16)).stalled == 1

    [alert] = stalled()
    assert (alert.episode_id, alert.recipient_id, alert.stall) == (
        episode.id,
        coordinator.id,
        "imaging",
    )
    assert alert.stall_move == episode.history.get(name="approve")
    assert alert.finding == {"text": "Waiting 15 days in imaging (limit 14)"}
    assert alert.follow_up_id is None and not alert.unrouted
    assert enqueued == [alert.delivery.id] and alert.delivery.digest is False

    for day in (D(2024, 1, 16), D(2024, 1, 17), D(2024, 2, 20)):
        assert sweep_on(clock, day).stalled == 0
    assert stalled().count() == 1


def test_a_deferred_mdt_stalls_counted_from_the_deferral(coordinator, clock):
    episode = walked(coordinator, clock, State.MDT_DISCUSSION)
    waiting = walked(coordinator, clock, State.MDT_DISCUSSION)  # no decision yet
    clock.move_to(at(D(2024, 1, 3)))
    demo.record_mdt(coordinator, episode, decision="defer", date=D(2024, 1, 3))

    sweep_on(clock, D(2024, 1, 17))
    assert not stalled().exists()
    sweep_on(clock, D(2024, 1, 18))

    [alert] = stalled()
    assert (alert.episode_id, alert.stall) == (episode.id, "mdt_defer")
    assert alert.stall_move == episode.history.get(name="refer_to_mdt")
    assert "Waiting 15 days in MDT discussion after a 'defer' decision" in alert.finding["text"]
    assert not stalled().filter(episode=waiting).exists()


def test_a_later_decision_to_proceed_ends_the_deferral(coordinator, clock):
    episode = walked(coordinator, clock, State.MDT_DISCUSSION)
    demo.record_mdt(coordinator, episode, decision="defer", date=BOOKED)
    clock.move_to(at(D(2024, 1, 5)))
    demo.record_mdt(coordinator, episode, decision="proceed", date=D(2024, 1, 5))

    sweep_on(clock, D(2024, 2, 1))

    assert not stalled().exists()


def test_a_booked_procedure_stalls_after_seven_days(coordinator, clock):
    episode = walked(coordinator, clock, State.PROCEDURE)

    sweep_on(clock, D(2024, 1, 8))
    assert not stalled().exists()
    sweep_on(clock, D(2024, 1, 9))

    [alert] = stalled()
    assert (alert.stall, alert.stall_move) == (
        "procedure",
        episode.history.get(name="schedule_procedure"),
    )
    assert alert.finding == {"text": "Waiting 8 days for the procedure (limit 7)"}


def test_a_re_intervention_waiting_too_long_stalls_too(coordinator, clock):
    episode = discharge(coordinator, clock)
    clock.move_to(at(D(2024, 2, 5)))
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Leg swelling again.",
        reintervention={"cause": "symptoms", "segments": ["left_common_iliac"]},
    )

    sweep_on(clock, D(2024, 2, 13))

    [alert] = stalled()
    assert (alert.stall, alert.stall_move) == ("procedure", episode.history.get(name="reintervene"))


def test_a_thrombophilia_result_still_pending_ninety_days_after_discharge_alerts(
    coordinator, clock
):
    episode = discharge(coordinator, clock)  # discharged 3 Feb 2024
    selection = SelectionAssessment.objects.get(episode=episode)
    pathway_services.selection_record(
        actor=coordinator,
        episode_id=episode.id,
        assessed_on=selection.assessed_on,
        symptom_onset=selection.symptom_onset,
        indications=selection.indications,
        contraindications=selection.contraindications,
        fit_for_procedure=selection.fit_for_procedure,
        thrombus_segments=selection.thrombus_segments,
        thrombophilia="pending",
        reason="Thrombophilia screen sent to the laboratory.",
    )

    sweep_on(clock, D(2024, 5, 3))  # 90 days
    assert not stalled().exists()
    sweep_on(clock, D(2024, 5, 4))

    [alert] = stalled()
    assert (alert.stall, alert.stall_move) == (
        "thrombophilia",
        episode.history.get(name="discharge"),
    )
    assert alert.finding == {
        "text": "Thrombophilia result pending 91 days after discharge (limit 90)"
    }


def test_episodes_waiting_within_the_units_limits_raise_nothing(coordinator, clock):
    walked(coordinator, clock, State.IMAGING)
    walked(coordinator, clock, State.PROCEDURE)
    discharge(coordinator, clock)  # thrombophilia not tested: a warning, not a stall

    sweep_on(clock, D(2024, 1, 8))

    assert not stalled().exists()


# --- who is told -------------------------------------------------------------------------------
def test_the_assigned_coordinator_is_told_else_every_coordinator_else_the_admins(
    coordinator, admin_user, clock
):
    second = user_in("coordinator", "coordinator-2")
    assigned = walked(coordinator, clock, State.IMAGING)
    anyone = walked(coordinator, clock, State.IMAGING)
    later = walked(coordinator, clock, State.IMAGING, on=D(2024, 1, 2))
    assigned.assigned_coordinator = second
    assigned.save(update_fields=["assigned_coordinator"])

    sweep_on(clock, D(2024, 1, 16))

    def told(episode):
        return sorted(stalled().filter(episode=episode).values_list("recipient_id", "unrouted"))

    assert told(assigned) == [(second.id, False)]
    assert told(anyone) == sorted([(coordinator.id, False), (second.id, False)])
    assert told(later) == []

    Group.objects.get(name="coordinator").user_set.update(is_active=False)  # nobody on duty
    sweep_on(clock, D(2024, 1, 17))
    assert told(later) == [(admin_user.id, True)]


# --- any move ends it ---------------------------------------------------------------------------
def test_any_move_resolves_the_stalled_alert_and_undoing_that_move_brings_it_back(
    coordinator, admin_user, as_coordinator, clock
):
    episode = walked(coordinator, clock, State.IMAGING)
    sweep_on(clock, D(2024, 1, 16))
    [alert] = stalled()
    assert [a["kind"] for a in as_coordinator.get("/api/alerts/").json()] == ["stalled"]

    booked = demo.prepare_and_move(coordinator, episode, "schedule_procedure")

    alert.refresh_from_db()
    assert alert.resolved_by == booked.history.get(name="schedule_procedure")
    assert "schedule_procedure" in alert.resolved_reason
    assert as_coordinator.get("/api/alerts/").json() == []

    move(admin_user, episode, "correct", reason="Booked on the wrong patient.")
    sweep_on(clock, D(2024, 1, 17))

    alert.refresh_from_db()
    assert alert.resolved_at is None
    assert stalled().count() == 1  # the same stall: reopened, not raised again


# --- cost and concurrency -----------------------------------------------------------------------
def test_the_stalled_sweep_costs_the_same_queries_for_one_or_many_stalled_episodes(
    coordinator, clock, django_assert_max_num_queries
):
    walked(coordinator, clock, State.IMAGING)
    sweep = D(2024, 1, 20)
    with django_assert_max_num_queries(20) as one:
        assert services.stalled_episodes_alert(today=sweep) == 1
    for i in range(8):
        state = (State.IMAGING, State.PROCEDURE, State.MDT_DISCUSSION)[i % 3]
        episode = walked(coordinator, clock, state)
        if state == State.MDT_DISCUSSION:
            demo.record_mdt(coordinator, episode, decision="defer", date=BOOKED)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert services.stalled_episodes_alert(today=sweep) == 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_write_each_stalled_alert_once(coordinator, monkeypatch):
    monkeypatch.setattr(jobs.deliver_alert, "delay", lambda delivery_id: None)
    today = timezone.localdate()
    for _ in range(20):
        demo.walk_to(coordinator, PatientFactory(), State.IMAGING, on=today - dt.timedelta(30))
    start, written, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            start.wait()
            written.append(services.stalled_episodes_alert(today=today))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sum(written) == 20
    assert stalled().count() == 20
    assert Delivery.objects.filter(alert__kind="stalled").count() == 20


# --- where it is shown ---------------------------------------------------------------------------
def test_a_stalled_alert_reads_in_words_in_the_inbox_the_api_the_email_and_the_dashboard(
    coordinator, admin_user, as_coordinator, client, clock, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    patient = PatientFactory(given_name="Philippa", family_name="Quartermaine", mrn="RX55231")
    episode = walked(coordinator, clock, State.IMAGING, patient=patient)
    sweep_on(clock, D(2024, 1, 16))
    [alert] = stalled()
    words = "Waiting 15 days in imaging (limit 14)"

    [row] = as_coordinator.get("/api/alerts/").json()
    assert (row["kind"], row["subject"], row["follow_up"], row["due_on"]) == (
        "stalled",
        words,
        None,
        None,
    )

    client.force_login(coordinator)
    page = client.get("/inbox/")
    assert page.status_code == 200
    assert words in page.content.decode()

    assert services.delivery_send(delivery_id=alert.delivery.id) is True
    [email] = mailoutbox
    assert f"Episode {episode.id}: {words}." in email.body
    for detail in ("Philippa", "Quartermaine", "RX55231"):
        assert detail not in f"{email.subject}\n{email.body}"

    client.force_login(admin_user)
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert {row[0]: row[1] for row in dashboard.context["alerts"]}["Stalled"] == 1


def test_an_exclusion_resolves_the_stalled_alert_and_its_correction_reopens_it(
    coordinator, admin_user, clock
):
    episode = walked(coordinator, clock, State.IMAGING)
    sweep_on(clock, D(2024, 1, 16))
    clock.move_to(at(D(2024, 1, 16), 11))
    move(coordinator, episode, "exclude", reason="Chose anticoagulation alone.")

    [alert] = stalled()
    assert alert.resolved_by == episode.history.get(name="exclude")
    assert sweep_on(clock, D(2024, 1, 20)).stalled == 0

    move(admin_user, episode, "correct", reason="Excluded the wrong patient.")
    alert.refresh_from_db()
    assert alert.resolved_at is None
    assert sweep_on(clock, D(2024, 1, 21)).stalled == 0
