"""The episode page starts with a summary, above the forms: a coordinator sees the diagnosis,
the days in stage, the earlier stages and the latest results first; a keyboard user reaches
the first record field through "Skip to the record forms" in a few Tab presses; an MDT decision
saved without choosing one is refused in words. On a ward tablet and on a phone."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from pathway.codes import State
from tasks.services import followup_record_result
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory, days_ago, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def surveilled(coordinator, nurse):
    """Discharged 200 days ago on a VKA, with an INR and a duplex recorded."""
    episode = walk_to(
        coordinator,
        PatientFactory(given_name="Ada", family_name="Byron"),
        State.SURVEILLANCE,
        on=days_ago(200),
    )
    today = dt.date.today()
    inr = episode.follow_ups.filter(kind="inr_check", due_on__lte=today).order_by("due_on")[0]
    followup_record_result(
        actor=nurse, follow_up_id=inr.id, performed_on=inr.due_on, inr=Decimal("2.4")
    )
    duplex = episode.follow_ups.filter(kind="duplex", due_on__lte=today).order_by("due_on")[0]
    followup_record_result(
        actor=nurse,
        follow_up_id=duplex.id,
        performed_on=duplex.due_on,
        segments=[{"segment": "left_common_iliac", "result": "patent"}],
    )
    return episode


def test_the_summary_comes_first_and_the_records_are_a_few_tabs_away(page):
    cora = person("coordinator", "cora")
    nina = person("nurse", "nina")
    episode = surveilled(cora, nina)
    at_mdt = walk_to(
        cora,
        PatientFactory(given_name="Mary", family_name="Somerville"),
        State.MDT_DISCUSSION,
        on=days_ago(3),
    )
    signed_in(page, cora)

    for name, viewport in (("epage-summary", None), ("epage-summary-phone", PHONE)):
        if viewport:
            page.set_viewport_size(viewport)
        page.goto(f"/episodes/{episode.id}/")
        summary = page.locator("#summary")
        expect(summary).to_contain_text("Left ilio-caval DVT")
        expect(page.locator(".facts").first).to_contain_text("200")
        expect(summary).to_contain_text("200 days")
        expect(summary).to_contain_text("INR 2.4 (target 2.0–3.0)")
        expect(summary).to_contain_text("Left common iliac: patent")
        expect(summary).to_contain_text("Wallstent")
        expect(summary).not_to_contain_text("offset days")
        assert summary.bounding_box()["y"] < page.locator("#records").bounding_box()["y"]
        assert (
            page.locator("#records").bounding_box()["y"]
            < (page.locator("#timeline").bounding_box()["y"])
        )
        accessible(page)
        shot(page, name)

        page.goto(f"/episodes/{at_mdt.id}/")
        presses = 0
        while presses < 5:
            page.keyboard.press("Tab")
            presses += 1
            if page.evaluate("document.activeElement.textContent") == "Skip to the record forms":
                break
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 5, presses
        focused = page.evaluate(
            "[document.activeElement.closest('#records') !== null, document.activeElement.id]"
        )
        assert focused == [True, "id_mdt-date"], focused

        mdt = page.locator("#mdt")
        expect(mdt.get_by_label("Decision")).to_have_value("")
        mdt.get_by_label("MDT date").fill(days_ago(1).isoformat())
        mdt.get_by_label("vascular surgeon").check()
        mdt.get_by_label("interventional radiologist").check()
        with page.expect_navigation():
            mdt.get_by_role("button", name="Add the MDT decision").click()
        expect(page.locator("#mdt")).to_contain_text(
            "Choose the MDT decision (proceed, anticoagulation alone or defer); nothing was chosen."
        )
        assert not at_mdt.mdt_decisions.exists()
        accessible(page)
        shot(page, name.replace("summary", "mdt-refused"))
