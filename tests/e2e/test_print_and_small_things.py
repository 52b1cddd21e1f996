"""Issue 18 in the browser: the summary for the patient and their GP prints on at most two A4
pages with the drug taken, the next three appointments, whom to call and the advice; Redoc
loads under the Content Security Policy (no Google Fonts); a stranger opening the API docs is
shown how to sign in and comes back to them; the dashboard's numbers open their lists."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from pathway import services
from pathway.codes import State
from tests.e2e.conftest import PASSWORD, TABLET, accessible, person, shot, signed_in
from tests.factories import PatientFactory, days_ago, prepare_and_move, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

A4_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
PHONE = {"width": 390, "height": 844}


def bridged_to_warfarin(coordinator):
    """Operated 20 days ago; enoxaparin from the next day, warfarin 5 mg once daily for 6
    months from the day after, discharged that day with enoxaparin still bridging."""
    patient = PatientFactory(
        given_name="Henri", family_name="Lambert", mrn="MRN-7001", birth_date=dt.date(1958, 3, 2)
    )
    episode = walk_to(coordinator, patient, State.POST_OP, on=days_ago(20))
    for course in episode.courses.filter(stopped_on__isnull=True):
        services.course_change(
            actor=coordinator,
            episode_id=episode.id,
            course_id=course.id,
            stopped_on=days_ago(19),
            reason="Enoxaparin now.",
        )
    services.course_add(
        actor=coordinator,
        episode_id=episode.id,
        agent="enoxaparin",
        started_on=days_ago(19),
        dose=Decimal("1"),
        dose_unit="mg/kg",
        frequency="twice daily",
        reason="Bridging to warfarin.",
    )
    services.course_add(
        actor=coordinator,
        episode_id=episode.id,
        agent="warfarin",
        started_on=days_ago(18),
        dose=Decimal("5"),
        dose_unit="mg",
        frequency="once daily",
        planned_duration_months=6,
        reason="Long-term anticoagulation.",
    )
    return prepare_and_move(coordinator, episode, "discharge", days_ago(18))


def test_the_summary_for_the_patient_and_gp_prints_on_two_a4_pages_at_most(page):
    cora = person(
        "coordinator", "cora", first_name="Cora", last_name="Reid", email="cora@unit.example"
    )
    episode = bridged_to_warfarin(cora)
    signed_in(page, cora)
    page.goto(f"/episodes/{episode.id}/print/")

    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text("a summary for you and your GP")
    expect(main).to_contain_text(
        "Deep vein thrombosis (DVT): a blood clot in the inferior vena "
        "cava (IVC) and the left common iliac and external iliac veins"
    )
    discharged = days_ago(18)
    expect(main).to_contain_text(f"{discharged.day} {discharged:%B %Y}")
    expect(main).to_contain_text("Warfarin 5 mg once daily, target INR 2.0–3.0")
    expect(main).not_to_contain_text("VKA (e.g. warfarin)")
    expect(main.locator("table tbody tr")).to_have_count(3)
    expect(main).not_to_contain_text("Inr check")
    expect(main).to_contain_text("Cora Reid (discharging clinician), cora@unit.example")
    for words in (
        "The stent may be blocking",
        "Bleeding:",
        "Wear your compression stockings",
        "Do not sit or stand still for long.",
        "When to call the unit",
    ):
        expect(main).to_contain_text(words)
    accessible(page)
    shot(page, "print-summary")

    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(A4_PAGE.findall(pdf))
    assert 1 <= pages <= 2, f"the summary prints on {pages} A4 pages"
    page.emulate_media(media="screen")

    page.set_viewport_size(PHONE)
    page.reload()
    accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "print-summary-phone")
    page.set_viewport_size(TABLET)


def test_redoc_loads_under_the_policy_without_google_fonts(page, _no_csp_violation):
    ada = person("admin", "ada")
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    signed_in(page, ada)
    page.goto("/api/redoc/")
    expect(
        page.get_by_role("heading", name=re.compile("Ilio-caval thrombectomy pathway API"))
    ).to_be_visible(timeout=20_000)
    page.wait_for_load_state("networkidle")
    assert not [url for url in asked if "fonts.g" in url], "no web font is fetched"
    origin = page.url.split("/api/")[0]
    elsewhere = [u for u in asked if not u.startswith((origin, "data:", "blob:"))]
    assert elsewhere == [], "Redoc fetches nothing from elsewhere"
    assert _no_csp_violation == []
    shot(page, "print-redoc", full_page=False)  # the first screen: it is long


def test_a_stranger_is_shown_how_to_sign_in_to_the_api_docs_and_comes_back(page):
    nina = person("nurse", "nina")
    response = page.goto("/api/docs/")
    assert response.status == 401
    expect(
        page.get_by_role("heading", name="Sign in to read the API documentation")
    ).to_be_visible()
    accessible(page)
    shot(page, "print-docs-sign-in")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Username").fill(nina.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/api/docs/$"))
    expect(page.locator("#swagger-ui")).to_be_visible()


def test_the_dashboards_numbers_open_their_lists(page):
    ada = person("admin", "ada")
    cora = person("coordinator", "cora")
    walk_to(cora, PatientFactory(), State.SURVEILLANCE, on=days_ago(30))
    signed_in(page, ada)
    page.goto("/dashboard/")
    stages = page.locator("section", has=page.get_by_role("heading", name="Patients by stage"))
    link = stages.get_by_role("link", name="1 patient in Surveillance: open the list")
    accessible(page)
    shot(page, "print-dashboard")
    link.click()
    expect(page).to_have_url(re.compile(r"/episodes/\?state=surveillance$"))
    expect(page.locator("main tbody tr")).to_have_count(1)
