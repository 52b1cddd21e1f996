"""Who may do what, everywhere: the one permission matrix. Every API endpoint (each method it
has) and every web page (GET and the POSTs of its forms), as an anonymous client, a signed-in
user in no role, a coordinator, a nurse, an admin and a superuser (who counts as an admin). A
cell is allowed or refused by the contract's role table (../shared/contract/api.md), pathway.md
and core/roles.py; an allowed cell gets the exact answer of a valid request (200 for a read), a
refused one 401 (anonymous API), the sign-in page (anonymous page) or 403 (with its reason in
`detail` from the API). A refused write saves nothing; an allowed write the API makes saves
something. A guard fails when a route has no row, so no endpoint goes unchecked. The role
table's single behaviours (tokens, new users, a role taken away) are in tests/api/test_roles.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.second_factor.rules import NONE, second_step_need
from outcomes.pages import TABLES
from tests.api import support as s
from tests.core.matrix_world import PASSWORD, ROLES, build, result_body, result_form
from tests.fhir.support import export_of
from tests.two_step import authenticator, code_now

ANYONE = frozenset(ROLES)
SIGNED_IN = ANYONE - {"anonymous"}
EVERY_ROLE = SIGNED_IN - {"no_role"}
STAFF = frozenset({"coordinator", "admin"})  # record pathway data, move patients
ADMIN = frozenset({"admin"})
LOGIN = "login"  # a page redirecting to the sign-in page
# The idle warning's script asks in JSON: a stranger is told 401, not sent to a page.
KEEP_ALIVE = {
    "anonymous": 401,
    **{role: 200 for role in ("no_role", "nurse", "coordinator", "admin")},
}
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Row:
    """One route and method: who may use it and what they then get (a status or LOGIN; a
    dict by role where roles differ)."""

    name: str
    method: str
    who: frozenset
    ok: int | str | dict
    kw: Callable = lambda w, role: {}
    body: Callable = lambda w, role: None
    note: str = ""
    saves: bool = False  # an allowed request changes what tests.api.support.saved() reads
    headers: dict = field(default_factory=dict)  # sent with the request (HTTP_PREFER=...)

    def __str__(self) -> str:
        return f"{self.method} {self.name}" + (f" ({self.note})" if self.note else "")

    @property
    def api(self) -> bool:
        return self.name == "healthz" or ROUTES.get(self.name, "").startswith(("api/", "fhir/"))

    def expected(self, role: str) -> int | str:
        if isinstance(self.ok, dict) and role in self.ok:
            return self.ok[role]
        like = "admin" if role == "superuser" else role
        if like not in self.who:
            return 403 if role != "anonymous" else (401 if self.api else LOGIN)
        return self.ok[like] if isinstance(self.ok, dict) else self.ok


def _patterns(resolvers=None, prefix: str = "", space: str = ""):
    """(route, name with its namespace, callback) of every URL pattern, includes walked."""
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(entry, URLResolver):
            inner = f"{space}{entry.namespace}:" if entry.namespace else space
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{space}{entry.name}" if entry.name else None
            yield prefix + str(entry.pattern), name, entry.callback


ROUTES = {name: route for route, name, _ in _patterns() if name}


def ep(attr: str, key: str = "episode_id"):
    return lambda w, role: {key: getattr(w, attr).id}


def creds(w, role):
    """The password, and the authenticator's code for accounts that sign in in two steps."""
    user = w.users["no_role" if role == "anonymous" else role]
    sent = {"username": user.username, "password": PASSWORD}
    if second_step_need(user) != NONE:
        sent["otp"] = code_now(authenticator(user))
    return sent


def move_code(name: str) -> str:
    """A move as the episode page's form names it."""
    return name.replace("_", "-")


