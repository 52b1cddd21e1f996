"""Alerts leave the building by email: escalations and urgent results at once, routine alerts
in one daily digest per nurse, each email sent once however often the work is retried, and
no patient details in any of them (pathway.md section 4)."""

import datetime as dt

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from tasks import jobs, services
from tasks.models import Alert, Delivery, UnitSettings
from tests.factories import PatientFactory
from tests.tasks.support import at, discharge, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date
# For a DOAC patient operated on 31 Jan: the 2-week duplex and review (due 14 Feb) open on
# 7 Feb, are overdue from 22 Feb and escalate on 7 Mar; the 6-week ones open on 6 Mar.
TWO_WEEK_OPENS, TWO_WEEK_OVERDUE, TWO_WEEK_ESCALATES = D(2024, 2, 7), D(2024, 2, 22), D(2024, 3, 7)
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class SmtpDown(Exception):
    pass


class BrokenBackend(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, email_messages):
        raise SmtpDown("connection refused")


class RefusesOneAddressBackend(LocmemBackend):
    """Delivers like locmem, except to one mailbox that no longer exists."""

    def send_messages(self, messages):
        if any("gone@" in addr for m in messages for addr in m.to):
            raise SmtpDown("550 no such user")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def email(settings):
    settings.EMAIL_BACKEND = LOCMEM


@pytest.fixture
def patient(db):
    return PatientFactory(given_name="Philippa", family_name="Quartermaine", mrn="RX55231")


@pytest.fixture
def coordinator_with_email(coordinator):
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    return coordinator


@pytest.fixture
def nurse_with_email(nurse):
    nurse.email = "nurse@unit.example"
    nurse.save()
    return nurse


@pytest.fixture
def episode(coordinator, clock, patient):
    return discharge(coordinator, clock, patient=patient, anticoagulant="doac")


@pytest.fixture
def enqueued(monkeypatch):
    """What the delivery task was asked to do, instead of asking Redis."""
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


def assert_no_patient_details(message, patient):
    text = f"{message.subject}\n{message.body}"
    for detail in (patient.given_name, patient.family_name, patient.mrn):
        assert detail not in text


