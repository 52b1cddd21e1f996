"""The pages fuzzed as the API is (issue 21: no 500 from any input, on pages as on the API).
Every page route the resolver knows (the API, the FHIR facade, the admin and the docs aside),
as a nurse, a coordinator, an admin and a stranger: GETs with hostile query parameters and
POSTs of each form the pages render (its field names, hostile values), with a valid CSRF token,
a fresh `form_token` (core/static/core/app.js) and sometimes htmx's headers. No answer is a 5xx;
a 4xx says what is wrong in words. Bounded and derandomized in the suite; FUZZ_EXAMPLES=2000
(`make fuzz`) for a long run."""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes.pages import TABLES
from tests.core.matrix_world import build
from tests.fuzz import pages

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
ROLES = ("nurse", "coordinator", "admin", "anonymous")
ROUTES = pages.page_routes()
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CSRF = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # a 32-character secret, sent as cookie and field
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


@pytest.fixture(scope="module")
def ward(django_db_setup, django_db_blocker):
    """The permission matrix's ward, and what its pages render (forms, links), learnt once by
    reading each page as each role."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST):
        with transaction.atomic():
            w = build()
            known = pages.Known()
            episodes = [w.selection, w.referred, w.imaging, w.procedure, w.post_op, w.surveillance]
            known.kwargs["episode_id"] |= {e.id for e in episodes}
            known.kwargs["table"] |= set(TABLES)
            seeds = [reverse(name) for name, route in ROUTES if "<" not in route]
            seeds += [reverse("episode-page", args=[e.id]) for e in episodes]
            seeds += [reverse("record-result", args=[w.follow_up.id])]
            for role in ("nurse", "coordinator", "admin"):
                client = w.page_client(role)
                for url in seeds:
                    response = client.get(url)
                    if response.status_code == 200 and not response.streaming:
                        known.learn(url, response.content.decode())
            yield w, known
            transaction.set_rollback(True)


def request_of(data, route: str, known: pages.Known) -> dict:
    """One hostile request to `route`: who sends it, how, to which path, with what. Mostly a
    form the pages rendered for it, to the path it names; sometimes any path, any method."""
    forms = known.forms.get(route_name(route), [])
    methods = sorted({f.method for f in forms}) or ["GET", "POST"]
    method = data.draw(st.sampled_from(methods * 4 + ["GET", "POST"]), label="method")
    offered = [f for f in forms if f.method == method] or [pages.Form(method, "")]
    form = data.draw(st.sampled_from(offered), label="form")
    path = urlsplit(form.target).path
    if not path or data.draw(st.integers(0, 3), label="any path") == 0:
        path = pages.path_of(route, data.draw(pages.path_arguments(route, known), label="path"))
    names = sorted({*form.fields, *(known.query if method == "GET" else ()), "page"})
    fields = data.draw(
        st.dictionaries(
            st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=12)),
            pages.values([]),
            max_size=2,
        ),
        label="extra",
    )
    for field_name, offered_values in form.fields.items():
        if data.draw(st.integers(0, 3), label=f"send {field_name}"):
            fields[field_name] = data.draw(pages.values(offered_values), label=field_name)
    headers = {}
    if data.draw(st.booleans(), label="htmx"):
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "main", "HTTP_X_CSRFTOKEN": CSRF}
    role = data.draw(st.sampled_from(ROLES), label="role")
    return {"role": role, "method": method, "path": path, "fields": fields, "headers": headers}


def route_name(route: str) -> str:
    return next(name for name, r in ROUTES if r == route)


def send(w, sent: dict):
    client = Client(enforce_csrf_checks=True)
    if sent["role"] != "anonymous":
        client = w.page_client(sent["role"])
        client.handler.enforce_csrf_checks = True
    client.cookies["csrftoken"] = CSRF
    if sent["method"] == "GET":
        return client.get(sent["path"], sent["fields"], **sent["headers"])
    body = {**sent["fields"], "csrfmiddlewaretoken": CSRF, "form_token": uuid.uuid4().hex}
    return client.post(sent["path"], body, **sent["headers"])


def words(response) -> str:
    if response.streaming:
        return "streamed"
    return " ".join(TAGS.sub(" ", response.content.decode(errors="replace")).split())


@pytest.mark.parametrize("route", [r for _, r in ROUTES], ids=[n for n, _ in ROUTES])
def test_no_input_makes_a_page_answer_a_5xx_and_every_refusal_says_why(route, ward):
    w, known = ward

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one_request(data):
        sent = request_of(data, route, known)
        with transaction.atomic():
            response = send(w, sent)
            transaction.set_rollback(True)
        assert response.status_code < 500, sent
        if 400 <= response.status_code < 500:
            assert re.search(r"[A-Za-z]{3,}", words(response)), (response.status_code, sent)

    one_request()


ADMIN_NAMES = ["q", "o", "p", "e", "all", "_to_field", "_popup", "id__exact", "id__gt"]


def changelists() -> list[tuple[str, list[str]]]:
    """Each admin changelist and the query names it reads: its filters, search and ordering."""
    found = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        names = [f"{f}__exact" if isinstance(f, str) else "x" for f in model_admin.list_filter]
        names += [f"{f}__in" for f in model_admin.list_filter if isinstance(f, str)]
        found.append((f"admin:{meta.app_label}_{meta.model_name}_changelist", names))
    return found


@pytest.mark.parametrize(("name", "names"), changelists(), ids=lambda v: str(v).split(":")[-1])
def test_no_query_makes_an_admin_changelist_answer_a_5xx(name, names, ward):
    w, _ = ward
    path = reverse(name)

    @settings(
        max_examples=max(1, EXAMPLES // 2),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.dictionaries(
            st.sampled_from(ADMIN_NAMES + names) | st.text(min_size=1, max_size=12),
            pages.values([]),
            max_size=3,
        )
    )
    def one_request(query):
        with transaction.atomic():
            response = w.page_client("superuser").get(path, query)
            transaction.set_rollback(True)
        assert response.status_code < 500, query

    one_request()
