"""A post-op check with an impaired limb, compartment signs or access-site bleeding alerts the
coordinator at once (pathway.md section 3): one urgent alert per coordinator, emailed after
commit without naming the patient, and in the inbox though it has no follow-up."""

import pytest

from demo import walk as demo
from pathway import services
from pathway.codes import State
from pathway.models import Episode
from tasks import jobs
from tasks import services as task_services
from tasks.models import Alert, Delivery
from tests.factories import PatientFactory
from tests.tasks.support import PROCEDURE_ON, at, user_in

pytestmark = pytest.mark.django_db
NORMAL = dict(
    limb_perfusion="normal",
    compartment_signs=False,
    access_bleeding=False,
    pain_score=3,
    mobilised=True,
)
ALARMING = {
    "impaired limb": {"limb_perfusion": "impaired"},
    "compartment signs": {"compartment_signs": True},
    "access-site bleeding": {"access_bleeding": True},
}


@pytest.fixture
def patient(db):
    return PatientFactory(given_name="Philippa", family_name="Quartermaine", mrn="RX55231")


@pytest.fixture
def episode(coordinator, clock, patient):
    """In post-op since the procedure this morning; it is now 14:00."""
    episode = demo.walk_to(coordinator, patient, State.POST_OP)
    clock.move_to(at(PROCEDURE_ON, 14))
    return episode


@pytest.fixture
def enqueued(monkeypatch):
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


def check(actor, episode, hour=13, **findings):
    return services.postop_check_add(
        actor=actor, episode_id=episode.id, at=at(PROCEDURE_ON, hour), **(NORMAL | findings)
    )


@pytest.mark.parametrize("finding", ALARMING)
def test_an_alarming_post_op_check_alerts_every_coordinator_at_once(
    coordinator, nurse, episode, enqueued, django_capture_on_commit_callbacks, finding
):
    second = user_in("coordinator", "coordinator-2")

    with django_capture_on_commit_callbacks(execute=True):
        made = check(coordinator, episode, **ALARMING[finding])

    alerts = Alert.objects.all()
    assert {
        (a.kind, a.episode_id, a.postop_check_id, a.follow_up_id, a.visit_id) for a in alerts
    } == {("urgent_result", episode.id, made.id, None, None)}
    assert sorted(a.recipient_id for a in alerts) == sorted([coordinator.id, second.id])
    deliveries = Delivery.objects.filter(alert__in=alerts)
    assert not deliveries.filter(digest=True).exists()
    assert sorted(enqueued) == sorted(deliveries.values_list("id", flat=True))


def test_a_normal_post_op_check_alerts_nobody(coordinator, episode, enqueued):
    check(coordinator, episode)

    assert not Alert.objects.exists()
    assert enqueued == []


def test_each_alarming_check_alerts_once_and_a_normal_one_after_it_adds_nothing(
    coordinator, episode, enqueued
):
    bleeding = check(coordinator, episode, hour=10, access_bleeding=True)
    check(coordinator, episode, hour=12)
    assert list(Alert.objects.values_list("postop_check", flat=True)) == [bleeding.id]

    impaired = check(coordinator, episode, hour=13, limb_perfusion="impaired")

    assert sorted(Alert.objects.values_list("postop_check", flat=True)) == sorted(
        [bleeding.id, impaired.id]
    )


def test_the_assigned_coordinator_alone_is_told(coordinator, episode, enqueued):
    mine = user_in("coordinator", "coordinator-2")
    Episode.objects.filter(id=episode.id).update(assigned_coordinator=mine)

    check(coordinator, episode, compartment_signs=True)

    assert [a.recipient_id for a in Alert.objects.all()] == [mine.id]


def test_a_post_op_alert_is_in_the_coordinators_inbox_without_a_follow_up(
    coordinator, as_coordinator, as_nurse, episode, enqueued
):
    made = check(coordinator, episode, limb_perfusion="impaired")

    rows = as_coordinator.get("/api/alerts/").json()

    assert [(r["kind"], r["episode"], r["postop_check"], r["follow_up"]) for r in rows] == [
        ("urgent_result", episode.id, made.id, None)
    ]
    assert (rows[0]["follow_up_kind"], rows[0]["due_on"]) == (None, None)
    assert rows[0]["patient_name"] == "Philippa Quartermaine"
    assert as_nurse.get("/api/alerts/").json() == []


def test_the_post_op_alert_email_names_the_check_but_not_the_patient(
    coordinator, episode, patient, enqueued, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    check(coordinator, episode, hour=13, access_bleeding=True)

    (delivery,) = Delivery.objects.all()
    assert task_services.delivery_send(delivery_id=delivery.id) is True
    assert task_services.delivery_send(delivery_id=delivery.id) is False

    (message,) = mailoutbox
    assert f"Episode {episode.id}: post-op check at 2024-01-31 13:00 has an urgent finding" in (
        message.body
    )
    text = f"{message.subject}\n{message.body}"
    for detail in (patient.given_name, patient.family_name, patient.mrn):
        assert detail not in text