SURV, G, P = ep("surveillance"), "GET", "POST"
COMPLICATION = {"kind": "pulmonary_embolism", "occurred_on": s.ago(0), "severity": "moderate"}
CHECK = {
    "limb_perfusion": "normal",
    "compartment_signs": False,
    "access_bleeding": False,
    "pain_score": 3,
    "mobilised": True,
}
OWN_ALERT = lambda w, role: {"alert_id": w.alerts.get(role, w.alerts["coordinator"]).id}  # noqa: E731
FOLLOW_UP = lambda w, role: {"follow_up_id": w.follow_up.id}  # noqa: E731
COURSE_STOP = lambda w, r: {  # noqa: E731 - stop the world's course today, saying why
    f"course{w.course.id}-started_on": s.ago(0),
    f"course{w.course.id}-stopped_on": s.ago(0),
    f"course{w.course.id}-reason": "Bridging done.",
}
FHIR_PATIENT = {
    "resourceType": "Patient",
    "gender": "female",
    "birthDate": "1968-03-02",
    "identifier": [{"system": settings.FHIR_MRN_SYSTEM, "value": "RX-3001"}],
    "name": [{"family": "Byron", "given": ["Ada"]}],
}
ASYNC = {"HTTP_PREFER": "respond-async"}


def EXPORT(w, r):
    return {"job_id": export_of(w.users[r] if r in ("admin", "superuser") else w.users["admin"]).id}


NEW_PATIENT = {
    "mrn": "RX-2001",
    "given_name": "Ada",
    "family_name": "Byron",
    "birth_date": "1968-03-02",
    "sex": "female",
}

