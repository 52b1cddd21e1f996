"""Emails go out with no transaction open and no row lock held: a delivery is claimed in a short
transaction, sent, then marked sent in another, like healthchecks' sendalerts. A claim keeps
other workers off while it lives and expires if its worker dies, so an email is never lost; a
crash between the send and the mark sends it again (at least once)."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections, transaction

from tasks import jobs, services
from tasks.models import Alert, Delivery
from tasks.services import delivery as delivery_module
from tests.tasks.support import at, discharge, sweep_on, user_in

D = dt.date
# For a DOAC patient operated on 31 Jan (tests/tasks/support.py): the 2-week follow-ups open on
# 7 Feb and escalate on 7 Mar.
TWO_WEEK_OPENS, TWO_WEEK_ESCALATES = D(2024, 2, 7), D(2024, 3, 7)
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class WorkerKilled(BaseException):
    """The worker process dies here: no `except Exception` runs, nothing is cleaned up."""


@pytest.fixture(autouse=True)
def email(settings):
    settings.EMAIL_BACKEND = LOCMEM


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
def episode(coordinator, clock):
    return discharge(coordinator, clock, anticoagulant="doac")


@pytest.fixture
def enqueued(monkeypatch):
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


def _escalations(clock, django_capture_on_commit_callbacks) -> list[Delivery]:
    with django_capture_on_commit_callbacks(execute=False):
        sweep_on(clock, TWO_WEEK_ESCALATES, hour=10)
    return list(Delivery.objects.filter(alert__kind="escalation").order_by("id"))


def _row(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(id=delivery.id)


def _seen_from_another_connection(main_pid: int, delivery_ids: list[int], user_id: int) -> dict:
    """What a second connection sees while the email is being sent: the sender's connection
    state, and whether the delivery rows and the recipient's row can be locked at once."""
    seen = {}

    def look():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [main_pid])
                seen["state"] = cursor.fetchone()[0]
            with transaction.atomic():
                locked = Delivery.objects.select_for_update(nowait=True).filter(id__in=delivery_ids)
                seen["deliveries_locked"] = len(list(locked))
                users = get_user_model().objects.select_for_update(nowait=True)
                seen["user_locked"] = len(list(users.filter(id=user_id)))
        except Exception as exc:  # reported to the test, not lost in the thread
            seen["error"] = repr(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(10)
    return seen


@pytest.fixture
def spy_on_send(monkeypatch):
    """Wraps send_mail: at each send, records whether a transaction was open and what another
    connection could lock, then sends."""
    observations = []
    real = delivery_module.send_mail

    def send_mail(*, recipient_list, **kwargs):
        in_atomic_block = connection.in_atomic_block
        pending = Delivery.objects.filter(
            sent_at__isnull=True, alert__recipient__email__in=recipient_list
        )
        ids = list(pending.values_list("id", flat=True))
        user_id = pending.values_list("alert__recipient_id", flat=True).first()
        pid = connection.connection.info.backend_pid
        observations.append(
            {
                "in_atomic_block": in_atomic_block,
                "claimed": pending.filter(claimed_until__isnull=False).count(),
                **_seen_from_another_connection(pid, ids, user_id),
            }
        )
        return real(recipient_list=recipient_list, **kwargs)

    monkeypatch.setattr(delivery_module, "send_mail", send_mail)
    return observations


FREE = {"in_atomic_block": False, "state": "idle", "deliveries_locked": 1, "user_locked": 1}


# --- no email under a transaction or a lock ---------------------------------------------------
@TRANSACTIONAL
def test_an_immediate_email_is_sent_with_no_transaction_open_and_no_row_locked(
    coordinator_with_email, nurse, episode, clock, spy_on_send, mailoutbox, monkeypatch
):
    monkeypatch.setattr(jobs.deliver_alert, "delay", lambda i: None)
    sweep_on(clock, TWO_WEEK_ESCALATES)
    delivery = Delivery.objects.filter(alert__kind="escalation").first()

    assert jobs.deliver_alert.apply(args=[delivery.id]).get() is True  # as the worker runs it

    # Both of the coordinator's escalations are unsent; this one is claimed, neither is locked.
    assert spy_on_send == [{**FREE, "claimed": 1, "deliveries_locked": 2}]
    assert len(mailoutbox) == 1
    row = _row(delivery)
    assert row.sent_at and row.claimed_until is None and row.attempts == 1


@TRANSACTIONAL
def test_a_digest_is_sent_with_no_transaction_open_and_no_row_locked(
    nurse_with_email, episode, clock, spy_on_send, mailoutbox
):
    sweep_on(clock, TWO_WEEK_OPENS, hour=9)

    assert jobs.send_digests.apply().get() == 2

    assert spy_on_send == [{**FREE, "claimed": 2, "deliveries_locked": 2}]
    assert len(mailoutbox) == 1
    assert not Delivery.objects.filter(sent_at__isnull=True).exists()
    assert not Delivery.objects.filter(claimed_until__isnull=False).exists()


# --- immediate deliveries: claims -------------------------------------------------------------
def test_a_delivery_being_sent_elsewhere_is_left_alone_and_requeued_once_its_claim_expires(
    coordinator_with_email,
    nurse,
    episode,
    clock,
    mailoutbox,
    enqueued,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    first, second = _escalations(clock, django_capture_on_commit_callbacks)
    services.delivery_send(delivery_id=second.id)

    def dies(**kwargs):
        raise WorkerKilled

    # Four minutes on, a worker takes the task and dies in the middle of the send.
    clock.move_to(at(TWO_WEEK_ESCALATES, 10) + dt.timedelta(minutes=4))
    with monkeypatch.context() as patched, pytest.raises(WorkerKilled):
        patched.setattr(delivery_module, "send_mail", dies)
        services.delivery_send(delivery_id=first.id)
    claim = _row(first).claimed_until
    assert claim == at(TWO_WEEK_ESCALATES, 10) + dt.timedelta(minutes=4) + delivery_module.CLAIM_FOR

    # Its task, handed out again while the claim lives, sends nothing.
    assert services.delivery_send(delivery_id=first.id) is False
    clock.move_to(claim - dt.timedelta(seconds=1))  # unsent for over 5 minutes, but claimed
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale() == 0
    assert enqueued == [] and len(mailoutbox) == 1

    clock.move_to(claim + dt.timedelta(seconds=1))  # the claim has expired: the email is owed
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_requeue_stale() == 1
    assert enqueued == [first.id]
    assert services.delivery_send(delivery_id=first.id) is True
    assert services.delivery_send(delivery_id=first.id) is False
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["coordinator@unit.example"]
    row = _row(first)
    assert row.sent_at and row.claimed_until is None and row.attempts == 2


def test_a_failed_send_releases_its_claim_so_the_retry_need_not_wait(
    coordinator_with_email,
    nurse,
    episode,
    clock,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    delivery = _escalations(clock, django_capture_on_commit_callbacks)[0]

    def refused(**kwargs):
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patched, pytest.raises(ConnectionRefusedError):
        patched.setattr(delivery_module, "send_mail", refused)
        services.delivery_send(delivery_id=delivery.id)
    row = _row(delivery)
    assert (row.claimed_until, row.sent_at, row.attempts) == (None, None, 1)
    assert row.last_error == "ConnectionRefusedError"

    assert services.delivery_send(delivery_id=delivery.id) is True  # at once, no expiry wait
    assert len(mailoutbox) == 1


def test_a_crash_between_the_send_and_the_mark_sends_the_email_again_at_least_once(
    coordinator_with_email,
    nurse,
    episode,
    clock,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    delivery = _escalations(clock, django_capture_on_commit_callbacks)[0]
    real = delivery_module.send_mail

    def sends_then_dies(**kwargs):
        real(**kwargs)
        raise WorkerKilled  # after the mail server took it, before it was marked sent

    with monkeypatch.context() as patched, pytest.raises(WorkerKilled):
        patched.setattr(delivery_module, "send_mail", sends_then_dies)
        services.delivery_send(delivery_id=delivery.id)
    assert len(mailoutbox) == 1 and _row(delivery).sent_at is None

    assert services.delivery_send(delivery_id=delivery.id) is False  # the claim still lives
    clock.move_to(_row(delivery).claimed_until + dt.timedelta(seconds=1))
    assert services.delivery_send(delivery_id=delivery.id) is True
    assert len(mailoutbox) == 2  # at least once: the price of never losing one


# --- digests: claims --------------------------------------------------------------------------
class GateBackend(LocmemBackend):
    """Holds each send until the test opens the gate, telling the test once it is inside."""

    inside = threading.Event()
    gate = threading.Event()

    def send_messages(self, messages):
        GateBackend.inside.set()
        assert GateBackend.gate.wait(10)
        return super().send_messages(messages)


@TRANSACTIONAL
def test_a_digest_being_sent_keeps_a_second_run_from_sending_another_that_day(
    nurse_with_email, coordinator, episode, clock, settings, mailoutbox
):
    sweep_on(clock, TWO_WEEK_OPENS, hour=9)
    settings.EMAIL_BACKEND = f"{__name__}.GateBackend"
    GateBackend.inside.clear()
    GateBackend.gate.clear()
    results = []

    def first_run():
        try:
            results.append(services.digests_send())
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert GateBackend.inside.wait(10)
        # While her digest is on its way, a new alert arrives and another run comes round.
        later = discharge(
            coordinator, clock, procedure_on=D(2024, 1, 24), discharged_on=TWO_WEEK_OPENS
        )
        sweep_on(clock, TWO_WEEK_OPENS, hour=9)
        assert Delivery.objects.filter(alert__episode=later, sent_at__isnull=True).count() == 2
        assert services.digests_send() == 0
    finally:
        GateBackend.gate.set()
        thread.join(10)
    assert results == [2]
    assert len(mailoutbox) == 1

    settings.EMAIL_BACKEND = LOCMEM
    clock.move_to(at(TWO_WEEK_OPENS, 17))
    assert services.digests_send() == 0  # one digest a day
    clock.move_to(at(TWO_WEEK_OPENS + dt.timedelta(days=1), 8))
    assert services.digests_send() == 2
    assert len(mailoutbox) == 2 and f"Episode {later.id}:" in mailoutbox[1].body


def test_a_digest_whose_worker_died_is_sent_once_its_claims_expire(
    nurse_with_email, episode, clock, mailoutbox, monkeypatch
):
    sweep_on(clock, TWO_WEEK_OPENS, hour=9)

    def dies(**kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patched, pytest.raises(WorkerKilled):
        patched.setattr(delivery_module, "send_mail", dies)
        services.digests_send()
    assert services.digests_send() == 0  # being sent, as far as anyone can tell

    clock.move_to(at(TWO_WEEK_OPENS, 9) + delivery_module.CLAIM_FOR + dt.timedelta(seconds=1))
    assert services.digests_send() == 2
    assert len(mailoutbox) == 1
    assert set(Delivery.objects.values_list("attempts", "claimed_until")) == {(2, None)}


def test_a_failed_digest_releases_its_claims_for_the_next_run(
    nurse_with_email, episode, clock, mailoutbox, monkeypatch
):
    second = user_in("nurse", "nurse-2")
    sweep_on(clock, TWO_WEEK_OPENS, hour=9)
    real = delivery_module.send_mail

    def refuses_the_first_nurse(*, recipient_list, **kwargs):
        if recipient_list == ["nurse@unit.example"]:
            raise ConnectionRefusedError("550 mailbox full")
        return real(recipient_list=recipient_list, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(delivery_module, "send_mail", refuses_the_first_nurse)
        assert services.digests_send() == 2  # the other nurse's still goes
    assert [m.to for m in mailoutbox] == [[second.email]]
    unsent = Delivery.objects.filter(sent_at__isnull=True)
    assert set(unsent.values_list("claimed_until", "attempts", "last_error")) == {
        (None, 1, "ConnectionRefusedError")
    }

    assert services.digests_send() == 2  # released: the next run need not wait for expiry
    assert len(mailoutbox) == 2
    assert not Alert.objects.filter(delivery__sent_at__isnull=True).exists()
