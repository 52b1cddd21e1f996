"""Issue 18, the worklist and the users page, on a ward tablet (1024 x 768) and a 390 px phone:
the coordinator's page 1 starts with today's work, not with patients long in surveillance who
are merely ready to finish; a search typed without accents from another tab finds Zoë Ångström
and says where she lies; the admin sees who gets no alert email and the deactivated apart, and
a deactivated nurse is told so when she signs in. No page scrolls sideways on the phone."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathway.codes import State
from tasks.models import FollowUp
from tests.e2e.conftest import PASSWORD, TABLET, accessible, person, shot, signed_in
from tests.factories import PatientFactory, UserFactory, days_ago, open_episode, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    """Nothing wider than the screen: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def both_widths(page, name: str) -> None:
    """The page as it stands, checked and photographed on the tablet and on the phone."""
    for size, suffix in ((TABLET, ""), (PHONE, "-phone")):
        page.set_viewport_size(size)
        fits(page)
        accessible(page)
        shot(page, f"{name}{suffix}")
    page.set_viewport_size(TABLET)


def test_the_worklist_starts_with_todays_work_and_a_search_finds_zoe_in_another_tab(page):
    coordinator = person("coordinator", "cora")
    for n in range(3):
        ready = walk_to(
            coordinator,
            PatientFactory(family_name=f"Long{n}", given_name="Sam"),
            State.SURVEILLANCE,
            on=days_ago(1500 + n),
        )
        FollowUp.objects.filter(episode=ready).update(cancelled_at=timezone.now())
    open_episode(coordinator, PatientFactory(family_name="Okafor", given_name="Ada"))
    walk_to(
        coordinator,
        PatientFactory(family_name="Brown", given_name="Ben"),
        State.MDT_DISCUSSION,
        on=days_ago(3),
    )
    walk_to(
        coordinator,
        PatientFactory(family_name="Ångström", given_name="Zoë"),
        State.SURVEILLANCE,
        on=days_ago(30),
    )

    signed_in(page, coordinator)
    page.goto("/")  # where the sign-in lands: the worklist

    first = page.locator("table.worklist-table tbody tr").first
    expect(first).to_contain_text("Follow-up overdue")  # Zoë's INR checks, owed
    rows = page.locator("table.worklist-table tbody tr")
    assert "Long" in rows.nth(5).inner_text()  # after the three with work today
    assert {rows.nth(i).inner_text().split("\n")[0].split("\t")[0] for i in (1, 2)} == {
        "Okafor, Ada",
        "Brown, Ben",
    }
    expect(page.get_by_role("heading", name="Open episodes")).to_contain_text(
        "what needs action first"
    )
    both_widths(page, "worklist-needs-action")

    page.get_by_role("link", name="Selection (1)").click()
    page.get_by_label("MRN or name").fill("zoe")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()

    assert "zoe" not in page.url
    expect(page.get_by_role("link", name="Ångström, Zoë")).to_be_visible()
    expect(page.get_by_text("The search matches")).to_contain_text("1 in Surveillance")
    expect(page.get_by_role("link", name="Every state (1)")).to_have_attribute(
        "aria-current", "true"
    )
    both_widths(page, "worklist-search")

    page.get_by_role("link", name="Selection (0)").click()
    expect(page.get_by_text("No match in Selection")).to_be_visible()
    page.get_by_role("link", name="1 in Surveillance").click()
    expect(page.get_by_role("link", name="Ångström, Zoë")).to_be_visible()


def test_the_admin_sees_who_gets_no_alert_email_and_the_deactivated_apart(page):
    admin = person("admin", "ada", email="ada@unit.example")
    person("nurse", "nina", email="nina@unit.example", last_name="Okoro")
    person("coordinator", "noemail-cody")  # alerts would reach nobody
    person("nurse", "gone-gina", is_active=False, email="gina@unit.example")

    signed_in(page, admin)
    page.goto("/users/")

    expect(page.locator("#missing-email")).to_contain_text("1 active person gets no alert email")
    everyone = page.get_by_role("heading", name="Everyone who can sign in")
    active = page.locator("section", has=everyone)
    gone = page.locator("section", has=page.get_by_role("heading", name="Deactivated"))
    expect(active).to_contain_text("nina")
    expect(active).not_to_contain_text("gone-gina")
    expect(gone).to_contain_text("gone-gina")
    both_widths(page, "users-warning")

    page.get_by_label("Full name").fill("Zoë Ångström")
    page.get_by_label(re.compile(r"^Email:?$")).fill("zoe@unit.example")
    page.get_by_label("Username").fill("zoë.ångström")
    page.get_by_label("Password").fill("zoe12345")
    page.get_by_label(re.compile(r"^Role:?$")).select_option("nurse")
    page.get_by_role("button", name="Create user").click()
    expect(
        page.get_by_text("The password is too similar to the username.", exact=True)
    ).to_be_visible()
    accessible(page)

    page.get_by_label("Password").fill("vein-stent-Harbour-42")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_contain_text("can now sign in as a nurse")
    expect(active).to_contain_text("Zoë Ångström")

    page.get_by_label("Email of noemail-cody").fill("cody@unit.example")
    page.get_by_role("button", name="Save the email of noemail-cody").click()
    expect(page.get_by_text("alerts now go to cody@unit.example")).to_be_visible()
    expect(page.get_by_text("gets no alert email")).to_have_count(0)
    both_widths(page, "users-created")


def test_a_deactivated_nurse_is_told_so_when_she_signs_in(page):
    gone = UserFactory(username="gone-gina", is_active=False)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(gone.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("This account is deactivated")
    both_widths(page, "users-deactivated-sign-in")
