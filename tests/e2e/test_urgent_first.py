"""The safety net in the browser (pathway.md section 6): a nurse records an INR of 4.6 and is
told on the spot that it is out of range and who was alerted; the coordinator, with 60 routine
alerts already open, sees it first, on the first screen of a ward tablet, with the value and
the target range."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo import walk as demo
from pathway.codes import State
from pathway.models import Episode
from tasks import services as task_services
from tasks.models import Alert
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _routine_alerts_for(coordinator, nurse, patients: int = 4) -> int:
    """Patients discharged more than a year ago whose follow-ups were all missed: the sweep
    escalates each to the coordinator (their due and overdue alerts go to their own nurse)."""
    year_ago = timezone.localdate() - dt.timedelta(days=400)
    for _ in range(patients):
        episode = demo.walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=year_ago)
        Episode.objects.filter(id=episode.id).update(assigned_nurse=nurse)
    task_services.followups_sweep()
    return Alert.objects.filter(recipient=coordinator, acknowledged_at__isnull=True).count()


def test_an_inr_of_4_6_is_told_to_the_nurse_and_is_the_first_thing_the_coordinator_sees(page):
    coordinator = person("coordinator", "cora", first_name="Cora", last_name="Reid")
    nurse = person("nurse", "nina", first_name="Nina", last_name="Shah")
    other_nurse = person("nurse", "nora")
    assert _routine_alerts_for(coordinator, other_nurse) >= 60
    patient = PatientFactory(given_name="Ines", family_name="Moreau")
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    demo.walk_to(coordinator, patient, State.SURVEILLANCE, on=week_ago)  # on warfarin, 2.0-3.0
    task_services.followups_sweep()  # the first weekly INR check is due today

    signed_in(page, nurse)
    page.goto("/")  # where the sign-in lands: her inbox
    inr = page.locator("li.inbox-item", has_text="INR check due")
    expect(inr).to_have_count(1)
    inr.get_by_role("link", name="Record the result").click()
    form = inr.locator("form.record-form")
    form.get_by_label("Date performed").fill(timezone.localdate().isoformat())
    form.get_by_label(re.compile(r"^INR:?$")).fill("4.6")
    form.get_by_role("button", name="Record INR check").click()

    told = page.get_by_role("status")
    expect(told).to_contain_text("INR 4.6 is out of range (target 2.0–3.0)")
    expect(told).to_contain_text("Alerted: Cora Reid")
    expect(told).to_have_class(re.compile(r"\bwarn\b"))  # not a routine green success
    accessible(page)
    shot(page, "inbox-inr-out-of-range")

    page.context.clear_cookies()
    signed_in(page, coordinator)
    page.goto("/inbox/")
    first = page.locator("li.inbox-item").first
    expect(first).to_contain_text("Ines Moreau")
    expect(first).to_contain_text("Out of range")
    expect(first).to_contain_text("INR 4.6")
    expect(first).to_contain_text("2.0–3.0")
    expect(first).to_be_in_viewport(ratio=1)
    assert page.locator("li.inbox-item").count() >= 50  # a full page of older routine alerts
    accessible(page)
    shot(page, "inbox-urgent-first", full_page=False)  # the first screen only
