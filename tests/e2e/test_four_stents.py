"""The four-stent reconstruction in the browser (issue 18): a coordinator enters an IVC-to-femoral
reconstruction on the episode page, four stents each spanning one or two segments with its lot
number, asking for the fourth row with "Add another stent" (no script needed), and saves it; a
recall by lot then finds the patient. At 1024 x 768 and on a 390 px phone, axe-clean."""

import pytest
from playwright.sync_api import expect

from demo import walk as demo
from pathway.codes import State
from pathway.models import ProcedureNote
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
RECONSTRUCTION = [
    ("Sinus-XL", "24", "90", ["ivc"], "IVC-771"),
    ("Venovo", "16", "120", ["ivc", "left_common_iliac"], "VN-1602"),
    ("Venovo", "14", "120", ["left_common_iliac", "left_external_iliac"], "VN-1403"),
    ("Abre", "12", "100", ["left_external_iliac", "left_common_femoral"], "AB-1210"),
]


def fill_stent(form, number: int, product, diameter, length, segments, lot) -> None:
    form.get_by_label(f"Stent {number}: product", exact=True).fill(product)
    form.get_by_label(f"Stent {number}: diameter (mm)", exact=True).fill(diameter)
    form.get_by_label(f"Stent {number}: length (mm)", exact=True).fill(length)
    form.get_by_label(f"Stent {number}: segments it spans", exact=True).select_option(segments)
    form.get_by_label(f"Stent {number}: lot number", exact=True).fill(lot)


def at_both_widths(page, name: str, target=None) -> None:
    """axe at the ward tablet's width and at a phone's, with a screenshot of each."""
    for viewport, suffix in ((TABLET, ""), (PHONE, "-phone")):
        page.set_viewport_size(viewport)
        accessible(page)
        if target is not None:  # this part of the long episode page: nothing past the edge
            wide = target.element_handle().evaluate(
                """(e, w) => [e, ...e.querySelectorAll('*')]
                .filter(x => x.getBoundingClientRect().right > w + 1)
                .map(x => x.tagName + ' ' + x.className)""",
                viewport["width"],
            )
            assert wide == [], f"{name} wider than {viewport['width']} px: {wide[:5]}"
        else:  # a page of its own: no sideways scrolling (a wide table scrolls in its region)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name}: {width} px wide"
        shot(target or page, f"{name}{suffix}", full_page=target is None)
    page.set_viewport_size(TABLET)


def test_a_four_stent_reconstruction_is_entered_saved_and_found_by_its_lot(page):
    coordinator = person("coordinator", "cora", first_name="Cora", last_name="Reid")
    patient = PatientFactory(given_name="Aino", family_name="Virtanen")
    episode = demo.walk_to(coordinator, patient, State.PROCEDURE)
    signed_in(page, coordinator)

    page.goto(f"/episodes/{episode.id}/#procedure")
    form = page.locator("section#procedure form")
    form.get_by_label("Procedure date").fill(episode.history.latest("id").effective_on.isoformat())
    form.get_by_label("Access 1: vein").select_option("femoral")
    form.get_by_label("Access 1: side").select_option("left")
    form.get_by_label("Thrombus removal technique").select_option("aspiration")
    form.get_by_label("Completion venogram patent").select_option("yes")
    for number, stent in enumerate(RECONSTRUCTION[:3], start=1):
        fill_stent(form, number, *stent)
    expect(form.get_by_label("Stent 4: product", exact=True)).to_have_count(0)

    form.get_by_role("button", name="Add another stent").click()

    form = page.locator("section#procedure form")
    fourth = form.get_by_label("Stent 4: product", exact=True)
    expect(fourth).to_be_focused()  # the new row, where typing goes on
    expect(form.get_by_label("Stent 3: lot number", exact=True)).to_have_value("VN-1403")
    assert not ProcedureNote.objects.filter(episode=episode).exists()  # nothing saved yet
    fill_stent(form, 4, *RECONSTRUCTION[3])
    at_both_widths(page, "stents-procedure-form", form)

    form.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Saved: Procedure note.")
    note = ProcedureNote.objects.get(episode=episode)
    stents = list(note.stents.prefetch_related("spans"))
    assert [s.segments for s in stents] == [segments for *_, segments, _ in RECONSTRUCTION]
    assert [s.lot for s in stents] == [lot for *_, lot in RECONSTRUCTION]
    form = page.locator("section#procedure form")
    expect(form.get_by_label("Stent 4: lot number", exact=True)).to_have_value("AB-1210")
    expect(form.get_by_label("Stent 5: product", exact=True)).to_have_value("")  # room for more

    page.get_by_role("link", name="Stent recall").click()
    page.get_by_label("Lot number").fill("vn-1403")
    page.get_by_role("button", name="Find the patients").click()
    found = page.locator("table")
    expect(page.get_by_role("heading", name="1 stent in 1 patient")).to_be_visible()
    expect(found).to_contain_text("Aino Virtanen")
    expect(found).to_contain_text(patient.mrn)
    expect(found).to_contain_text("Lot VN-1403")
    at_both_widths(page, "stents-recall")
