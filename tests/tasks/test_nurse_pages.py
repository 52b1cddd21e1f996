"""A nurse's day (issue 18): the inbox one card per patient with acknowledge answered in words
and undone within ten minutes, her follow-ups still owed after an acknowledgement, the clinic
lists of the duplex lab and the INR clinic, and her clinic list as a calendar feed."""

import datetime as dt
import re

import pytest
from icalendar import Calendar

from tasks.models import Alert, AlertAcknowledgement, FollowUp, Kind
from tests.factories import PatientFactory
from tests.tasks.support import at, discharge, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, nurse):
    client.force_login(nurse)
    return client


def zoe():
    return PatientFactory(mrn="MRN-ZOE", given_name="Zoë", family_name="Ångström")


FIRST_INR_ON = D(2024, 2, 10)  # a week after the discharge


def inr_alert(nurse, due_on=FIRST_INR_ON, kind=Alert.Kind.DUE) -> Alert:
    return Alert.objects.get(
        recipient=nurse, kind=kind, follow_up__kind=Kind.INR_CHECK, follow_up__due_on=due_on
    )


# The inbox, one card per patient


def test_each_patient_is_one_card_with_all_her_alerts_inside(coordinator, signed_in, clock):
    first = discharge(coordinator, clock, patient=zoe())
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))

    response = signed_in.get("/inbox/")

    cards = response.context["cards"]
    assert len(cards) == 2
    assert cards[0]["patient"] == first.patient
    assert len(cards[0]["rows"]) == Alert.objects.filter(episode=first).count() > 1
    html = response.content.decode()
    assert html.count('class="card inbox-patient') == 2


def test_the_patient_with_a_critical_finding_comes_first_whatever_her_other_alerts(
    coordinator, signed_in, nurse, clock
):
    routine = discharge(coordinator, clock)
    later = discharge(coordinator, clock, patient=zoe())
    sweep_on(clock, D(2024, 2, 7))
    Alert.objects.create(
        episode=later,
        recipient=nurse,
        kind=Alert.Kind.URGENT_RESULT,
        grade=Alert.Grade.CRITICAL,
        finding={"text": "Occluded"},
    )

    cards = signed_in.get("/inbox/").context["cards"]

    assert [card["patient"] for card in cards] == [later.patient, routine.patient]
    assert cards[0]["critical"] and cards[0]["rows"][0]["critical"]


def test_acknowledge_answers_in_words_and_undo_brings_the_alert_back(
    coordinator, signed_in, nurse, clock
):
    discharge(coordinator, clock, patient=zoe())
    sweep_on(clock, D(2024, 2, 7))
    alert = inr_alert(nurse)

    said = signed_in.post(f"/inbox/alerts/{alert.id}/acknowledge/", **HTMX).content.decode()

    assert "Acknowledged: INR check due 2024-02-10 for Zoë Ångström." in said
    assert f'hx-post="/inbox/alerts/{alert.id}/unacknowledge/"' in said
    assert alert.id not in [row["alert"].id for row in signed_in.get("/inbox/").context["rows"]]
    clock.move_to(at(D(2024, 2, 7), 9) + dt.timedelta(minutes=9))

    undone = signed_in.post(f"/inbox/alerts/{alert.id}/unacknowledge/", **HTMX)

    assert undone.status_code == 200 and f'id="alert-{alert.id}"' in undone.content.decode()
    assert alert.id in [row["alert"].id for row in signed_in.get("/inbox/").context["rows"]]
    kept = AlertAcknowledgement.objects.filter(alert=alert).order_by("id")
    assert [(row.action, row.actor_id) for row in kept] == [
        ("acknowledged", nurse.id),
        ("undone", nurse.id),
    ]


def test_without_htmx_the_inbox_says_what_was_acknowledged_and_offers_undo(
    coordinator, signed_in, nurse, clock
):
    discharge(coordinator, clock, patient=zoe())
    sweep_on(clock, D(2024, 2, 7))
    alert = inr_alert(nurse)

    page = signed_in.post(f"/inbox/alerts/{alert.id}/acknowledge/", follow=True)

    html = page.content.decode()
    assert "Acknowledged: INR check due 2024-02-10 for Zoë Ångström." in html
    assert f'action="/inbox/alerts/{alert.id}/unacknowledge/"' in html
    back = signed_in.post(f"/inbox/alerts/{alert.id}/unacknowledge/", follow=True)
    assert "Back in your inbox: INR check due 2024-02-10 for Zoë Ångström." in back.content.decode()


def test_an_acknowledgement_older_than_ten_minutes_is_not_undone(
    coordinator, signed_in, nurse, clock
):
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    alert = inr_alert(nurse)
    signed_in.post(f"/inbox/alerts/{alert.id}/acknowledge/")
    clock.move_to(at(D(2024, 2, 7), 9) + dt.timedelta(minutes=11))

    refused = signed_in.post(f"/inbox/alerts/{alert.id}/unacknowledge/")

    assert refused.status_code == 409
    assert "within 10 minutes" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


def test_nobody_else_undoes_an_acknowledgement(coordinator, signed_in, nurse, client, clock):
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    alert = inr_alert(nurse)
    signed_in.post(f"/inbox/alerts/{alert.id}/acknowledge/")
    client.force_login(user_in("nurse", "another-nurse"))

    assert client.post(f"/inbox/alerts/{alert.id}/unacknowledge/").status_code == 404


