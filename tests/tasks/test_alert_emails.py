"""Every alert email links to the episode page: an absolute URL under settings.SITE_URL, with
the episode's id only (no patient detail in a URL), for an alert sent at once and for each
alert of a nurse's daily digest."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from tasks import services
from tasks.models import Alert, Delivery
from tests.factories import PatientFactory
from tests.tasks.support import at, discharge, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date
SITE = "https://pathway.unit.example"
TWO_WEEK_OPENS, TWO_WEEK_ESCALATES = D(2024, 2, 7), D(2024, 3, 7)  # a DOAC patient, 31 Jan


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def patient(db):
    return PatientFactory(given_name="Philippa", family_name="Quartermaine", mrn="RX55231")


@pytest.fixture
def episode(coordinator, clock, patient):
    user_in("coordinator", "coord-mail")
    user_in("nurse", "nurse-mail")
    return discharge(coordinator, clock, patient=patient, anticoagulant="doac")


def no_patient_details(message, patient) -> bool:
    text = f"{message.subject}\n{message.body}"
    return not any(d in text for d in (patient.given_name, patient.family_name, patient.mrn))


def test_an_escalation_email_links_to_the_episode_page(episode, patient, clock, mailoutbox):
    sweep_on(clock, TWO_WEEK_ESCALATES)
    mine = Delivery.objects.filter(alert__recipient__username="coord-mail", digest=False)
    assert mine.count() == 2

    for delivery in mine:
        assert services.delivery_send(delivery_id=delivery.id)

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        lines = message.body.splitlines()
        assert lines[0].startswith(f"- Episode {episode.id}: ")
        assert lines[1].strip() == f"{SITE}/episodes/{episode.id}/"
        assert no_patient_details(message, patient)


def test_an_urgent_result_email_says_its_grade_and_links_to_the_episode(
    episode, patient, clock, mailoutbox
):
    clock.move_to(at(D(2024, 2, 14), 11))
    coordinator = get_user_model().objects.get(username="coord-mail")
    urgent = Alert.objects.create(
        episode=episode,
        recipient=coordinator,
        kind=Alert.Kind.URGENT_RESULT,
        grade=Alert.Grade.CRITICAL,
        finding={"text": "Left common iliac: occluded"},
        follow_up=episode.follow_ups.get(kind="duplex", due_on=D(2024, 2, 14)),
    )
    delivery = Delivery.objects.create(alert=urgent, digest=False)

    assert services.delivery_send(delivery_id=delivery.id)

    (message,) = mailoutbox
    assert message.subject == "Pathway alert: Urgent Result (critical)"
    assert f"{SITE}/episodes/{episode.id}/" in message.body
    assert no_patient_details(message, patient)


def test_each_alert_of_the_daily_digest_links_to_its_episode(
    coordinator, episode, patient, clock, mailoutbox
):
    other = discharge(coordinator, clock, anticoagulant="doac")
    sweep_on(clock, TWO_WEEK_OPENS)
    owed = Delivery.objects.filter(alert__recipient__username="nurse-mail", digest=True)
    assert owed.count() == 4  # the 2-week duplex and review of each patient

    assert services.digests_send(now=at(TWO_WEEK_OPENS, 9)) > 0

    (message,) = [m for m in mailoutbox if m.to == ["nurse-mail@unit.example"]]
    lines = message.body.splitlines()
    entries = [
        (line, lines[i + 1].strip())
        for i, line in enumerate(lines)
        if line.startswith("- Episode ")
    ]
    assert len(entries) == 4
    for line, link in entries:
        episode_id = int(line.removeprefix("- Episode ").split(":")[0])
        assert episode_id in (episode.id, other.id)
        assert link == f"{SITE}/episodes/{episode_id}/"
    assert no_patient_details(message, patient)


def test_a_stalled_episodes_email_says_which_wait_and_links_to_it(episode, mailoutbox):
    coordinator = get_user_model().objects.get(username="coord-mail")
    stalled = Alert.objects.create(
        episode=episode,
        recipient=coordinator,
        kind=Alert.Kind.STALLED,
        stall=Alert.Stall.THROMBOPHILIA,
    )
    delivery = Delivery.objects.create(alert=stalled, digest=False)

    assert services.delivery_send(delivery_id=delivery.id)

    (message,) = mailoutbox
    assert message.body.startswith(
        f"- Episode {episode.id} has waited too long: thrombophilia result pending.\n"
        f"  {SITE}/episodes/{episode.id}/\n"
    )
