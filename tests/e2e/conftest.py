"""Browser tests: Playwright drives Debian's Chromium headless shell (no browser download)
against the live server, as clinicians would use the pages. Each test checks its pages with
axe-core (axe-playwright-python ships it); `make screenshots` also writes the pictures of them
that the docs show (docs/screenshots/, `shot`)."""

import os
import shutil
import time
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.factories import UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium-headless-shell"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a-long-test-password"
TABLET = {"width": 1024, "height": 768}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium headless shell (Makefile, `browser`), never
    a downloaded one."""
    if not shutil.which(CHROMIUM):
        pytest.fail(
            "Chromium's headless shell is missing: `make test` installs it"
            " (apt-get install chromium-headless-shell)."
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


SERVER: dict[str, str] = {}  # the live server's address, once it runs (signed_in's cookie)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    """A ward tablet's screen, against the test server."""
    SERVER["url"] = live_server.url
    return {**browser_context_args, "viewport": TABLET, "base_url": live_server.url}


@pytest.fixture(scope="session", autouse=True)
def _migrations_rows_beside_the_browser(request, django_db_setup):
    """serialized_rollback puts back, before each browser test, the rows the migrations seeded
    (the roles, the unit's schedule rules), and the flush after it leaves out post_migrate's
    rows, which would clash with them: both need the copy taken when the database was made,
    which hangs on the database connection. Once Playwright runs, its event loop counts as
    running in this thread, and Django gives the code here another connection (its
    connections are per thread, and per task in a running loop): it is told about the copy
    here, as Playwright starts."""
    from django.db import DEFAULT_DB_ALIAS, connections

    before = connections[DEFAULT_DB_ALIAS]
    request.getfixturevalue("playwright")
    after = connections[DEFAULT_DB_ALIAS]
    if after is before or not hasattr(before, "_test_serialized_contents"):
        return
    after._test_serialized_contents = before._test_serialized_contents
    restore = vars(before.creation).get("deserialize_db_from_string")  # tests/template_db.py
    if restore is not None:
        after.creation.deserialize_db_from_string = restore


@pytest.fixture(autouse=True)
def _roles_and_schedule(transactional_db):
    """The live server needs a committed database, so these tests are transactional; a flush
    by an earlier transactional test may have taken the rows the migrations seed (the roles,
    the unit's schedule rules). serialized_rollback has put them back when the database was
    copied with them (above); else seed them again as the migrations do: same functions, same
    historical models."""
    ContentType.objects.clear_cache()
    if hasattr(connection, "_test_serialized_contents"):
        return
    state = MigrationLoader(connection).project_state()
    apps = state.apps
    import_module("core.migrations.0001_roles").create_roles(apps, None)
    import_module("tasks.migrations.0002_defaults_and_roles").seed(apps, None)
    import_module("tasks.migrations.0010_safety_net_fields").inr_escalates_sooner(apps, None)
    import_module("tasks.migrations.0017_admins_edit_unit_settings").grant(apps, None)
    import_module("core.migrations.0007_web_sessions_and_sign_in_settings").seed(apps, None)
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _timeouts(page):
    page.set_default_timeout(10_000)


@pytest.fixture(autouse=True)
def _no_csp_violation(page):
    """Every page runs under the Content-Security-Policy (config/settings.py): Chromium reports
    a refused script, style or image on the console, and the test that met it fails."""
    refused = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    yield refused
    assert refused == [], refused


def person(role: str, username: str, **extra):
    user = UserFactory(
        username=username, first_name=extra.pop("first_name", username.title()), **extra
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(page, user) -> None:
    """The password, then, for a user who signs in in two steps (admins), the code their
    authenticator app shows (one is set up for them beforehand if need be: tests/two_step.py)."""
    from tests.two_step import authenticator, code_now, needs_second_step

    device = authenticator(user) if needs_second_step(user) else None
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_label("Code").fill(code_now(device))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def signed_in(page, user) -> None:
    """The browser signed in as the user, as sign_in() leaves it, without going through the
    sign-in pages (two or three page loads, ~0.8 s each time): for tests whose subject is the
    clinical journey. Where signing in is what is checked (test_sign_in.py, test_two_step.py,
    the deactivated nurse, the stranger sent back to the API docs), the form stays. The session
    is made on the server as the form makes it: django.contrib.auth.login (its user_logged_in
    notes what the sign-in needs), the second step marked done for a user who needs it (the
    suite's force_login does that: tests/conftest.py), the idle count started now, as the
    sign-in's answer starts it (core.middleware.IdleSignOut). Its cookie goes into the
    browser; the next page opened is the first one signed in (page.goto("/") lands where the
    form would)."""
    from django.test import Client

    from core.middleware import IDLE_FOR, IDLE_SEEN
    from core.selectors import idle_seconds

    client = Client()
    client.force_login(user)
    session = client.session
    session[IDLE_SEEN] = int(time.time())
    session[IDLE_FOR] = idle_seconds()
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": SERVER["url"],
                "httpOnly": settings.SESSION_COOKIE_HTTPONLY,
                "sameSite": settings.SESSION_COOKIE_SAMESITE,
            }
        ]
    )


@contextmanager
def every_request_answered(page):
    """Around a click that may send more than one request (a double click): afterwards, every
    request the page sent meanwhile has had its whole answer, or has failed (a request the
    browser gave up)."""
    sent = []

    def on_request(request):
        sent.append(request)

    page.on("request", on_request)
    try:
        yield
    finally:
        page.remove_listener("request", on_request)
    for request in sent:
        response = request.response()
        if response is not None:
            response.finished()


def shot(target, name: str, *, full_page: bool = True) -> None:
    """A screenshot for the docs (docs/web-app.md) of the page, whole or its first screen, or
    of one part of it (a locator), written only when asked for: `make screenshots`. The suite's
    own runs leave docs/screenshots as committed (and spare the browser the pictures)."""
    if os.environ.get("SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"), **({"full_page": True} if full_page else {})
    )


_axe = Axe()  # the axe-core script axe-playwright-python ships
AXE_IN_PAGE = "typeof window.axe === 'object' && typeof window.axe.run === 'function'"
AXE_RUN = "axe.run({resultTypes: ['violations']}).then(results => results.violations)"


def accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it stands. axe-core goes into
    each page once: a second check of the same page (at another width, after a change made
    in place) finds it there."""
    if not page.evaluate(AXE_IN_PAGE):
        page.evaluate(_axe.axe_script)
    bad = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in page.evaluate(AXE_RUN)
        if v.get("impact") in ("serious", "critical")
    ]
    assert bad == [], bad
