"""The anticoagulation journey in the browser (pathway.md section 7): a patient operated on under
a UFH infusion is started on warfarin the next day with the heparin bridging; the nurse records
three INR readings on the ward (the first out of range, and she is told so); the coordinator
stops the heparin after six days with two readings in range, records the pre-discharge duplex
and the plan, and discharges; the handover prints on one A4 page; at month 6 warfarin is
switched to apixaban and the INR checks after the switch are cancelled."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from core.dates import add_months
from demo import walk as demo
from pathway.codes import State
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory, days_ago

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OPERATED = 200  # days ago: the procedure, under the UFH infusion started that morning
A4_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def day(n: int) -> dt.date:
    """The n-th day after the procedure."""
    return days_ago(OPERATED) + dt.timedelta(days=n)


def saved(page, click) -> None:
    with page.expect_navigation():
        click()
    expect(page.locator(".messages")).to_contain_text("Saved")


def course_row(page, agent: str):
    return page.locator("#journey tbody tr").filter(
        has=page.get_by_role("cell", name=agent, exact=True)
    )


def change_course(page, agent: str, reason: str, **fields) -> None:
    """Open "Change or stop <agent>" in the journey section, fill it, save it."""
    change = page.locator("#journey details").filter(
        has=page.get_by_text(re.compile(f"^Change or stop {agent}"))
    )
    change.locator("summary").click()
    for label, value in fields.items():
        change.get_by_label(label, exact=True).fill(value)
    change.get_by_label("Why it changes or stops").fill(reason)
    saved(page, change.get_by_role("button", name="Save the change").click)


def start_course(
    page, agent: str, dose: str, unit: str, frequency: str, on: dt.date, reason: str
) -> None:
    add = page.locator("#journey details.course-add")
    add.locator("summary").click()
    add.get_by_label("Anticoagulant").select_option(agent)
    add.get_by_label("Dose", exact=True).fill(dose)
    add.get_by_label("Dose unit").fill(unit)
    add.get_by_label("Frequency").fill(frequency)
    add.get_by_label("Started on").fill(on.isoformat())
    add.get_by_label("Why it starts").fill(reason)
    saved(page, add.get_by_role("button", name="Start the course").click)


def record_inr(page, on: dt.date, value: str) -> None:
    page.get_by_role("link", name="Record an INR reading").click()
    form = page.locator("form.record-form")
    form.get_by_label("Date performed").fill(on.isoformat())
    form.get_by_label(re.compile(r"^INR:?$")).fill(value)
    with page.expect_navigation():
        form.get_by_role("button", name=re.compile("^Record")).click()


def test_from_ufh_to_warfarin_with_bridging_then_apixaban_at_month_6(page):
    cora = person("coordinator", "cora", first_name="Cora", last_name="Reid")
    nina = person("nurse", "nina", first_name="Nina", last_name="Shah")
    patient = PatientFactory(
        given_name="Henri", family_name="Lambert", sex="male", birth_date=dt.date(1961, 3, 4)
    )
    episode = demo.walk_to(cora, patient, State.POST_OP, on=day(0))
    assert [c.agent for c in episode.courses.all()] == ["ufh_infusion"]
    url = f"/episodes/{episode.id}/"

    # 1. The coordinator starts warfarin the day after the procedure, alongside the heparin.
    signed_in(page, cora)
    page.goto(url)
    expect(course_row(page, "UFH infusion")).to_contain_text("running")
    start_course(
        page,
        "warfarin",
        "5",
        "mg",
        "once daily",
        day(1),
        "Long-term anticoagulation after stenting; UFH bridges.",
    )
    warfarin = course_row(page, "Warfarin")
    expect(warfarin).to_contain_text("5 mg once daily")
    expect(warfarin).to_contain_text(day(1).isoformat())
    expect(warfarin).to_contain_text("2.0–3.0")
    expect(course_row(page, "UFH infusion")).to_contain_text("while bridging")

    # 2. The nurse records three INR readings on the ward; the first is out of range.
    page.context.clear_cookies()
    signed_in(page, nina)
    page.goto(url)
    record_inr(page, day(2), "1.4")
    assert page.url.endswith(url)
    told = page.locator(".messages")
    expect(told).to_contain_text("INR 1.4 is critically out of range (target 2.0–3.0)")  # ≤ 1.5
    expect(told).to_contain_text("Alerted: Cora Reid")
    record_inr(page, day(5), "2.2")
    expect(page.locator(".messages")).not_to_contain_text("out of range")
    record_inr(page, day(6), "2.6")
    readings = page.locator("#journey table").filter(has_text="INR readings")
    expect(readings.locator("tbody tr")).to_have_count(3)
    expect(readings.locator("tbody tr").first).to_contain_text("out of range")
    expect(readings.locator("tbody tr").nth(2)).to_contain_text("in range")

    # 3. Six days together and two readings in range a day apart: the heparin stops.
    page.context.clear_cookies()
    signed_in(page, cora)
    page.goto(url)
    change_course(
        page,
        "UFH infusion",
        "Bridging done: two INRs in range 24 h apart.",
        **{"Stopped on": day(6).isoformat()},
    )
    expect(course_row(page, "UFH infusion")).to_contain_text(day(6).isoformat())
    expect(course_row(page, "UFH infusion")).not_to_contain_text("lifelong")
    expect(page.get_by_text("Bridging to the VKA complete")).to_have_count(0)

    img = page.locator("#imaging")
    img.get_by_label("Study", exact=True).select_option("duplex")
    img.get_by_label("Study date").fill(day(7).isoformat())
    saved(page, img.get_by_role("button", name="Add the study").click)
    plan = page.locator("#discharge_plan")
    plan.get_by_label("Anticoagulant").select_option("vka")
    plan.get_by_label("Compression stockings prescribed").check()
    saved(page, plan.get_by_role("button", name="Save").click)
    discharge = page.locator("form.move").filter(
        has=page.get_by_role("heading", name="Discharge into surveillance")
    )
    discharge.get_by_label("Effective date").fill(day(7).isoformat())
    with page.expect_navigation():
        discharge.get_by_role("button", name="Discharge into surveillance").click()
    expect(page.locator(".messages")).to_contain_text("Done: Discharge into surveillance")
    expect(page.locator(".facts")).to_contain_text("Surveillance")
    expect(page.get_by_text("Bridging to the VKA complete")).to_have_count(0)
    assert episode.courses.get(agent="warfarin").stopped_on is None  # the plan's VKA is it

    # 4. The handover, on one printable A4 page.
    next_inr = episode.follow_ups.open().filter(kind="inr_check").order_by("due_on").first()
    page.get_by_role("link", name=re.compile("^Handover")).click()
    main = page.locator("main")
    now = main.locator("table").first
    expect(now).to_contain_text("Warfarin")
    expect(now).to_contain_text("5 mg")
    expect(now).to_contain_text("once daily")
    expect(main).to_contain_text("Target INR: 2.0–3.0")
    for n, value in ((2, "1.4"), (5, "2.2"), (6, "2.6")):
        expect(main).to_contain_text(f"{day(n):%-d %b %Y}")
        expect(main).to_contain_text(value)
    expect(main.locator(".handover-next dd").first).to_contain_text(f"{next_inr.due_on:%-d %b %Y}")
    expect(main).to_contain_text("UFH infusion")  # an earlier course
    accessible(page)
    page.emulate_media(media="print")
    expect(page.locator("nav").first).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    assert len(A4_PAGE.findall(pdf)) == 1, "the handover prints on one A4 page"
    shot(page, "handover")
    page.emulate_media(media="screen")

    # 5. Month 6: warfarin stops and apixaban starts the same day.
    switch = add_months(day(7), 6)
    assert switch < days_ago(0)
    page.goto(url)
    change_course(
        page,
        "Warfarin",
        "Six months done; switched to a DOAC for the long term.",
        **{"Stopped on": switch.isoformat()},
    )
    start_course(
        page,
        "apixaban",
        "5",
        "mg",
        "twice daily",
        switch,
        "Long-term anticoagulation after six months of warfarin.",
    )
    expect(course_row(page, "Warfarin")).to_contain_text(switch.isoformat())
    apixaban = course_row(page, "Apixaban")
    expect(apixaban).to_contain_text("5 mg twice daily")
    expect(apixaban).to_contain_text("running")
    chart = page.locator("#journey figure svg")
    expect(chart).to_contain_text("Warfarin")
    expect(chart).to_contain_text("Apixaban")

    inr_checks = page.locator("#timeline li.tl-follow_up").filter(
        has_text=re.compile("INR check due", re.I)
    )
    later = [
        text
        for text in inr_checks.all_inner_texts()
        if dt.date.fromisoformat(re.search(r"due (\d{4}-\d\d-\d\d)", text)[1]) > switch
    ]
    assert later, "the INR checks after the switch were booked at discharge"
    assert all("cancelled" in text for text in later), later
    assert not episode.follow_ups.open().filter(kind="inr_check", due_on__gt=switch).exists()

    page.reload()  # without the flash message
    accessible(page)
    shot(page.locator("#journey"), "journey", full_page=False)
