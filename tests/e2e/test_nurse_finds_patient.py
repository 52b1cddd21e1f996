"""A nurse's day (issue 18): her inbox one card per patient, an acknowledgement answered in
words and undone; she finds a patient who is not in her inbox by an unaccented name ("zoe"
finds Zoë), opens their follow-ups, and subscribes to her clinic list (the feed parses with
icalendar and lists her due follow-ups). At a 1024 x 768 tablet and a 390 px phone, with axe."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from demo import walk as demo
from pathway.codes import State
from tasks import services as task_services
from tests.e2e.conftest import TABLET, accessible, person, shot, signed_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    """No sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def both_widths(page, name: str) -> None:
    """The page as it stands, checked and shot at the tablet's width and the phone's."""
    accessible(page)
    shot(page, f"nurses-{name}")
    page.set_viewport_size(PHONE)
    accessible(page)
    fits(page)
    shot(page, f"nurses-{name}-phone")
    page.set_viewport_size(TABLET)


def test_a_nurse_finds_zoe_opens_her_follow_ups_and_subscribes_to_her_clinic_list(page):
    coordinator = person("coordinator", "cora", first_name="Cora", last_name="Reid")
    nurse = person("nurse", "nina", first_name="Nina", last_name="Shah")
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    zoe = PatientFactory(mrn="MRN-4242", given_name="Zoë", family_name="Ångström")
    demo.walk_to(coordinator, zoe, State.SURVEILLANCE, on=week_ago)  # on warfarin
    other = PatientFactory(given_name="Ines", family_name="Moreau")
    demo.walk_to(coordinator, other, State.SURVEILLANCE, on=week_ago)
    task_services.followups_sweep()  # the first weekly INR checks are due today
    today = timezone.localdate().isoformat()

    # The inbox: one card per patient; acknowledge answers in words, Undo takes it back.
    signed_in(page, nurse)
    page.goto("/")  # where the sign-in lands: her inbox
    card = page.locator("li.inbox-patient", has_text="Zoë Ångström")
    expect(card).to_have_count(1)
    expect(page.locator("li.inbox-patient")).to_have_count(2)
    inr = card.locator("li.inbox-item", has_text="INR check due")
    inr.get_by_role("button", name="Acknowledge").click()
    said = card.get_by_role("status")
    expect(said).to_contain_text(f"Acknowledged: INR check due {today} for Zoë Ångström.")
    both_widths(page, "inbox")
    said.get_by_role("button", name="Undo").click()
    expect(card.locator("li.inbox-item", has_text="INR check due")).to_have_count(1)
    expect(card).to_contain_text("Back in your inbox")
    card.locator("li.inbox-item", has_text="INR check due").get_by_role(
        "button", name="Acknowledge"
    ).click()  # seen: the check is still owed, and her list keeps it
    expect(card.get_by_role("status")).to_contain_text("Acknowledged: INR check due")

    # She finds Zoë by typing her name without accents.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_label("MRN or name").fill("zoe")
    page.get_by_role("button", name="Search").click()
    found = page.locator("li.patient-found")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Ångström, Zoë")
    expect(found).to_contain_text("MRN-4242")
    both_widths(page, "patients")
    found.get_by_role("link", name="Episode of").click()
    expect(page.locator("h1")).to_contain_text("Ångström")
    # the episode's follow-ups, on its timeline
    expect(page.locator("main")).to_contain_text(re.compile("INR check", re.I))

    # Her follow-ups: the acknowledged INR check is still owed, under Zoë.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Follow-ups").click()
    week = page.locator("section", has=page.locator("#week-h"))
    zoe_group = week.locator("li.card", has_text="Zoë Ångström")
    expect(zoe_group).to_contain_text("INR check")
    expect(zoe_group).to_contain_text(today)
    both_widths(page, "follow-ups")

    # She subscribes: the address is shown once, and the feed lists her due follow-ups.
    page.get_by_role("button", name="Subscribe: make my calendar address").click()
    url = page.locator("#feed-url").inner_text().strip()
    assert "/feeds/" in url and url.endswith("/clinic.ics")
    both_widths(page, "feed")
    answer = page.request.get(url)
    assert answer.ok and answer.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(answer.body()).walk("VEVENT")
    summaries = {(str(e["summary"]), e.decoded("dtstart").isoformat()) for e in events}
    assert ("INR check: MRN-4242 Z.Å.", today) in summaries
    assert "Zoë" not in answer.text() and "Ångström" not in answer.text()

    # The INR clinic's list of the day, printable.
    page.goto(f"/clinics/inr/?day={today}")
    expect(page.locator("tbody tr", has_text="Ångström, Zoë")).to_have_count(1)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    both_widths(page, "clinic")

    # Revoked, the address answers 404.
    page.goto("/follow-ups/")
    page.get_by_role("button", name="Revoke my calendar address").click()
    expect(page.get_by_role("status").first).to_contain_text("revoked")
    assert page.request.get(url).status == 404
