"""An admin's first sign-in sets up two-step sign-in in the browser: the QR code and the key,
the app's code, then the recovery codes shown once (issue 21)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, accessible, person, shot
from tests.two_step import code_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_admin_sets_up_the_app_at_the_first_sign_in_and_keeps_the_recovery_codes(page):
    admin = person("admin", "ada")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator("svg.segno")).to_be_visible()
    accessible(page)
    shot(page, "two-step-set-up")

    page.get_by_label("Code from the app").fill("123")
    page.get_by_role("button", name="Set up").click()
    expect(page.get_by_role("alert")).to_contain_text("That code does not match")

    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    page.get_by_label("Code from the app").fill(code_now(device))
    page.get_by_role("button", name="Set up").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    accessible(page)
    shot(page, "two-step-recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    assert page.url.endswith("/dashboard/")
