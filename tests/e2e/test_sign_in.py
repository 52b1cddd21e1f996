"""Every role signs in at one page and lands on its own; a page not for the role says so."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import accessible, person, shot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_coordinator_signs_in_and_lands_on_the_worklist(page):
    coordinator = person("coordinator", "cora")
    page.goto("/")
    assert "/accounts/login/" in page.url
    accessible(page)
    shot(page, "sign-in")

    sign_in(page, coordinator)

    assert page.url.endswith("/episodes/")


def test_a_nurse_lands_on_her_inbox_and_gets_the_403_page_on_a_coordinator_page(page):
    nurse = person("nurse", "nina")
    sign_in(page, nurse)
    assert page.url.endswith("/inbox/")

    response = page.goto("/episodes/")

    assert response.status == 403
    assert page.get_by_role("heading", name="This page is not for your role").is_visible()
    accessible(page)
    shot(page, "forbidden")


def test_an_admin_lands_on_the_dashboard(page):
    admin = person("admin", "ada")
    sign_in(page, admin)
    assert page.url.endswith("/dashboard/")


def test_a_wrong_password_is_said_in_words(page):
    nurse = person("nurse", "nina")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(nurse.username)
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()


def test_a_minute_before_an_idle_sign_in_ends_the_page_warns_and_she_stays_signed_in(page):
    """The unit set one minute: the warning shows at once, and 'Stay signed in' keeps her."""
    from core.models import SignInSettings

    SignInSettings.objects.update_or_create(pk=1, defaults={"idle_minutes": 1})
    nurse = person("nurse", "nina")
    sign_in(page, nurse)

    warning = page.locator("#idle-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be signed out in")
    accessible(page)
    with page.expect_response(
        lambda r: "/accounts/keep-alive/" in r.url and r.request.method == "POST"
    ) as kept:
        page.get_by_role("button", name="Stay signed in").click()

    assert kept.value.json() == {"signed_in": True, "idle_seconds_left": 60}
    assert page.reload().status == 200 and page.url.endswith("/inbox/")