# The table, one row a line where it fits.
# fmt: off
API_ROWS = [
    Row("token", P, ANYONE, 200, body=creds),
    Row("token-logout", P, SIGNED_IN, 204),  # from the sign-out branch; only where it exists
    Row("token-logout-all", P, SIGNED_IN, 204),
    Row("healthz", G, ANYONE, 200),
    Row("api-users", G, STAFF, 200),
    Row("api-users", P, ADMIN, 201, body=lambda w, r: s.user_body(), saves=True),
    Row("patients", G, EVERY_ROLE, 200),
    Row("patients", G, EVERY_ROLE, 200, body=lambda w, r: {"search": "MRN"}, note="a search"),
    Row("patients", P, STAFF, 201, body=lambda w, r: s.patient_body(), saves=True),
    Row("patient", G, EVERY_ROLE, 200, kw=ep("patient", "patient_id")),
    Row("patient", "PATCH", STAFF, 200, kw=ep("patient", "patient_id"),
        body=lambda w, r: {"family_name": "Byron-Lovelace"}, saves=True),
    Row("episodes", G, EVERY_ROLE, 200),
    Row("episodes", G, EVERY_ROLE, 200, body=lambda w, r: {"state": "imaging"}, note="a state"),
    Row("episodes", P, STAFF, 201, body=lambda w, r: {"patient": w.patient.id}, saves=True),
    Row("episode", G, EVERY_ROLE, 200, kw=SURV),
    Row("episode", "PATCH", STAFF, 200, kw=SURV,
        body=lambda w, r: {"assigned_nurse": w.users["nurse"].id}),
    Row("transitions", P, STAFF, 200, kw=ep("selection"),
        body=lambda w, r: {"transition": "refer_to_mdt"}, note="a move", saves=True),
    Row("transitions", P, STAFF, 200, kw=ep("scheduling"), note="to procedure", saves=True,
        body=lambda w, r: {"transition": "schedule_procedure"}),
    Row("transitions", P, STAFF, 200, kw=ep("discharging"), note="discharge", saves=True,
        body=lambda w, r: {"transition": "discharge"}),
    Row("transitions", P, STAFF, 200, kw=ep("imaging"), note="withdraw", saves=True,
        body=lambda w, r: {"transition": "withdraw", "reason": "Declined the procedure."}),
    Row("transitions", P, STAFF, 200, kw=ep("referred"), note="a death", saves=True,
        body=lambda w, r: {"transition": "record_death", "effective_on": s.ago(0)}),
    Row("transitions", P, ADMIN, 200, kw=ep("referred"), note="correct", saves=True,
        body=lambda w, r: {"transition": "correct", "reason": "Referred in error."}),
    Row("history", G, EVERY_ROLE, 200, kw=SURV),
    Row("revisions", G, EVERY_ROLE, 200, kw=SURV),
    Row("handover", G, EVERY_ROLE, 200, kw=SURV),
    Row("selection", G, EVERY_ROLE, 200, kw=SURV),
    Row("selection", "PUT", STAFF, 200, kw=ep("selection"), body=lambda w, r: s.selection_body(),
        saves=True),
    Row("mdt", G, EVERY_ROLE, 200, kw=SURV),
    Row("mdt", P, STAFF, 201, kw=ep("referred"), body=lambda w, r: s.mdt_body(), saves=True),
    Row("imaging", G, EVERY_ROLE, 200, kw=SURV),
    Row("imaging", P, STAFF, 201, kw=ep("imaging"), body=lambda w, r: s.imaging_body(),
        saves=True),
    Row("anticoag", G, EVERY_ROLE, 200, kw=SURV),
    Row("anticoag", "PUT", STAFF, 200, kw=ep("imaging"),
        body=lambda w, r: s.anticoagulation_body(), saves=True),
    Row("courses", G, EVERY_ROLE, 200, kw=ep("post_op")),
    Row("courses", P, STAFF, 201, kw=ep("post_op"),
        body=lambda w, r: {"agent": "apixaban", "started_on": s.ago(0)}, saves=True),
    Row("course", "PATCH", STAFF, 200,
        kw=lambda w, r: {"episode_id": w.post_op.id, "course_id": w.course.id},
        body=lambda w, r: {"stopped_on": s.ago(0), "reason": "Bridging done."}, saves=True),
    Row("procedure", G, EVERY_ROLE, 200, kw=SURV),
    Row("procedure", "PUT", STAFF, 200, kw=ep("procedure"), body=lambda w, r: s.procedure_body(),
        saves=True),
    Row("discharge", G, EVERY_ROLE, 200, kw=SURV),
    Row("discharge", "PUT", STAFF, 200, kw=ep("post_op"),
        body=lambda w, r: s.discharge_plan_body(), saves=True),
    Row("complications", G, EVERY_ROLE, 200, kw=SURV),
    Row("complications", P, STAFF, 201, kw=ep("post_op"), body=lambda w, r: COMPLICATION,
        saves=True),
    Row("postop-checks", G, EVERY_ROLE, 200, kw=ep("post_op")),
    Row("postop-checks", P, STAFF, 201, kw=ep("post_op"),
        body=lambda w, r: {**CHECK, "at": timezone.now().isoformat()}, saves=True),
    Row("measurements", G, EVERY_ROLE, 200, kw=SURV),
    Row("measurements", P, STAFF, 201, kw=SURV,
        body=lambda w, r: {"measured_on": s.ago(0), "weight_kg": "70"}),
    Row("follow-ups", G, EVERY_ROLE, 200, kw=SURV),
    Row("visits", G, EVERY_ROLE, 200, kw=SURV),
    Row("visits", P, EVERY_ROLE, 201, kw=SURV,
        body=lambda w, r: {"kind": "inr_check", "performed_on": s.ago(0), "inr": "2.4"},
        saves=True),
    Row("result", P, EVERY_ROLE, 200, kw=FOLLOW_UP, body=lambda w, r: result_body(w.follow_up),
        saves=True),
    Row("alerts", G, EVERY_ROLE, 200),
    Row("stents", G, STAFF, 200, body=lambda w, r: {"lot": "A17-0042"}, note="a recall"),
    Row("acknowledge", P, EVERY_ROLE, 200, kw=OWN_ALERT, note="her own alert"),
    Row("api-dashboard", G, ADMIN, 200),
    Row("api-outcomes", G, ADMIN, 200),
    Row("schema", G, SIGNED_IN, 200, note="holds no patient data"),
    Row("docs", G, SIGNED_IN, 200, note="Swagger UI over the schema"),
    # FHIR (fhir/api.py): reads for every role, creates for staff; refusals are OperationOutcomes
    Row("fhir:metadata", G, SIGNED_IN, 200, note="no patient data, like the schema"),
    Row("fhir:type", G, EVERY_ROLE, 200, kw=lambda w, r: {"resource_type": "Patient"},
        body=lambda w, r: {"family": "Byron"}, note="a Patient search"),
    Row("fhir:type", G, EVERY_ROLE, 200, kw=lambda w, r: {"resource_type": "Observation"},
        body=lambda w, r: {"patient": f"Patient/{w.surveillance.patient_id}"},
        note="a patient's Observations"),
    Row("fhir:type", P, STAFF, 201, kw=lambda w, r: {"resource_type": "Patient"},
        body=lambda w, r: FHIR_PATIENT, saves=True, note="a Patient"),
    Row("fhir:type", P, STAFF, 201, kw=lambda w, r: {"resource_type": "ServiceRequest"},
        body=lambda w, r: {"resourceType": "ServiceRequest", "status": "active",
                           "intent": "order", "subject": {"reference": f"Patient/{w.patient.id}"}},
        saves=True, note="a referral"),
    Row("fhir:read", G, EVERY_ROLE, 200,
        kw=lambda w, r: {"resource_type": "EpisodeOfCare", "resource_id": str(w.surveillance.id)}),
    Row("fhir:everything", G, EVERY_ROLE, 200, kw=SURV),
    Row("fhir:no-such-route", G, SIGNED_IN, 404, kw=lambda w, r: {"rest": "Patient/1/_history"},
        note="a 404 OperationOutcome once signed in"),
    Row("fhir:no-such-route", P, SIGNED_IN, 404, kw=lambda w, r: {"rest": "Patient/1/$validate"}),
    Row("fhir:no-such-route", "PUT", SIGNED_IN, 404, kw=lambda w, r: {"rest": "Patient/1/x"}),
    Row("fhir:no-such-route", "PATCH", SIGNED_IN, 404, kw=lambda w, r: {"rest": "Patient/1/x"}),
    Row("fhir:no-such-route", "DELETE", SIGNED_IN, 404, kw=lambda w, r: {"rest": "Patient/1/x"}),
    Row("fhir:export", G, ADMIN, 202, headers=ASYNC, note="bulk export: everyone's record"),
    Row("fhir:group-export", G, ADMIN, 202, headers=ASYNC,
        kw=lambda w, r: {"group_id": "surveillance"}),
    Row("fhir:export-status", G, ADMIN, 202, kw=EXPORT, note="the requester's, running"),
    Row("fhir:export-status", "DELETE", ADMIN, 202, kw=EXPORT, note="cancel it"),
    Row("fhir:export-file", G, ADMIN, 200, note="the requester's",
        kw=lambda w, r: {"job_id": export_of(w.users.get(r, w.users["admin"])
                                             if r in ("admin", "superuser") else
                                             w.users["admin"], completed=True).id,
                         "file_name": "Patient.ndjson"}),
]

