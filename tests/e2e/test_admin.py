"""An admin watches the dashboard and creates a user on the users page."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import accessible, person, shot, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_admin_sees_the_dashboard_and_creates_a_user(page):
    admin = person("admin", "ada")
    person("nurse", "nina")

    signed_in(page, admin)
    page.goto("/")  # where the sign-in lands

    assert page.url.endswith("/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Open follow-ups")).to_be_visible()
    expect(page.get_by_role("link", name="Unit settings")).to_be_visible()
    accessible(page)
    shot(page, "dashboard")

    page.get_by_role("link", name="Users and roles").click()
    page.get_by_label("Full name").fill("Nell Newton")
    page.get_by_label(re.compile(r"^Email:?$")).fill("nell@unit.example")
    page.get_by_label("Username").fill("nurse-nell")
    page.get_by_label("Password").fill("password")
    page.get_by_label(re.compile(r"^Role:?$")).select_option("nurse")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#not-saved")).to_contain_text("Not saved: Password: This password is too")
    expect(page.get_by_text("This password is too common.", exact=True)).to_be_visible()
    accessible(page)

    page.get_by_label("Password").fill("a-long-and-fine-password")
    page.get_by_role("button", name="Create user").click()

    expect(page.get_by_role("status")).to_contain_text("nurse-nell can now sign in as a nurse.")
    expect(page.get_by_role("row", name="nurse-nell")).to_contain_text("Nurse")
    accessible(page)
    shot(page, "users")