def test_an_urgent_result_acknowledged_then_undone_is_escalated_again(coordinator, clock):
    from tasks import services

    episode = discharge(coordinator, clock)
    now = at(D(2024, 2, 7))
    alert = Alert.objects.create(
        episode=episode,
        recipient=coordinator,
        created_at=now,
        kind=Alert.Kind.URGENT_RESULT,
        grade=Alert.Grade.CRITICAL,
        escalate_after=now + dt.timedelta(hours=24),
    )
    services.alert_acknowledge(actor=coordinator, alert_id=alert.id, now=now)
    alert.refresh_from_db()
    assert alert.escalate_after is None

    services.alert_unacknowledge(actor=coordinator, alert_id=alert.id, now=now)

    alert.refresh_from_db()
    assert alert.escalate_after == now + dt.timedelta(hours=24)


# Her follow-ups


def test_an_overdue_follow_up_stays_on_her_list_after_its_alert_is_acknowledged(
    coordinator, signed_in, nurse, clock
):
    episode = discharge(coordinator, clock, patient=zoe())
    sweep_on(clock, D(2024, 2, 15))
    overdue = inr_alert(nurse, kind=Alert.Kind.OVERDUE)
    signed_in.post(f"/inbox/alerts/{overdue.id}/acknowledge/")

    response = signed_in.get("/follow-ups/")

    (group,) = response.context["overdue"]
    assert group.patient == episode.patient
    assert overdue.follow_up in group.follow_ups
    week = [fu for g in response.context["this_week"] for fu in g.follow_ups]
    assert week and all(
        fu.due_on <= D(2024, 2, 21) or fu.window_opens_on <= D(2024, 2, 15) for fu in week
    )
    html = response.content.decode()
    assert f'href="/episodes/{episode.id}/"' in html and "Zoë Ångström" in html
    assert "no-store" in response["Cache-Control"]


def test_follow_ups_of_another_nurses_patient_are_not_on_her_list(coordinator, signed_in, clock):
    episode = discharge(coordinator, clock)
    episode.assigned_nurse = user_in("nurse", "another-nurse")
    episode.save(update_fields=["assigned_nurse"])
    clock.move_to(at(D(2024, 2, 15)))

    response = signed_in.get("/follow-ups/")

    assert response.context["overdue"] == [] and response.context["this_week"] == []


# Clinic lists


def test_the_inr_clinic_lists_who_is_due_that_day_printable(coordinator, signed_in, clock):
    discharge(coordinator, clock, patient=zoe())

    inr = signed_in.get("/clinics/inr/", {"day": "2024-02-10"})
    duplex = signed_in.get("/clinics/duplex/", {"day": "2024-02-14"})

    assert inr.status_code == 200 and "Ångström, Zoë" in inr.content.decode()
    assert "data-print" in inr.content.decode()
    assert [fu.kind for fu in duplex.context["rows"]] == [Kind.DUPLEX]
    assert signed_in.get("/clinics/inr/", {"day": "2024-02-11"}).context["rows"] == []


def test_a_clinic_list_answers_bad_input_in_words(signed_in):
    assert signed_in.get("/clinics/dentist/").status_code == 404
    bad = signed_in.get("/clinics/inr/", {"day": "10/02/2024"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


# The calendar feed


def feed_url(page) -> str:
    return re.search(r'id="feed-url">([^<]+)<', page.content.decode()).group(1)


def test_her_feed_lists_her_due_follow_ups_by_mrn_and_initials(
    coordinator, signed_in, nurse, client, clock
):
    episode = discharge(coordinator, clock, patient=zoe())
    clock.move_to(at(D(2024, 2, 7)))
    url = feed_url(signed_in.post("/follow-ups/feed/"))
    client.logout()

    answer = client.get(url)

    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(answer.content).walk("VEVENT")
    owed = FollowUp.objects.filter(episode=episode, due_on__lte=D(2024, 4, 3)).open()
    assert len(events) == owed.count() > 0
    inr = next(e for e in events if e.decoded("dtstart") == D(2024, 2, 10))
    assert str(inr["summary"]) == "INR check: MRN-ZOE Z.Å."
    assert "Zoë" not in answer.content.decode() and "Ångström" not in answer.content.decode()
    assert "no-store" in answer["Cache-Control"]
    assert nurse.calendar_feed.digest not in url  # stored hashed


def test_a_revoked_or_replaced_feed_answers_404(signed_in, client):
    first = feed_url(signed_in.post("/follow-ups/feed/"))
    second = feed_url(signed_in.post("/follow-ups/feed/"))

    assert client.get(first).status_code == 404  # replaced
    assert client.get(second).status_code == 200
    revoked = signed_in.post("/follow-ups/feed/revoke/")
    assert "revoked" in revoked.content.decode()
    assert client.get(second).status_code == 404
    assert client.get("/feeds/not-a-secret/clinic.ics").status_code == 404


def test_a_deactivated_users_feed_answers_404(signed_in, nurse, client):
    url = feed_url(signed_in.post("/follow-ups/feed/"))
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])

    assert client.get(url).status_code == 404
