"""An urgent result nobody acknowledges reaches every coordinator and admin: a sweep once the
unit's hours have passed escalates it, and a real Celery worker emails each of them once; a
later sweep sends nothing more (pathway.md section 4, "Every alert reaches someone")."""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from config.celery import app as celery_app
from demo import walk as demo
from pathway.models import Stent
from tasks import services
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import PatientFactory
from tests.integration.workers import settled, wait_for
from tests.tasks.support import user_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SENIOR = ["admin@unit.example", "coordinator-2@unit.example", "coordinator@unit.example"]


@pytest.fixture
def duplex_today(coordinator, nurse, admin_user):
    """Two coordinators and an admin, all with email; an episode in surveillance whose first
    duplex is due today."""
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    admin_user.email = "admin@unit.example"
    admin_user.save()
    user_in("coordinator", "coordinator-2")
    patient = PatientFactory(given_name="Philippa", family_name="Quartermaine", mrn="RX55231")
    episode = demo.walk_to(coordinator, patient, "surveillance")
    duplex = FollowUp.objects.filter(episode=episode, kind="duplex").order_by("due_on").first()
    today = timezone.localdate()
    FollowUp.objects.filter(id=duplex.id).update(
        due_on=today,
        window_opens_on=today - dt.timedelta(days=7),
        window_closes_on=today + dt.timedelta(days=7),
        next_alert_on=None,
    )
    celery_app.control.purge()
    return duplex


def _sent(deliveries) -> bool:
    return deliveries.exists() and not deliveries.filter(sent_at__isnull=True).exists()


def test_an_unacknowledged_urgent_result_is_emailed_to_each_coordinator_and_admin_once(
    duplex_today, nurse, own_queue, worker
):
    episode = duplex_today.episode
    stented = Stent.objects.filter(note__episode=episode).values_list("segment", flat=True)
    services.followup_record_result(
        actor=nurse,
        follow_up_id=duplex_today.id,
        performed_on=timezone.localdate(),
        segments=[{"segment": s, "result": "occluded"} for s in sorted(set(stented))],
    )
    urgent = Delivery.objects.filter(alert__kind="urgent_result")
    assert wait_for(lambda: _sent(urgent), 30)  # the coordinator(s) heard at once
    assert services.followups_sweep().escalations == 0  # nobody has acknowledged: not yet

    escalations = Delivery.objects.filter(alert__kind="escalation")
    hours = dt.timedelta(hours=24, minutes=1)
    with time_machine.travel(timezone.now() + hours):
        assert services.followups_sweep().escalations == 3
    assert wait_for(lambda: _sent(escalations), 30)
    escalated_from = Alert.objects.filter(kind="escalation").values_list("escalates__kind")
    assert set(escalated_from) == {("urgent_result",)}

    with time_machine.travel(timezone.now() + hours + dt.timedelta(hours=1)):
        again = services.followups_sweep()
    assert (again.escalations, again.alerts) == (0, 0)
    # Every task sent has run to the end: anything wrongly sent has arrived.
    assert wait_for(lambda: settled(own_queue), 30)

    messages = worker.read_mails()
    escalations_sent = [m for m in messages if m["Subject"].startswith("Pathway alert: Escalation")]
    escalated = Counter(m["To"] for m in escalations_sent)
    assert escalated == dict.fromkeys(SENIOR, 1)
    urgent_to = Counter(m["To"] for m in messages if "urgent" in m["Subject"].lower())
    assert urgent_to == dict.fromkeys(urgent.values_list("alert__recipient__email", flat=True), 1)
    assert len(messages) == 3 + len(urgent_to)
    assert all(d.attempts == 1 for d in escalations)
    for message in messages:
        body = message.get_payload(decode=True).decode()
        assert f"Episode {episode.id}:" in body
        for detail in ("Philippa", "Quartermaine", "RX55231"):
            assert detail not in f"{message['Subject']}\n{body}"
    escalation_body = (
        next(m for m in messages if m["Subject"].startswith("Pathway alert: Escalation"))
        .get_payload(decode=True)
        .decode()
    )
    assert "nobody has acknowledged" in escalation_body
