"""Anticoagulation never stops silently (pathway.md section 7): a finite course brings an
anticoagulation review 4 weeks before its planned end, and reaching that end with no decision
recorded (stop, continue, change) and no stop raises one `course_ending` alert for the
coordinator, emailed at once; recording the decision or the stop resolves it."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from core.dates import add_months
from demo import walk as demo
from pathway.codes import State
from tasks import jobs, selectors, services
from tasks.models import Alert, Delivery
from tasks.services.course_end import course_endings_alert
from tests.factories import PatientFactory
from tests.tasks.course_support import change, start
from tests.tasks.support import DISCHARGED_ON, at, discharge, move, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date
ENDS_ON = D(2025, 2, 3)  # a 12-month course started at the discharge, 3 Feb 2024
WORDS = (
    "Rivaroxaban (started 2024-02-03, planned for 12 months) reached its planned end on "
    "2025-02-03 with no decision recorded: stop, continue or change"
)


@pytest.fixture
def enqueued(monkeypatch):
    """What the delivery task was asked to send, instead of asking Redis."""
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


def ending():
    return Alert.objects.filter(kind="course_ending")


def on_a_year_of_rivaroxaban(coordinator, clock, **discharge_kwargs):
    episode = discharge(coordinator, clock, anticoagulant="doac", **discharge_kwargs)
    course = start(coordinator, episode, "rivaroxaban", DISCHARGED_ON, planned_duration_months=12)
    return episode, course


def kinds_in_inbox(client) -> list[str]:
    return [a["kind"] for a in client.get("/api/alerts/").json()]


def end_review(episode):
    return episode.follow_ups.filter(anchor="course_end", cancelled_at__isnull=True)


# --- the hand-computed case ----------------------------------------------------------------------
def test_a_twelve_month_course_raises_its_review_at_month_11_and_its_end_alert_at_month_12(
    coordinator, nurse, clock, enqueued, django_capture_on_commit_callbacks
):
    episode, course = on_a_year_of_rivaroxaban(coordinator, clock)
    assert course.planned_end == ENDS_ON

    [review] = end_review(episode)
    assert (review.kind, review.course_id, review.created_by.name) == (
        "anticoagulation_review",
        course.id,
        "discharge",
    )
    # Four weeks before the end, in month 11, with the review rule's window of 7 days.
    assert (review.due_on, review.window_opens_on, review.window_closes_on) == (
        D(2025, 1, 6),
        D(2024, 12, 30),
        D(2025, 1, 13),
    )
    assert add_months(DISCHARGED_ON, 11) <= review.due_on < add_months(DISCHARGED_ON, 12)
    sweep_on(clock, D(2024, 12, 29))
    assert not Alert.objects.filter(follow_up=review).exists()
    sweep_on(clock, D(2024, 12, 30))
    assert Alert.objects.filter(follow_up=review, kind="due", recipient=nurse).exists()

    assert sweep_on(clock, D(2025, 2, 2)).course_endings == 0  # the day before the end
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_on(clock, ENDS_ON).course_endings == 1

    [alert] = ending()
    assert (alert.episode_id, alert.course_id, alert.recipient_id, alert.unrouted) == (
        episode.id,
        course.id,
        coordinator.id,
        False,
    )
    assert alert.finding == {"text": WORDS} and alert.follow_up_id is None
    assert alert.delivery.id in enqueued and alert.delivery.digest is False  # emailed at once
    for day in (ENDS_ON, D(2025, 2, 4), D(2025, 6, 1)):
        assert sweep_on(clock, day).course_endings == 0
    assert ending().count() == 1


# --- what answers it -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"end_decision": "continue"}, "Rivaroxaban: decided at its planned end to continue."),
        ({"stopped_on": ENDS_ON}, "Rivaroxaban stopped on 2025-02-03."),
    ],
    ids=["decision", "stop"],
)
def test_recording_the_decision_or_the_stop_resolves_the_end_alert(
    coordinator, as_coordinator, clock, answer, words
):
    _, course = on_a_year_of_rivaroxaban(coordinator, clock)
    sweep_on(clock, D(2025, 2, 5))
    assert "course_ending" in kinds_in_inbox(as_coordinator)

    change(coordinator, course, "Provoked DVT: a year is enough.", **answer)

    [alert] = ending()
    assert alert.resolved_at is not None
    assert alert.resolved_reason == f"{words} Provoked DVT: a year is enough."
    assert "course_ending" not in kinds_in_inbox(as_coordinator)
    assert sweep_on(clock, D(2025, 2, 6)).course_endings == 0


def test_a_course_decided_or_stopped_before_its_end_or_lifelong_raises_nothing(coordinator, clock):
    decided = on_a_year_of_rivaroxaban(coordinator, clock)[1]
    stopped = on_a_year_of_rivaroxaban(coordinator, clock)[1]
    lifelong = discharge(coordinator, clock, anticoagulant="doac")
    start(coordinator, lifelong, "apixaban", DISCHARGED_ON)
    clock.move_to(at(D(2025, 1, 6)))
    change(coordinator, decided, "Reviewed: lifelong.", end_decision="continue")
    change(coordinator, stopped, "Bleeding.", stopped_on=D(2025, 1, 6))

    assert sweep_on(clock, D(2025, 3, 1)).course_endings == 0
    assert not ending().exists()
    assert not end_review(lifelong).exists()


@pytest.mark.parametrize(
    ("exit_move", "extra"),
    [("withdraw", {"reason": "Moved abroad."}), ("record_death", {"effective_on": D(2024, 6, 1)})],
)
def test_no_end_alert_for_a_closed_episode_or_a_patient_who_died(
    coordinator, clock, exit_move, extra
):
    episode, _ = on_a_year_of_rivaroxaban(coordinator, clock)
    clock.move_to(at(D(2024, 6, 1)))
    move(coordinator, episode, exit_move, **extra)

    assert sweep_on(clock, D(2025, 3, 1)).course_endings == 0
    assert not end_review(episode).exists()  # cancelled by the exit


def test_an_exit_resolves_an_open_end_alert(coordinator, clock):
    episode, _ = on_a_year_of_rivaroxaban(coordinator, clock)
    sweep_on(clock, D(2025, 2, 5))
    clock.move_to(at(D(2025, 2, 6)))

    move(coordinator, episode, "withdraw", reason="Care moved to another unit.")

    [alert] = ending()
    assert alert.resolved_by == episode.history.get(name="withdraw")


# --- the review follows the course ---------------------------------------------------------------
def test_the_review_moves_with_a_new_planned_duration_and_goes_when_the_course_stops_early(
    coordinator, clock
):
    episode, course = on_a_year_of_rivaroxaban(coordinator, clock)
    [review] = end_review(episode)
    clock.move_to(at(D(2024, 3, 1)))

    change(coordinator, course, "Unprovoked: 6 months more.", planned_duration_months=18)

    [moved] = end_review(episode)
    assert (moved.id, moved.due_on) == (review.id, D(2025, 7, 6))  # 3 Aug 2025 less 28 days
    clock.move_to(at(D(2024, 5, 1)))

    change(coordinator, course, "Switched to warfarin.", stopped_on=D(2024, 5, 1))

    assert not end_review(episode).exists()
    review.refresh_from_db()
    assert review.cancel_reason == "Rivaroxaban stopped on 2024-05-01. Switched to warfarin."


def test_a_finite_course_running_at_discharge_gets_its_review_from_the_discharge(
    coordinator, clock
):
    clock.move_to(at(D(2024, 1, 31)))
    episode = demo.walk_to(coordinator, PatientFactory(), State.POST_OP)
    course = start(coordinator, episode, "warfarin", D(2024, 1, 31), planned_duration_months=3)
    clock.move_to(at(D(2024, 2, 3)))
    demo.prepare_and_move(coordinator, episode, "discharge")

    [review] = end_review(episode)
    assert (review.course_id, review.due_on) == (course.id, D(2024, 4, 2))  # 30 Apr less 28


# --- who is told, and at what cost ----------------------------------------------------------------
def test_the_assigned_coordinator_is_told_else_every_coordinator_else_the_admins(
    coordinator, admin_user, clock
):
    second = user_in("coordinator", "coordinator-2")
    assigned, _ = on_a_year_of_rivaroxaban(coordinator, clock)
    anyone, _ = on_a_year_of_rivaroxaban(coordinator, clock)
    assigned.assigned_coordinator = second
    assigned.save(update_fields=["assigned_coordinator"])

    sweep_on(clock, ENDS_ON)

    def told(episode):
        return sorted(ending().filter(episode=episode).values_list("recipient_id", "unrouted"))

    assert told(assigned) == [(second.id, False)]
    assert told(anyone) == sorted([(coordinator.id, False), (second.id, False)])

    nobody, _ = on_a_year_of_rivaroxaban(coordinator, clock)
    Group.objects.get(name="coordinator").user_set.update(is_active=False)  # nobody on duty
    sweep_on(clock, ENDS_ON)
    assert told(nobody) == [(admin_user.id, True)]


def test_the_course_end_sweep_costs_the_same_queries_for_one_or_many_courses(
    coordinator, clock, django_assert_max_num_queries
):
    on_a_year_of_rivaroxaban(coordinator, clock)
    with django_assert_max_num_queries(10) as one:
        assert course_endings_alert(today=ENDS_ON) == 1
    for _ in range(6):
        on_a_year_of_rivaroxaban(coordinator, clock)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert course_endings_alert(today=ENDS_ON) == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_write_each_end_alert_once(coordinator, monkeypatch):
    monkeypatch.setattr(jobs.deliver_alert, "delay", lambda delivery_id: None)
    today = timezone.localdate()
    long_ago = today - dt.timedelta(days=200)
    for _ in range(10):
        episode = demo.walk_to(coordinator, PatientFactory(), State.POST_OP, on=long_ago)
        start(coordinator, episode, "apixaban", long_ago, planned_duration_months=6)
    start_line, written, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            start_line.wait()
            written.append(course_endings_alert(today=today))
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
    assert sum(written) == 10
    assert ending().count() == 10
    assert Delivery.objects.filter(alert__kind="course_ending").count() == 10


# --- where it is shown ---------------------------------------------------------------------------
def test_an_end_alert_reads_in_words_in_the_inbox_the_api_the_email_and_the_dashboard(
    coordinator, admin_user, as_coordinator, client, clock, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    patient = PatientFactory(given_name="Philippa", family_name="Quartermaine", mrn="RX55231")
    episode, _ = on_a_year_of_rivaroxaban(coordinator, clock, patient=patient)
    sweep_on(clock, ENDS_ON)
    [alert] = ending()

    [row] = [a for a in as_coordinator.get("/api/alerts/").json() if a["kind"] == "course_ending"]
    assert (row["kind"], row["subject"], row["follow_up"], row["due_on"]) == (
        "course_ending",
        WORDS,
        None,
        None,
    )
    [inbox] = selectors.alert_inbox(actor=coordinator).filter(kind="course_ending")
    assert inbox.urgency == selectors.LATE  # with the stalled and the escalated

    client.force_login(coordinator)
    page = client.get("/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert WORDS in html and "Course at its end" in html

    assert services.delivery_send(delivery_id=alert.delivery.id) is True
    [email] = mailoutbox
    assert f"Episode {episode.id}: {WORDS}." in email.body
    for detail in ("Philippa", "Quartermaine", "RX55231"):
        assert detail not in f"{email.subject}\n{email.body}"

    client.force_login(admin_user)
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert {row[0]: row[1] for row in dashboard.context["alerts"]}["Course at its end"] == 1
