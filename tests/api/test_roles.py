"""The role table of the API contract, one behaviour at a time: tokens, a nurse's reads, an
admin's correction, a user created in a role, a role taken away, a refusal before the form is
read. Who may use which endpoint and method, role by role (anonymous, no role, nurse,
coordinator, admin, superuser), is the one permission matrix, tests/core/test_permission_matrix.py,
which also checks that a refusal saves nothing and an allowed write saves."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from pathway.codes import State
from tests import factories as f
from tests.api import support as s
from tests.conftest import client_for
from tests.two_step import authenticator, code_now, needs_second_step

pytestmark = pytest.mark.django_db


def referred(actor):
    episode = s.ready_for("refer_to_mdt", actor)
    return f.prepare_and_move(actor, episode, "refer_to_mdt")


# --- anonymous ------------------------------------------------------------------------------
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
    sent = {"username": "new-staff", "password": "a-long-secret-pw1"}
    user = get_user_model().objects.get(username="new-staff")
    if needs_second_step(user):  # a new admin, with an authenticator app set up (issue 21)
        sent["otp"] = code_now(authenticator(user))
    token = s.ok(anonymous.post("/api/auth/token/", sent, format="json"))["token"]
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
