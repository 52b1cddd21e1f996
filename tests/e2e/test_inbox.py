"""A nurse opens her inbox after the sweep, records the 2-week duplex with the Villalta scale
in place (the score and the PTS category appear as she fills it), and the alert leaves."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo import walk as demo
from pathway.codes import State
from tasks import services as task_services
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCORES = {
    "Pain": "2",
    "Cramps": "1",
    "Heaviness": "2",
    "Paraesthesia": "0",
    "Pruritus": "0",
    "Pretibial oedema": "1",
    "Skin induration": "0",
    "Hyperpigmentation": "1",
    "Redness": "0",
    "Venous ectasia": "0",
    "Pain on calf compression": "0",
}


def test_a_nurse_records_a_duplex_with_villalta_and_the_alert_leaves(page):
    coordinator = person("coordinator", "cora")
    nurse = person("nurse", "nina")
    patient = PatientFactory(given_name="Maria", family_name="Okafor")
    two_weeks_ago = timezone.localdate() - dt.timedelta(days=14)
    demo.walk_to(coordinator, patient, State.SURVEILLANCE, on=two_weeks_ago)
    task_services.followups_sweep()

    signed_in(page, nurse)
    page.goto("/")  # where the sign-in lands

    assert page.url.endswith("/inbox/")
    duplex = page.locator("li.inbox-item", has_text="Duplex ultrasound due")
    expect(duplex).to_have_count(1)
    card = page.locator("li.inbox-patient", has=duplex)  # one card per patient (issue 18)
    expect(card.get_by_role("heading", name="Maria Okafor")).to_be_visible()
    expect(card).to_contain_text(patient.mrn)
    expect(page.get_by_role("button", name="Discharge")).to_have_count(0)
    accessible(page)
    shot(page, "inbox")

    duplex.get_by_role("link", name="Record the result").click()
    form = duplex.locator("form.record-form")
    expect(form.get_by_role("group", name="Villalta scale")).to_be_visible()
    form.get_by_label("Left common iliac").select_option("patent")
    for item, score in SCORES.items():
        form.get_by_label(re.compile(rf"^{re.escape(item)}:?$")).select_option(score)
    score = form.locator("output")
    expect(score).to_contain_text("Villalta score 7")
    expect(score).to_contain_text("No PTS category yet")  # two weeks after the procedure
    accessible(page)
    shot(page, "inbox-duplex")

    form.get_by_role("button", name="Record duplex ultrasound").click()

    expect(page.get_by_role("status")).to_contain_text("Duplex ultrasound recorded")
    expect(page.locator("li.inbox-item", has_text="Duplex ultrasound due")).to_have_count(0)
    page.reload()
    expect(page.locator("li.inbox-item", has_text="Duplex ultrasound due")).to_have_count(0)
    expect(page.locator("li.inbox-item", has_text="Anticoagulation review due")).to_have_count(1)