# --- at once: escalation and urgent results ---------------------------------------------------
def test_an_escalation_is_emailed_to_the_coordinator_once_after_the_sweep_commits(
    coordinator_with_email,
    nurse_with_email,
    episode,
    patient,
    clock,
    mailoutbox,
    enqueued,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sweep_on(clock, TWO_WEEK_ESCALATES)
    assert enqueued == []  # nothing goes to the broker before the sweep's transaction commits

    escalations = Delivery.objects.filter(alert__kind="escalation")
    assert escalations.count() == 2
    assert not escalations.filter(digest=True).exists()
    assert not Delivery.objects.filter(alert__kind="overdue", digest=False).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(enqueued) == sorted(escalations.values_list("id", flat=True))

    sent = [services.delivery_send(delivery_id=i) for i in enqueued]
    again = [services.delivery_send(delivery_id=i) for i in enqueued]

    assert sent == [True, True] and again == [False, False]
    assert len(mailoutbox) == 2
    assert {tuple(m.to) for m in mailoutbox} == {("coordinator@unit.example",)}
    for message in mailoutbox:
        assert f"Episode {episode.id}" in message.body
        assert "escalated" in message.body
        assert_no_patient_details(message, patient)
    assert all(d.sent_at and d.attempts == 1 for d in escalations)


def test_an_urgent_result_is_emailed_at_once_through_the_delivery_task(
    coordinator_with_email,
    nurse,
    episode,
    patient,
    clock,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    monkeypatch.setattr(
        jobs.deliver_alert, "delay", lambda i: jobs.deliver_alert.apply(args=[i]).get()
    )  # the worker, run here
    clock.move_to(at(D(2024, 3, 13)))
    six_weeks = episode.follow_ups.get(kind="duplex", due_on=D(2024, 3, 13))

    with django_capture_on_commit_callbacks(execute=True):
        services.followup_record_result(
            actor=nurse,
            follow_up_id=six_weeks.id,
            performed_on=D(2024, 3, 13),
            segments=[{"segment": "left_common_iliac", "result": "stenosis"}],
        )

    delivery = Delivery.objects.get()
    assert (delivery.alert.kind, delivery.digest) == ("urgent_result", False)
    assert delivery.sent_at is not None
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["coordinator@unit.example"]
    assert "urgent result" in message.body
    assert_no_patient_details(message, patient)
    assert services.delivery_send(delivery_id=delivery.id) is False
    assert len(mailoutbox) == 1


def test_a_recipient_without_an_email_address_keeps_the_alert_in_the_app_only(
    coordinator, nurse, episode, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        sweep_on(clock, TWO_WEEK_ESCALATES)
    delivery = Delivery.objects.filter(digest=False).first()

    assert services.delivery_send(delivery_id=delivery.id) is True

    delivery.refresh_from_db()
    assert mailoutbox == []
    assert delivery.sent_at is not None and "inbox only" in delivery.last_error
    assert Alert.objects.filter(recipient=coordinator, acknowledged_at__isnull=True).count() == 2


# --- a failing mail server --------------------------------------------------------------------
def test_a_send_that_fails_is_recorded_and_succeeds_once_when_retried(
    coordinator_with_email,
    nurse,
    episode,
    clock,
    settings,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        sweep_on(clock, TWO_WEEK_ESCALATES)
    delivery = Delivery.objects.filter(digest=False).first()
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"

    for _ in range(2):
        with pytest.raises(SmtpDown):
            services.delivery_send(delivery_id=delivery.id)

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error, delivery.sent_at) == (2, "SmtpDown", None)

    settings.EMAIL_BACKEND = LOCMEM
    assert services.delivery_send(delivery_id=delivery.id) is True
    assert services.delivery_send(delivery_id=delivery.id) is False
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.attempts == 3
    assert delivery.last_error == ""  # the earlier failure no longer shows on a sent email
    assert len(mailoutbox) == 1


def test_the_delivery_task_retries_a_failing_send_and_then_sends_once(
    coordinator_with_email, nurse, episode, clock, settings, mailoutbox
):
    sweep_on(clock, TWO_WEEK_ESCALATES)
    delivery = Delivery.objects.filter(digest=False).first()
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"

    failed = jobs.deliver_alert.apply(args=[delivery.id])  # run eagerly: retries back to back

    assert failed.state == "FAILURE"
    delivery.refresh_from_db()
    assert delivery.sent_at is None
    assert delivery.attempts == services.MAX_ATTEMPTS + 1  # the first try and every retry
    assert mailoutbox == []

    settings.EMAIL_BACKEND = LOCMEM
    assert jobs.deliver_alert.apply(args=[delivery.id]).get() is True
    assert jobs.deliver_alert.apply(args=[delivery.id]).get() is False
    assert len(mailoutbox) == 1


# --- requeueing what was left behind ----------------------------------------------------------
def test_immediate_deliveries_left_unsent_for_five_minutes_are_enqueued_again(
    coordinator_with_email,
    nurse,
    episode,
    clock,
    enqueued,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):  # Redis was down: nothing enqueued
        sweep_on(clock, TWO_WEEK_ESCALATES, hour=10)
    immediate = set(Delivery.objects.filter(digest=False).values_list("id", flat=True))
    assert len(immediate) == 2 and Delivery.objects.filter(digest=True).exists()
    services.delivery_send(delivery_id=min(immediate))  # one of them did go out

    clock.move_to(at(TWO_WEEK_ESCALATES, 10) + dt.timedelta(minutes=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale() == 0
    assert enqueued == []

    clock.move_to(at(TWO_WEEK_ESCALATES, 10) + dt.timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale() == 1
    assert enqueued == [max(immediate)]  # not the sent one, and never a digest

    with django_capture_on_commit_callbacks(execute=True):  # the next sweep does it too
        services.followups_sweep()
    assert enqueued == [max(immediate)] * 2


def test_a_delivery_that_keeps_failing_is_not_requeued_for_ever(
    coordinator_with_email, nurse, episode, clock, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        sweep_on(clock, TWO_WEEK_ESCALATES)
    Delivery.objects.filter(digest=False).update(attempts=services.MAX_ATTEMPTS)
    clock.move_to(at(TWO_WEEK_ESCALATES, 12))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale() == 0
    assert enqueued == []


def test_a_broker_that_is_down_loses_nothing(
    coordinator_with_email, nurse, episode, clock, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(delivery_id):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(jobs.deliver_alert, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_on(clock, TWO_WEEK_ESCALATES)  # does not raise

    assert result.alerts == 6  # 2 overdue and 2 due to the nurse, 2 escalations
    assert Delivery.objects.filter(digest=False, sent_at__isnull=True).count() == 2


# --- the daily digest -------------------------------------------------------------------------
def test_routine_alerts_reach_each_nurse_as_one_digest_a_day_after_the_digest_hour(
    coordinator, nurse_with_email, episode, patient, clock, mailoutbox
):
    second = user_in("nurse", "nurse-2")
    sweep_on(clock, TWO_WEEK_OPENS, hour=6)
    assert set(Delivery.objects.values_list("digest", flat=True)) == {True}

    clock.move_to(at(TWO_WEEK_OPENS, 7) + dt.timedelta(minutes=59))
    assert services.digests_send() == 0
    assert mailoutbox == []

    clock.move_to(at(TWO_WEEK_OPENS, 8))
    assert services.digests_send() == 4  # two alerts each for two nurses

    assert sorted(m.to[0] for m in mailoutbox) == ["nurse-2@unit.example", "nurse@unit.example"]
    for message in mailoutbox:
        assert message.body.count(f"Episode {episode.id}:") == 2
        assert "Duplex ultrasound follow-up due 2024-02-14 is due" in message.body
        assert "Anticoagulation review follow-up due 2024-02-14 is due" in message.body
        assert_no_patient_details(message, patient)
    assert not Delivery.objects.filter(sent_at__isnull=True).exists()

    clock.move_to(at(TWO_WEEK_OPENS, 16))
    assert services.digests_send() == 0
    assert len(mailoutbox) == 2

    sweep_on(clock, TWO_WEEK_OVERDUE, hour=9)
    assert services.digests_send() == 4
    latest = [m for m in mailoutbox[2:] if m.to == [second.email]]
    assert len(latest) == 1
    assert latest[0].body.count("is overdue") == 2 and " is due" not in latest[0].body


def test_alerts_raised_after_todays_digest_wait_for_tomorrows(
    coordinator, nurse_with_email, episode, clock, mailoutbox
):
    sweep_on(clock, TWO_WEEK_OPENS, hour=7)
    clock.move_to(at(TWO_WEEK_OPENS, 8))
    assert services.digests_send() == 2

    # A patient discharged late in the morning, whose 2-week visit is already open.
    later = discharge(coordinator, clock, procedure_on=D(2024, 1, 24), discharged_on=TWO_WEEK_OPENS)
    sweep_on(clock, TWO_WEEK_OPENS, hour=11)
    assert Delivery.objects.filter(alert__episode=later, sent_at__isnull=True).count() == 2

    clock.move_to(at(TWO_WEEK_OPENS, 15))
    assert services.digests_send() == 0
    assert len(mailoutbox) == 1

    clock.move_to(at(TWO_WEEK_OPENS + dt.timedelta(days=1), 8))
    assert services.digests_send() == 2
    assert len(mailoutbox) == 2
    assert f"Episode {later.id}:" in mailoutbox[1].body
    assert f"Episode {episode.id}:" not in mailoutbox[1].body


def test_the_unit_chooses_the_digest_hour(nurse_with_email, episode, clock, mailoutbox):
    UnitSettings.objects.filter(pk=1).update(digest_hour=6)
    sweep_on(clock, TWO_WEEK_OPENS, hour=5)
    assert services.digests_send() == 0

    clock.move_to(at(TWO_WEEK_OPENS, 6))
    assert services.digests_send() == 2
    assert len(mailoutbox) == 1


def test_one_nurses_dead_mailbox_does_not_hold_up_the_others_digests(
    nurse, episode, clock, settings, mailoutbox
):
    nurse.email = "gone@unit.example"
    nurse.save()
    user_in("nurse", "nurse-2")
    settings.EMAIL_BACKEND = f"{__name__}.RefusesOneAddressBackend"
    sweep_on(clock, TWO_WEEK_OPENS, hour=9)

    assert services.digests_send() == 2  # the other nurse's digest still goes out

    assert [m.to for m in mailoutbox] == [["nurse-2@unit.example"]]
    unsent = Delivery.objects.filter(sent_at__isnull=True)
    assert set(unsent.values_list("alert__recipient", flat=True)) == {nurse.id}
    assert all(d.attempts == 1 and d.last_error for d in unsent)  # the failure is on record
