"""A coordinator walks a new episode from selection to surveillance on its page, then corrects
the procedure date with a reason and sees the follow-up dates move in the timeline."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from pathway.models import Episode
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import days_ago

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def d(n: int) -> str:
    return days_ago(n).isoformat()


def save(page, section: str, button: str) -> None:
    with page.expect_navigation():
        page.locator(f"#{section}").get_by_role("button", name=button).click()
    expect(page.locator(".messages")).to_contain_text("Saved")


def make(page, move: str, on: str, reason: str = "") -> None:
    form = page.locator("form.move").filter(has=page.get_by_role("heading", name=move))
    if reason:
        form.get_by_label("Reason").fill(reason)
    form.get_by_label("Effective date").fill(on)
    with page.expect_navigation():
        form.get_by_role("button", name=move).click()
    expect(page.locator(".messages")).to_contain_text(f"Done: {move}")


def test_a_coordinator_walks_an_episode_to_surveillance_and_corrects_the_date(page):
    cora = person("coordinator", "cora")
    signed_in(page, cora)
    page.goto("/")  # where the sign-in lands: the worklist
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("MRN").fill("RX200001")
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Birth date").fill("1956-12-09")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Register the patient").click()
    page.get_by_label("Referral date").fill(d(10))
    with page.expect_navigation():
        page.get_by_role("button", name="Open the episode").click()
    episode = Episode.objects.get(patient__mrn="RX200001")
    assert page.url.endswith(f"/episodes/{episode.id}/")

    heading = page.get_by_role("heading", name="Refer to the MDT")
    refer = page.locator("form.move").filter(has=heading)
    expect(refer.get_by_role("button", name="Refer to the MDT")).to_be_disabled()
    expect(refer).to_contain_text("Indication documented")
    expect(refer).to_contain_text("Fit for a major procedure")
    assert "refer_to_mdt" not in page.content()
    accessible(page)
    shot(page, "episode-blocked")

    sel = page.locator("#selection")
    sel.get_by_label("Symptom onset").fill(d(14))
    sel.get_by_label("Assessed on").fill(d(10))
    sel.get_by_label("severe swelling").check()
    sel.get_by_label("IVC", exact=True).check()
    sel.get_by_label("left common iliac").first.check()
    sel.get_by_label("Fit for a major procedure").check()
    save(page, "selection", "Save")
    make(page, "Refer to the MDT", d(10))

    mdt = page.locator("#mdt")
    mdt.get_by_label("MDT date").fill(d(9))
    mdt.get_by_label("vascular surgeon").check()
    mdt.get_by_label("interventional radiologist").check()
    mdt.get_by_label("haematologist").check()
    mdt.get_by_label("anaesthetist").check()
    mdt.get_by_label("Decision").select_option("proceed")
    save(page, "mdt", "Add the MDT decision")
    make(page, "MDT approved: start the work-up", d(9))

    for modality in ("duplex", "ct_venography"):
        img = page.locator("#imaging")
        img.get_by_label("Study", exact=True).select_option(modality)
        img.get_by_label("Study date").fill(d(8))
        img.get_by_label("IVC anomaly").select_option("no")
        img.get_by_label("IVC filter in place").select_option("no")
        save(page, "imaging", "Add the study")
    ac = page.locator("#anticoagulation")
    ac.get_by_label("Agent").select_option("ufh_infusion")
    ac.get_by_label("Started at").fill(f"{d(8)}T08:00")
    save(page, "anticoagulation", "Save")
    make(page, "Book the procedure", d(8))

    proc = page.locator("#procedure")
    proc.get_by_label("Procedure date").fill(d(6))
    proc.get_by_label("Access 1: vein").select_option("popliteal")
    proc.get_by_label("Access 1: side").select_option("left")
    proc.get_by_label("Access 1: ultrasound-guided").check()
    proc.get_by_label("Thrombus removal technique").select_option("aspiration")
    proc.get_by_label("Stent 1: product").fill("Wallstent")
    proc.get_by_label("Stent 1: diameter (mm)").fill("16")
    proc.get_by_label("Stent 1: length (mm)").fill("90")
    proc.get_by_label("Stent 1: segment").select_option("left_common_iliac")
    proc.get_by_label("Completion venogram patent").select_option("yes")
    proc.get_by_label("Residual stenosis (%)").fill("10")
    save(page, "procedure", "Save")
    make(page, "Procedure done", d(6))

    img = page.locator("#imaging")
    img.get_by_label("Study", exact=True).select_option("duplex")
    img.get_by_label("Study date").fill(d(5))
    save(page, "imaging", "Add the study")
    plan = page.locator("#discharge_plan")
    plan.get_by_label("Anticoagulant").select_option("doac")
    plan.get_by_label("Planned duration (months; empty for lifelong)").fill("6")
    plan.get_by_label("Compression stockings prescribed").check()
    save(page, "discharge_plan", "Save")
    make(page, "Discharge into surveillance", d(4))

    expect(page.locator(".facts")).to_contain_text("Surveillance")
    first_due = (days_ago(6) + dt.timedelta(weeks=2)).isoformat()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(f"Duplex ultrasound due {first_due}")
    page.reload()  # without the flash message: base.html's <ul role="status"> fails axe
    accessible(page)
    shot(page, "episode-surveillance")

    proc = page.locator("#procedure")
    proc.get_by_label("Procedure date").fill(d(7))
    proc.get_by_label("Reason for the change").fill("The date was typed wrong.")
    save(page, "procedure", "Save")

    moved_due = (days_ago(7) + dt.timedelta(weeks=2)).isoformat()
    expect(timeline).to_contain_text(f"Duplex ultrasound due {moved_due}")
    expect(timeline).not_to_contain_text(f"Duplex ultrasound due {first_due}")
    expect(timeline).to_contain_text("Reason: The date was typed wrong.")
    expect(page.locator("#procedure")).to_contain_text("edited after the move")

    page.goto(f"/episodes/{episode.id}/print/")
    expect(page.locator("main")).to_contain_text("Wallstent")
    expect(page.locator("main")).to_contain_text(f"{(days_ago(7) + dt.timedelta(weeks=2)):%B %Y}")
    accessible(page)
    shot(page, "episode-print")