SIGNED_IN_GOES_HOME = {role: 302 for role in SIGNED_IN} | {"anonymous": 200}
ADMINS = frozenset({"admin", "superuser"})
SET_UP_ALREADY = {r: 302 for r in ADMINS} | {"anonymous": LOGIN}
PAGE_ROWS = [
    Row("home", G, EVERY_ROLE, 302, note="to the role's own page"),
    Row("login", G, ANYONE, SIGNED_IN_GOES_HOME),
    Row("login", P, ANYONE, 302, body=creds),
    Row("login", "PUT", ANYONE, SIGNED_IN_GOES_HOME, note="a FormView takes PUT; no form data"),
    Row("logout", P, ANYONE, LOGIN, note="back to the sign-in page"),
    Row("keep-alive", G, ANYONE, KEEP_ALIVE, note="seconds left; 401 in JSON when signed out"),
    Row("keep-alive", P, ANYONE, KEEP_ALIVE, note="stay signed in"),
    Row("users", G, ADMIN, 200),
    Row("users", P, ADMIN, 302,
        body=lambda w, r: {"username": "new-staff", "password": "a-long-secret-pw1",
                           "role": "nurse", "email": "new@unit.example",
                           "full_name": "Nell Staffer"}),
    Row("user-role", P, ADMIN, 302, kw=ep("spare", "user_id"), body=lambda w, r: {"role": "admin"}),
    Row("user-active", P, ADMIN, 302, kw=ep("spare", "user_id"), body=lambda w, r: {"active": "0"}),
    Row("user-email", P, ADMIN, 302, kw=ep("spare", "user_id"),
        body=lambda w, r: {"email": "spare@unit.example"}),
    Row("user-unlock", P, ADMIN, 302, kw=ep("spare", "user_id"), note="nothing to unlock"),
    Row("user-two-step-reset", P, ADMIN, 302, kw=ep("spare", "user_id"), note="a lost phone"),
    # The second step (core/second_factor/): every session here has finished signing in.
    Row("two-step", G, SIGNED_IN, 302, note="no code owed: on to the page"),
    Row("two-step", P, SIGNED_IN, 302, body=lambda w, r: {"code": "000000"}, note="none owed"),
    Row("two-step-enrol", G, SIGNED_IN, {r: 200 for r in SIGNED_IN - ADMINS} | SET_UP_ALREADY,
        note="admins have an authenticator: sent to their two-step page"),
    Row("two-step-enrol", P, SIGNED_IN, {r: 400 for r in SIGNED_IN - ADMINS} | SET_UP_ALREADY,
        body=lambda w, r: {"code": "000000"}, note="a wrong code"),
    Row("two-step-manage", G, SIGNED_IN, 200),
    Row("two-step-manage", P, SIGNED_IN, 302, note="new recovery codes, or why not"),
    Row("worklist", G, STAFF, 200),
    Row("stent-recall", G, STAFF, 200, body=lambda w, r: {"lot": "A17-0042"}),
    Row("worklist", P, STAFF, 302, body=lambda w, r: {"q": "MRN"}, note="search"),
    Row("episode-page", G, EVERY_ROLE, 200, kw=SURV),
    Row("episode-print", G, EVERY_ROLE, 200, kw=SURV),
    Row("episode-handover", G, EVERY_ROLE, 200, kw=SURV),
    Row("episode-course-add", P, STAFF, 302, kw=ep("post_op"),
        body=lambda w, r: {"course-agent": "apixaban", "course-started_on": s.ago(0)}),
    Row("episode-course-change", P, STAFF, 302, kw=lambda w, r: {
        "episode_id": w.post_op.id, "course_id": w.course.id}, body=COURSE_STOP),
    Row("episode-move", P, STAFF, 302, kw=ep("selection"),
        body=lambda w, r: {"transition": move_code("refer_to_mdt")}),
    Row("episode-record", P, STAFF, 302, note="a complication",
        kw=lambda w, r: {"episode_id": w.post_op.id, "kind": "complication"},
        body=lambda w, r: {"complication-kind_code": "pulmonary_embolism",
                           "complication-occurred_on": s.ago(0),
                           "complication-severity": "moderate"}),
    Row("episode-assign", P, STAFF, 302, kw=SURV,
        body=lambda w, r: {"assign-assigned_nurse": w.users["nurse"].id}),
    Row("new-patient", G, STAFF, 200),
    Row("new-patient", P, STAFF, 302, body=lambda w, r: NEW_PATIENT),
    Row("new-episode", G, STAFF, 200),
    Row("new-episode", P, STAFF, 302,
        body=lambda w, r: {"patient": w.patient.id, "opened_on": s.ago(0)}),
    Row("inbox", G, EVERY_ROLE, 200),
    Row("alert-acknowledge", P, EVERY_ROLE, 302, kw=OWN_ALERT, note="her own alert"),
    Row("alert-unacknowledge", P, EVERY_ROLE, 409, kw=OWN_ALERT, note="nothing to undo"),
    Row("my-follow-ups", G, EVERY_ROLE, 200),
    Row("feed-create", P, EVERY_ROLE, 200),
    Row("feed-revoke", P, EVERY_ROLE, 200),
    Row("clinic", G, EVERY_ROLE, 200, kw=lambda w, r: {"clinic": "inr"}),
    Row("clinic-feed", G, ANYONE, 404, kw=lambda w, r: {"secret": "not-a-feed"},
        note="the secret is the credential"),
    Row("patient-search", G, EVERY_ROLE, 200),
    Row("record-result", G, EVERY_ROLE, 200, kw=FOLLOW_UP),
    Row("record-result", P, EVERY_ROLE, 302, kw=FOLLOW_UP,
        body=lambda w, r: result_form(w.follow_up)),
    Row("record-visit", G, EVERY_ROLE, 200,
        kw=lambda w, r: {"episode_id": w.surveillance.id, "kind": "inr_check"}),
    Row("record-visit", P, EVERY_ROLE, 302,
        kw=lambda w, r: {"episode_id": w.surveillance.id, "kind": "inr_check"},
        body=lambda w, r: {"performed_on": s.ago(0), "inr": "2.4"}),
    Row("villalta-score", G, EVERY_ROLE, 200),
    Row("villalta-score", P, EVERY_ROLE, 200, body=lambda w, r: {"villalta_pain": "2"}),
    Row("dashboard", G, ADMIN, 200),
    Row("outcomes", G, ADMIN, 200),
    Row("outcomes-csv", G, ADMIN, 200, kw=lambda w, r: {"table": TABLES[0]}),
    Row("outcomes-chart", G, ADMIN, 200, kw=lambda w, r: {"form_name": "primary"}),
]
# fmt: on

