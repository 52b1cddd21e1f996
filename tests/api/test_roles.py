"""The role table of the API contract: who may read, who may change the pathway, who may
manage users and correct moves, and what an anonymous client gets."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tests import factories as f
from tests.api import support as s
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Call:
    """One request against something `setup` builds (an episode, a patient or nothing)."""

    id: str
    method: str
    path: str  # "{id}" is replaced by the id of what setup built
    setup: Callable = lambda actor: None
    body: Callable = lambda target: None
    done: int = 200

    def send(self, client: APIClient, target):
        path = self.path.format(  # a record of an episode names the episode too
            id=getattr(target, "id", None), episode_id=getattr(target, "episode_id", None)
        )
        return getattr(client, self.method.lower())(path, self.body(target), format="json")

    def __str__(self) -> str:
        return self.id


def in_state(state):
    return lambda actor: f.episode_in(state, actor)


def ready_for(move):
    return lambda actor: s.ready_for(move, actor)


def move(name, **extra):
    return lambda target: {"transition": name, **extra}


EPISODE = "/api/episodes/{id}/"
COURSE = "/api/episodes/{episode_id}/anticoagulation/courses/{id}/"  # setup builds the course


def with_course(actor):
    episode = f.episode_in(State.POST_OP, actor)
    return services.course_add(actor=actor, episode_id=episode.id, agent="enoxaparin",
                               started_on=s.today())  # fmt: skip

# Every write a coordinator makes along the pathway, each on data where it would succeed.
PATHWAY_WRITES = [
    Call("register a patient", "POST", "/api/patients/", body=lambda t: s.patient_body(), done=201),
    Call(
        "correct a patient's details",
        "PATCH",
        "/api/patients/{id}/",
        setup=lambda actor: f.PatientFactory(),
        body=lambda t: {"family_name": "Byron"},
    ),
    Call(
        "open an episode",
        "POST",
        "/api/episodes/",
        setup=lambda actor: f.PatientFactory(),
        body=lambda patient: {"patient": patient.id},
        done=201,
    ),
    Call(
        "record the selection assessment",
        "PUT",
        EPISODE + "selection/",
        setup=in_state(State.SELECTION),
        body=lambda t: s.selection_body(),
    ),
    Call(
        "record the MDT decision",
        "POST",
        EPISODE + "mdt/",
        setup=in_state(State.MDT_DISCUSSION),
        body=lambda t: s.mdt_body(),
        done=201,
    ),
    Call(
        "record an imaging study",
        "POST",
        EPISODE + "imaging/",
        setup=in_state(State.IMAGING),
        body=lambda t: s.imaging_body(),
        done=201,
    ),
    Call(
        "record pre-procedure anticoagulation",
        "PUT",
        EPISODE + "anticoagulation/",
        setup=in_state(State.IMAGING),
        body=lambda t: s.anticoagulation_body(),
    ),
    Call(
        "start an anticoagulation course",
        "POST",
        EPISODE + "anticoagulation/courses/",
        setup=in_state(State.POST_OP),
        body=lambda t: {"agent": "warfarin", "started_on": s.ago(0)},
        done=201,
    ),
    Call(
        "stop an anticoagulation course",
        "PATCH",
        COURSE,
        setup=with_course,
        body=lambda t: {"stopped_on": s.ago(0), "reason": "Bridging done."},
    ),
    Call(
        "record the procedure note",
        "PUT",
        EPISODE + "procedure/",
        setup=in_state(State.PROCEDURE),
        body=lambda t: s.procedure_body(),
    ),
    Call(
        "record the discharge plan",
        "PUT",
        EPISODE + "discharge-plan/",
        setup=in_state(State.POST_OP),
        body=lambda t: s.discharge_plan_body(),
    ),
    Call(
        "record a complication",
        "POST",
        EPISODE + "complications/",
        setup=in_state(State.POST_OP),
        body=lambda t: {"kind": "haematoma", "occurred_on": s.ago(0), "severity": "mild",
                        "bleeding_class": "minor"},  # fmt: skip
        done=201,
    ),
    Call(
        "record a post-op check",
        "POST",
        EPISODE + "postop-checks/",
        setup=in_state(State.POST_OP),
        body=lambda t: {"at": timezone.now().isoformat(), "limb_perfusion": "normal",
                        "compartment_signs": False, "access_bleeding": False, "pain_score": 2,
                        "mobilised": True},  # fmt: skip
        done=201,
    ),
    Call(
        "refer a patient to the MDT",
        "POST",
        EPISODE + "transitions/",
        setup=ready_for("refer_to_mdt"),
        body=move("refer_to_mdt"),
    ),
    Call(
        "move a patient to procedure",
        "POST",
        EPISODE + "transitions/",
        setup=ready_for("schedule_procedure"),
        body=move("schedule_procedure"),
    ),
    Call(
        "discharge a patient",
        "POST",
        EPISODE + "transitions/",
        setup=ready_for("discharge"),
        body=move("discharge"),
    ),
    Call(
        "withdraw a patient",
        "POST",
        EPISODE + "transitions/",
        setup=in_state(State.IMAGING),
        body=move("withdraw", reason="Patient declined the procedure."),
    ),
    Call(
        "record a death",
        "POST",
        EPISODE + "transitions/",
        setup=in_state(State.MDT_DISCUSSION),
        body=move("record_death", effective_on=s.ago(0)),
    ),
]


def referred(actor):
    episode = s.ready_for("refer_to_mdt", actor)
    return f.prepare_and_move(actor, episode, "refer_to_mdt")


ADMIN_ONLY = [
    Call("create a user", "POST", "/api/users/", body=lambda t: s.user_body(), done=201),
    Call(
        "correct the last move",
        "POST",
        EPISODE + "transitions/",
        setup=referred,
        body=move("correct", reason="Referred to the MDT in error."),
    ),
]

def with_complication(actor):
    episode = f.episode_in(State.POST_OP, actor)
    services.complication_add(
        actor=actor, episode_id=episode.id, kind="pulmonary_embolism", occurred_on=s.today(),
        severity="moderate",
    )  # fmt: skip
    return episode


def with_postop_check(actor):
    episode = f.episode_in(State.POST_OP, actor)
    services.postop_check_add(
        actor=actor, episode_id=episode.id, at=timezone.now(), limb_perfusion="normal",
        compartment_signs=False, access_bleeding=False, pain_score=3, mobilised=True,
    )  # fmt: skip
    return episode


def with_visit(actor):
    episode = f.episode_in(State.SURVEILLANCE, actor)
    task_services.visit_record(
        actor=actor, episode_id=episode.id, kind="inr_check", performed_on=s.today(),
        inr=Decimal("2.5"),
    )  # fmt: skip
    return episode


READS = [
    Call("list patients", "GET", "/api/patients/", setup=lambda actor: f.PatientFactory()),
    Call("search patients", "GET", "/api/patients/?search=MRN", setup=in_state(State.SELECTION)),
    Call("read a patient", "GET", "/api/patients/{id}/", setup=lambda actor: f.PatientFactory()),
    Call("list episodes", "GET", "/api/episodes/", setup=in_state(State.IMAGING)),
    Call(
        "list episodes in a state", "GET", "/api/episodes/?state=imaging", setup=in_state("imaging")
    ),
    Call("read an episode", "GET", EPISODE, setup=in_state(State.IMAGING)),
    Call("read an episode's history", "GET", EPISODE + "history/", setup=in_state(State.IMAGING)),
    Call("read the selection", "GET", EPISODE + "selection/", setup=in_state(State.IMAGING)),
    Call("read the MDT decisions", "GET", EPISODE + "mdt/", setup=in_state(State.IMAGING)),
    Call("read the imaging", "GET", EPISODE + "imaging/", setup=in_state(State.PROCEDURE)),
    Call(
        "read the anticoagulation", "GET", EPISODE + "anticoagulation/", setup=in_state("procedure")
    ),
    Call(
        "read the anticoagulation courses",
        "GET",
        EPISODE + "anticoagulation/courses/",
        setup=lambda actor: with_course(actor).episode,
    ),
    Call("read the procedure note", "GET", EPISODE + "procedure/", setup=in_state(State.POST_OP)),
    Call(
        "read the discharge plan",
        "GET",
        EPISODE + "discharge-plan/",
        setup=in_state("surveillance"),
    ),
    Call("read the revisions", "GET", EPISODE + "revisions/", setup=in_state(State.SURVEILLANCE)),
    Call("read complications", "GET", EPISODE + "complications/", setup=with_complication),
    Call("read post-op checks", "GET", EPISODE + "postop-checks/", setup=with_postop_check),
    Call("read visits", "GET", EPISODE + "visits/", setup=with_visit),
]

SCHEMA = [
    Call("read the API schema", "GET", "/api/schema/"),
    Call("read the API docs", "GET", "/api/docs/"),
]

# Follow-ups and alerts: anonymous clients are turned away before anything is looked up.
FOLLOW_UPS = [
    Call("read follow-ups", "GET", EPISODE + "follow-ups/", setup=in_state(State.SURVEILLANCE)),
    Call(
        "record a follow-up result",
        "POST",
        "/api/follow-ups/1/result/",
        body=lambda t: {"performed_on": s.ago(0), "inr": "2.4"},
    ),
    Call(
        "record an unscheduled visit",
        "POST",
        EPISODE + "visits/",
        setup=in_state(State.SURVEILLANCE),
        body=lambda t: {"kind": "inr_check", "performed_on": s.ago(0), "inr": "2.4"},
    ),
    Call("read alerts", "GET", "/api/alerts/"),
    Call("acknowledge an alert", "POST", "/api/alerts/1/acknowledge/"),
]


# --- anonymous ------------------------------------------------------------------------------
@pytest.mark.parametrize("call", READS + PATHWAY_WRITES + ADMIN_ONLY + SCHEMA + FOLLOW_UPS, ids=str)
def test_an_anonymous_client_is_asked_to_sign_in(call, coordinator, anonymous):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(anonymous, target)

    assert response.status_code == 401, response.content
    assert s.saved() == before


def test_an_anonymous_client_with_a_forged_token_is_asked_to_sign_in(patient):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/patients/").status_code == 401


def test_an_anonymous_client_may_ask_for_a_token(coordinator, anonymous):
    body = s.ok(
        anonymous.post(
            "/api/auth/token/",
            {"username": coordinator.username, "password": "a-long-test-password"},
            format="json",
        )
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/patients/").status_code == 200


def test_an_anonymous_client_may_check_health(anonymous):
    assert anonymous.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "coordinator-1", "password": "not-the-password"},
        {"username": "nobody-here", "password": "a-long-test-password"},
        {"username": "coordinator-1"},
        {},
    ],
    ids=["wrong password", "unknown user", "no password", "nothing"],
)
def test_a_wrong_password_gets_no_token(credentials, coordinator, anonymous):
    response = anonymous.post("/api/auth/token/", credentials, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


# --- nurse ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call", PATHWAY_WRITES, ids=str)
def test_a_nurse_may_not_change_the_pathway(call, coordinator, as_nurse):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(as_nurse, target)

    assert response.status_code == 403, response.content
    assert "detail" in response.json()
    assert s.saved() == before


def test_nurse_cannot_move_a_patient_to_procedure(coordinator, as_nurse):
    episode = s.ready_for("schedule_procedure", coordinator)
    response = as_nurse.post(
        s.episode_url(episode.id, "transitions/"),
        {"transition": "schedule_procedure"},
        format="json",
    )
    assert response.status_code == 403
    episode.refresh_from_db()
    assert episode.state == State.IMAGING


@pytest.mark.parametrize("call", ADMIN_ONLY, ids=str)
def test_a_nurse_may_not_do_what_only_an_admin_does(call, coordinator, as_nurse):
    target = call.setup(coordinator)
    before = s.saved()
    assert call.send(as_nurse, target).status_code == 403
    assert s.saved() == before


@pytest.mark.parametrize("call", READS, ids=str)
def test_a_nurse_may_read_patients_and_episodes(call, coordinator, as_nurse):
    target = call.setup(coordinator)
    assert s.ok(call.send(as_nurse, target))


def test_a_nurse_sees_the_episode_she_looks_for(coordinator, as_nurse):
    episode = f.episode_in(State.IMAGING, coordinator)
    other = f.episode_in(State.SELECTION, coordinator)

    listed = s.ok(as_nurse.get("/api/episodes/?state=imaging"))
    detail = s.ok(as_nurse.get(s.episode_url(episode.id)))
    history = s.ok(as_nurse.get(s.episode_url(episode.id, "history/")))
    patients = s.ok(as_nurse.get("/api/patients/"))

    assert [e["id"] for e in listed["results"]] == [episode.id]
    assert (detail["id"], detail["state"]) == (episode.id, "imaging")
    assert [h["transition"] for h in history] == ["open", "refer_to_mdt", "approve"]
    assert {p["id"] for p in patients["results"]} == {episode.patient_id, other.patient_id}


def test_a_nurse_is_shown_that_she_may_not_make_the_moves(coordinator, as_nurse):
    episode = s.ready_for("refer_to_mdt", coordinator)
    moves = s.ok(as_nurse.get(s.episode_url(episode.id)))["transitions"]
    assert moves and not any(m["permitted"] for m in moves)


# --- coordinator ----------------------------------------------------------------------------
@pytest.mark.parametrize("call", PATHWAY_WRITES, ids=str)
def test_a_coordinator_may_change_the_pathway(call, coordinator, as_coordinator):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(as_coordinator, target)

    assert response.status_code == call.done, response.content
    assert s.saved() != before


@pytest.mark.parametrize("call", ADMIN_ONLY, ids=str)
def test_a_coordinator_may_not_do_what_only_an_admin_does(call, coordinator, as_coordinator):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(as_coordinator, target)

    assert response.status_code == 403, response.content
    assert s.saved() == before


def test_a_coordinator_may_not_undo_a_referral(coordinator, as_coordinator):
    episode = referred(coordinator)
    response = as_coordinator.post(
        s.episode_url(episode.id, "transitions/"),
        {"transition": "correct", "reason": "Wrong patient."},
        format="json",
    )
    assert response.status_code == 403
    episode.refresh_from_db()
    assert episode.state == State.MDT_DISCUSSION
    moves = {
        m["name"]: m for m in s.ok(as_coordinator.get(s.episode_url(episode.id)))["transitions"]
    }
    assert moves["correct"]["permitted"] is False
    assert moves["approve"]["permitted"] is True


# --- admin ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call", PATHWAY_WRITES + ADMIN_ONLY, ids=str)
def test_an_admin_may_do_everything(call, coordinator, as_admin):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(as_admin, target)

    assert response.status_code == call.done, response.content
    assert s.saved() != before


@pytest.mark.parametrize("call", READS, ids=str)
def test_an_admin_may_read_everything(call, coordinator, as_admin):
    target = call.setup(coordinator)
    assert call.send(as_admin, target).status_code == 200


def test_an_admin_correction_takes_the_episode_back(coordinator, as_admin):
    episode = referred(coordinator)
    body = s.ok(
        as_admin.post(
            s.episode_url(episode.id, "transitions/"),
            {"transition": "correct", "reason": "Referred in error."},
            format="json",
        )
    )
    assert body["state"] == "selection"
    history = s.ok(as_admin.get(s.episode_url(episode.id, "history/")))
    assert [(h["transition"], h["target"]) for h in history][-1] == ("correct", "selection")


@pytest.mark.parametrize("call", PATHWAY_WRITES[:3] + ADMIN_ONLY, ids=str)
def test_a_superuser_counts_as_admin(call, coordinator, as_superuser):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(as_superuser, target)

    assert response.status_code == call.done, response.content
    assert s.saved() != before


# --- users ----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["coordinator", "nurse", "admin"])
def test_an_admin_creates_a_user_in_a_role(role, as_admin, anonymous):
    body = s.ok(as_admin.post("/api/users/", s.user_body(role=role), format="json"), 201)

    assert set(body) == {"id", "username", "role", "email", "full_name"}
    assert (body["username"], body["role"]) == ("new-staff", role)
    assert (body["email"], body["full_name"]) == ("new-staff@unit.example", "Nell Staffer")
    user = get_user_model().objects.get(id=body["id"])
    assert (user.email, user.get_full_name()) == ("new-staff@unit.example", "Nell Staffer")
    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert user.check_password("a-long-secret-pw1")


def _signed_in_as_new(role, as_admin, anonymous) -> APIClient:
    s.ok(as_admin.post("/api/users/", s.user_body(role=role), format="json"), 201)
    token = s.ok(
        anonymous.post(
            "/api/auth/token/",
            {"username": "new-staff", "password": "a-long-secret-pw1"},
            format="json",
        )
    )["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_new_nurse_reads_but_does_not_register(as_admin, anonymous, patient):
    client = _signed_in_as_new("nurse", as_admin, anonymous)
    assert client.get("/api/patients/").status_code == 200
    assert client.post("/api/patients/", s.patient_body(), format="json").status_code == 403
    assert client.post("/api/users/", s.user_body(username="x"), format="json").status_code == 403


def test_a_new_coordinator_registers_but_does_not_manage_users(as_admin, anonymous):
    client = _signed_in_as_new("coordinator", as_admin, anonymous)
    patient = s.ok(client.post("/api/patients/", s.patient_body(), format="json"), 201)
    s.ok(client.post("/api/episodes/", {"patient": patient["id"]}, format="json"), 201)
    assert client.post("/api/users/", s.user_body(username="x"), format="json").status_code == 403


def test_a_new_admin_manages_users(as_admin, anonymous):
    client = _signed_in_as_new("admin", as_admin, anonymous)
    s.ok(client.post("/api/users/", s.user_body(username="another"), format="json"), 201)


# --- no role --------------------------------------------------------------------------------
@pytest.mark.parametrize("call", READS + PATHWAY_WRITES + ADMIN_ONLY, ids=str)
def test_a_user_in_no_role_may_do_nothing(call, coordinator, as_nobody):
    target = call.setup(coordinator)
    before = s.saved()

    response = call.send(as_nobody, target)

    assert response.status_code == 403, response.content
    assert s.saved() == before


def test_a_user_whose_role_is_removed_loses_access(nurse):
    client = client_for(nurse)
    assert client.get("/api/episodes/").status_code == 200
    nurse.groups.clear()
    assert client.get("/api/episodes/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/api/patients/",
        "/api/episodes/",
        "/api/episodes/{id}/transitions/",
        "/api/episodes/{id}/mdt/",
        "/api/episodes/{id}/imaging/",
        "/api/episodes/{id}/anticoagulation/courses/",
        "/api/users/",
    ],
)
def test_nurse_is_refused_by_role_before_her_form_is_read(as_nurse, coordinator, path):
    episode = f.open_episode(coordinator)
    response = as_nurse.post(path.format(id=episode.id), {"nonsense": True}, format="json")
    assert response.status_code == 403, response.content
    assert "role" in response.json()["detail"]
