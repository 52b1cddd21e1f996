"""Every endpoint and page, called as anonymous, a signed-in user with no role, a coordinator, a
nurse and an admin: each cell of the table is asserted. The contract's table (api.md,
"Authentication and roles") is the source: coordinators and admins do pathway work, every role
reads and records results, only admins see the dashboards and manage users; anonymous clients
reach only the token endpoint, the health check and the sign-in page.

A cell is "allowed" when the answer is neither 401/403 nor a redirect to the sign-in page (a GET
must then be 200; a write with an empty body may be a 400/409 about the body); "refused" is
401/403, or for a page the sign-in redirect. A route added without a row fails the guard test."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pathway.codes import State
from tasks.models import Alert
from tests.conftest import client_for
from tests.factories import PatientFactory, UserFactory, walk_to

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "norole", "coordinator", "nurse", "admin")
EVERYONE, SIGNED_IN, STAFF, WORK, ADMIN = "ANCWM", "NCWM", "CWM", "CM", "M"
LETTER = dict(zip(ROLES, "ANCWM", strict=True))  # W: the nurse (N is the user with no role)

E = "/api/episodes/{episode}/"
# (method, url, who may) for the API: the contract's table, endpoint by endpoint.
API = [
    ("post", "/api/auth/token/", EVERYONE),
    ("post", "/api/auth/logout/", SIGNED_IN),
    ("post", "/api/auth/logout-all/", SIGNED_IN),
    ("get", "/healthz", EVERYONE),
    ("get", "/api/schema/", SIGNED_IN),  # the schema names no patient
    ("get", "/api/docs/", SIGNED_IN),
    ("get", "/api/redoc/", SIGNED_IN),
    ("post", "/api/users/", ADMIN),
    ("get", "/api/patients/", STAFF),
    ("post", "/api/patients/", WORK),
    ("get", "/api/patients/{patient}/", STAFF),
    ("patch", "/api/patients/{patient}/", WORK),
    ("get", "/api/episodes/", STAFF),
    ("post", "/api/episodes/", WORK),
    ("get", E, STAFF),
    ("patch", E, WORK),
    ("post", E + "transitions/", WORK),
    ("get", E + "history/", STAFF),
    ("get", E + "revisions/", STAFF),
    *[(m, E + f"{r}/", who) for r in ("selection", "anticoagulation", "procedure",
                                      "discharge-plan")
      for m, who in (("get", STAFF), ("put", WORK))],
    *[(m, E + f"{r}/", who) for r in ("mdt", "imaging", "complications", "postop-checks")
      for m, who in (("get", STAFF), ("post", WORK))],
    ("get", E + "follow-ups/", STAFF),
    ("get", E + "visits/", STAFF),
    ("post", E + "visits/", STAFF),
    ("post", "/api/follow-ups/{follow_up}/result/", STAFF),
    ("get", "/api/alerts/", STAFF),
    ("post", "/api/alerts/{own_alert}/acknowledge/", STAFF),
    ("get", "/api/dashboard/", ADMIN),
    ("get", "/api/dashboard/outcomes/", ADMIN),
]  # fmt: skip
P = "/episodes/{episode}/"
# (method, url, who may) for the web pages (session sign-in).
PAGES = [
    ("get", "/accounts/login/", EVERYONE),
    ("post", "/accounts/logout/", EVERYONE),
    ("get", "/episodes/", WORK),
    ("post", "/episodes/", WORK),
    ("get", P, STAFF),
    ("post", P + "move/", WORK),
    ("post", P + "record/selection/", WORK),
    ("post", P + "assign/", WORK),
    ("get", P + "print/", STAFF),
    ("get", "/episodes/new/", WORK),
    ("get", "/patients/new/", WORK),
    ("get", "/inbox/", STAFF),
    ("post", "/inbox/alerts/{own_alert}/acknowledge/", STAFF),
    ("get", "/inbox/follow-ups/{follow_up}/record/", STAFF),
    ("get", "/inbox/episodes/{episode}/visits/duplex/", STAFF),
    ("get", "/inbox/villalta/", STAFF),
    ("get", "/dashboard/", ADMIN),
    ("get", "/dashboard/outcomes/", ADMIN),
    ("get", "/dashboard/outcomes/patency.csv", ADMIN),
    ("get", "/users/", ADMIN),
    ("post", "/users/{other_user}/role/", ADMIN),
    ("post", "/users/{other_user}/active/", ADMIN),
]
# Routes outside the matrix, and why.
UNCOVERED = {"admin/": "Django's admin: staff-only by Django, tested in tests/core/test_admin.py",
             "": "the home page only redirects each role (tests/core)"}  # fmt: skip


@pytest.fixture
def world(coordinator, nurse, admin_user):
    """One episode in surveillance (follow-ups owed), an alert for each user, another user."""
    norole = UserFactory(username="no-role-1")
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    users = {"norole": norole, "coordinator": coordinator, "nurse": nurse, "admin": admin_user}
    alerts = {
        role: Alert.objects.create(episode=episode, kind=Alert.Kind.URGENT_RESULT, recipient=u,
                                   follow_up=episode.follow_ups.order_by("id")[i])
        for i, (role, u) in enumerate(users.items())
    }  # fmt: skip
    other = UserFactory(username="someone-else")
    other.groups.add(Group.objects.get(name="nurse"))
    return {"users": users, "alerts": alerts, "episode": episode, "other": other}


def _url(template: str, world, role: str) -> str:
    alert = world["alerts"].get(role) or world["alerts"]["nurse"]
    return template.format(
        episode=world["episode"].id, patient=world["episode"].patient_id,
        follow_up=world["episode"].follow_ups.order_by("id").first().id, own_alert=alert.id,
        other_user=world["other"].id,
    )  # fmt: skip


def _answer(method, url, role, world, *, page: bool):
    user = world["users"].get(role)
    if page:
        client = Client()
        if user is not None:
            client.force_login(user)
        return getattr(client, method)(url, {})
    client = client_for(user)
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, {}, format="json")


def _verdict(response, method: str, page: bool, url: str) -> str:
    if url == "/accounts/logout/" and response.status_code == 302:
        return "allowed"  # signed out (or already out), then sent to the sign-in page
    if response.status_code in (401, 403):
        return "refused"
    if page and response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "refused"
    if method == "get" and response.status_code not in (200, 302):
        return f"broken ({response.status_code})"
    if response.status_code >= 500:
        return f"broken ({response.status_code})"
    return "allowed"


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_and_page_answers_each_role_as_the_table_says(role, world):
    wrong = []
    for page, rows in ((False, API), (True, PAGES)):
        for method, template, who in rows:
            url = _url(template, world, role)
            with transaction.atomic():  # each call sees the same data
                response = _answer(method, url, role, world, page=page)
                transaction.set_rollback(True)
            expected = "allowed" if LETTER[role] in who else "refused"
            got = _verdict(response, method, page, url)
            if got != expected:
                wrong.append(f"{method.upper()} {url}: {got} ({response.status_code}), "
                             f"expected {expected}")  # fmt: skip
    assert wrong == []


def _routes(patterns, prefix="") -> list[str]:
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern) in UNCOVERED:
                continue
            out += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


def _shape(url: str) -> str:
    """A matrix URL or a route as one comparable shape: every variable part becomes <>."""
    import re

    url = re.sub(r"<[^>]+>|\{[^}]+\}", "<>", url.lstrip("/"))
    return re.sub(r"(dashboard/outcomes/)[^/]+\.csv", r"\1<>.csv", url).replace("record/selection/",
                  "record/<>/").replace("visits/duplex/", "visits/<>/")  # fmt: skip


def test_no_route_is_missing_from_the_matrix():
    covered = {_shape(url) for _, url, _ in API + PAGES}
    routes = {_shape(r) for r in _routes(get_resolver().url_patterns)} - set(UNCOVERED)
    assert sorted(routes - covered) == []