# Sign-out came with the token branch: its rows count only where its routes exist.
ROWS = [row for row in API_ROWS + PAGE_ROWS if row.name in ROUTES]

# Routes deliberately outside the matrix, and why.
EXCLUDED = {
    "admin/": "Django's admin checks is_staff and model permissions (tests/core/test_admin.py)",
    "redoc": "Redoc over the schema; the same permission as the schema view",
    "redoc-bundle": "Redoc's script, public like the static files it is read from",
    "favicon": "the app's icon, public like the static files",
}


def _excluded(route: str, name: str | None) -> bool:
    return (
        route.startswith("admin/")
        or name in EXCLUDED
        or route.startswith((settings.STATIC_URL or "/static/").lstrip("/"))
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The ward, built once for the module in a transaction rolled back at its end; each test
    then runs in its own savepoint (pytest-django's db), each request in one more."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST):
        with transaction.atomic():
            yield build()
            transaction.set_rollback(True)


def send(row: Row, w, role: str):
    path = reverse(row.name, kwargs=row.kw(w, role))
    body = row.body(w, role)
    if row.api:
        return getattr(w.api_client(role), row.method.lower())(
            path, body, format="json", **row.headers
        )
    return getattr(w.page_client(role), row.method.lower())(path, body or {})


def outcome(response) -> int | str:
    location = response.get("Location", "") if response.status_code == 302 else ""
    return LOGIN if location.startswith(resolve_url(settings.LOGIN_URL)) else response.status_code


def _reason(body: dict) -> str | None:
    """The reason a refusal gives: the API's `detail`, a FHIR OperationOutcome's diagnostics."""
    if body.get("resourceType") == "OperationOutcome":
        return body["issue"][0].get("diagnostics")
    return body.get("detail")


def answers(row: Row, w) -> tuple[dict[str, int | str], dict[str, object]]:
    """What each role gets, and what went wrong besides; each request is undone, so every role
    finds the same ward."""
    got, said = {}, {}
    for role in ROLES:
        with transaction.atomic():
            before = s.saved() if row.method != "GET" else None
            response = send(row, w, role)
            after = s.saved() if before is not None else None
            transaction.set_rollback(True)
        got[role] = outcome(response)
        refused = got[role] in (401, 403, LOGIN)
        if got[role] != row.expected(role):
            said[role] = response.content[:300]
        elif refused and before != after:
            said[role] = "refused, yet something was saved"
        elif not refused and row.saves and before == after:
            said[role] = "allowed, yet nothing was saved"
        elif got[role] == 403 and row.api and not _reason(response.json()):
            said[role] = "refused without its reason in words"
    return got, said


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_each_role_gets_what_the_role_table_says(row, world):
    want = {role: row.expected(role) for role in ROLES}
    got, said = answers(row, world)
    assert got == want, said
    assert not said, said


def test_every_route_has_a_row_for_each_of_its_methods():
    """A new endpoint, page or API method cannot be added without saying who may use it."""
    covered = {(row.name, row.method) for row in ROWS}
    missing = []
    for route, name, callback in _patterns():
        if _excluded(route, name):
            continue
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        allowed = getattr(view, "http_method_names", ())
        methods = [
            m.upper()
            for m in ("get", "post", "put", "patch", "delete")
            if m in allowed and hasattr(view, m)
        ]
        if not any(n == name for n, _ in covered):
            missing.append(f"{route} ({name})")
        missing += [f"{m} {route}" for m in methods if (name, m) not in covered]
    assert not missing, f"Routes without a row in the permission matrix: {missing}"


def test_the_matrix_covers_no_route_that_is_gone():
    assert {row.name for row in API_ROWS + PAGE_ROWS} - set(ROUTES) <= {
        "token-logout",
        "token-logout-all",
    }
