"""Operations: health for the load balancer, the served OpenAPI schema, and the episode view
that tells staff which moves are open now and what blocks the others."""

import pytest
from django.db import OperationalError

from core import views
from pathway import services
from pathway.codes import State
from tests import factories as f
from tests.api import support as s

pytestmark = pytest.mark.django_db


# --- health ---------------------------------------------------------------------------------
def test_health_is_answered_to_anyone(anonymous):
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_a_broker_that_is_down_is_reported_but_the_service_stays_up(anonymous, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "down"}


def test_a_database_that_is_down_makes_the_service_unhealthy(anonymous, monkeypatch):
    class DownConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", DownConnection())
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


# --- schema ---------------------------------------------------------------------------------
CONTRACT_PATHS = {
    "/api/auth/token/": "post",
    "/api/users/": "post",
    "/api/patients/": "post",
    "/api/episodes/": "get",
    "/api/episodes/{episode_id}/": "get",
    "/api/episodes/{episode_id}/transitions/": "post",
    "/api/episodes/{episode_id}/history/": "get",
    "/api/episodes/{episode_id}/selection/": "put",
    "/api/episodes/{episode_id}/mdt/": "post",
    "/api/episodes/{episode_id}/imaging/": "post",
    "/api/episodes/{episode_id}/anticoagulation/": "put",
    "/api/episodes/{episode_id}/anticoagulation/courses/": "post",
    "/api/episodes/{episode_id}/anticoagulation/courses/{course_id}/": "patch",
    "/api/episodes/{episode_id}/procedure/": "put",
    "/api/episodes/{episode_id}/discharge-plan/": "put",
}


def test_the_schema_is_an_openapi_document_listing_the_transitions(as_nurse):
    schema = s.ok(as_nurse.get("/api/schema/?format=json"))

    assert schema["openapi"].startswith("3.")
    transitions = schema["paths"]["/api/episodes/{episode_id}/transitions/"]
    assert "post" in transitions
    missing = {p: m for p, m in CONTRACT_PATHS.items() if m not in schema["paths"].get(p, {})}
    assert missing == {}


# --- the episode view -----------------------------------------------------------------------
LEAVING = {
    State.SELECTION: {
        "refer_to_mdt": "mdt_discussion",
        "exclude": "excluded",
        "withdraw": "withdrawn",
        "record_death": "deceased",
        "correct": None,
    },
    State.MDT_DISCUSSION: {
        "approve": "imaging",
        "exclude": "excluded",
        "withdraw": "withdrawn",
        "record_death": "deceased",
        "correct": "selection",
    },
    State.IMAGING: {
        "schedule_procedure": "procedure",
        "return_to_mdt": "mdt_discussion",
        "exclude": "excluded",
        "withdraw": "withdrawn",
        "record_death": "deceased",
        "correct": "mdt_discussion",
    },
    State.PROCEDURE: {
        "complete_procedure": "post_op",
        "postpone": "imaging",
        "withdraw": "withdrawn",
        "record_death": "deceased",
        "correct": "imaging",
    },
    State.POST_OP: {
        "discharge": "surveillance",
        "withdraw": "withdrawn",
        "record_death": "deceased",
        "correct": "procedure",
    },
    State.SURVEILLANCE: {
        "complete": "completed",
        "reintervene": "procedure",
        "withdraw": "withdrawn",
        "record_death": "deceased",
        "correct": "post_op",
    },
}


def _moves(client, episode) -> dict:
    body = s.ok(client.get(s.episode_url(episode.id)))
    for move in body["transitions"]:
        assert isinstance(move["allowed"], bool)
        assert all(set(u) == {"rule", "message"} and u["message"] for u in move["unmet"])
        assert move["allowed"] == (move["unmet"] == [])
    return {m["name"]: m for m in body["transitions"]}


@pytest.mark.parametrize("state", LEAVING)
def test_the_episode_lists_every_move_leaving_its_state(state, coordinator, as_coordinator):
    episode = f.episode_in(state, coordinator)
    moves = _moves(as_coordinator, episode)
    assert {name: m["target"] for name, m in moves.items()} == LEAVING[state]


def test_a_withdrawn_episode_can_only_be_corrected(coordinator, as_admin):
    episode = f.episode_in(State.IMAGING, coordinator)
    services.episode_transition(
        episode_id=episode.id, name="withdraw", actor=coordinator, reason="Declined."
    )
    moves = _moves(as_admin, episode)
    assert list(moves) == ["correct"]
    assert (moves["correct"]["target"], moves["correct"]["allowed"]) == ("imaging", True)


def test_a_new_episode_shows_what_blocks_the_referral(coordinator, as_coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    moves = _moves(as_coordinator, episode)

    assert {u["rule"] for u in moves["refer_to_mdt"]["unmet"]} == {
        "indication_documented",
        "no_absolute_contraindication",
        "fit_for_procedure",
        "symptom_window",
    }
    assert [u["rule"] for u in moves["correct"]["unmet"]] == ["correctable_move"]
    assert moves["withdraw"]["allowed"] and moves["withdraw"]["reason_required"]
    assert moves["exclude"]["allowed"]


def test_a_contraindication_alone_blocks_the_referral(coordinator, as_coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    f.record_selection(coordinator, episode, contraindications=["active_bleeding"])
    unmet = _moves(as_coordinator, episode)["refer_to_mdt"]["unmet"]
    assert [u["rule"] for u in unmet] == ["no_absolute_contraindication"]
    assert "active bleeding" in unmet[0]["message"]


def test_an_assessed_patient_may_be_referred(coordinator, as_coordinator):
    episode = s.ready_for("refer_to_mdt", coordinator)
    assert _moves(as_coordinator, episode)["refer_to_mdt"]["allowed"] is True


def test_imaging_shows_each_missing_study(coordinator, as_coordinator):
    episode = f.episode_in(State.IMAGING, coordinator)
    f.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    unmet = _moves(as_coordinator, episode)["schedule_procedure"]["unmet"]
    assert {u["rule"] for u in unmet} == {"cross_sectional_done", "ivc_assessed", "anticoagulated"}


def _detail(client, episode) -> dict:
    return s.ok(client.get(s.episode_url(episode.id)))


def test_a_referral_17_days_after_onset_is_allowed_with_a_warning(coordinator, as_nurse):
    episode = f.walk_to(coordinator, f.PatientFactory(), State.SELECTION, on=f.days_ago(2))
    f.record_selection(
        coordinator, episode, symptom_onset=f.days_ago(19), assessed_on=f.days_ago(2)
    )
    body = _detail(as_nurse, episode)

    assert [w["rule"] for w in body["warnings"]] == ["symptom_window"]
    assert "17 days" in body["warnings"][0]["message"]
    refer = next(m for m in body["transitions"] if m["name"] == "refer_to_mdt")
    assert refer["allowed"] is True


def test_a_referral_within_14_days_carries_no_warning(coordinator, as_nurse):
    episode = s.ready_for("refer_to_mdt", coordinator)
    assert _detail(as_nurse, episode)["warnings"] == []


def test_a_late_referral_beyond_21_days_is_blocked_until_an_override_is_given(
    coordinator, as_coordinator
):
    episode = f.walk_to(coordinator, f.PatientFactory(), State.SELECTION, on=f.days_ago(2))
    f.record_selection(
        coordinator, episode, symptom_onset=f.days_ago(30), assessed_on=f.days_ago(2)
    )
    unmet = _moves(as_coordinator, episode)["refer_to_mdt"]["unmet"]
    assert [u["rule"] for u in unmet] == ["symptom_window"]

    f.record_selection(
        coordinator,
        episode,
        symptom_onset=f.days_ago(30),
        assessed_on=f.days_ago(2),
        symptom_window_override="Phlegmasia: limb-threatening.",
    )
    body = _detail(as_coordinator, episode)
    assert next(m for m in body["transitions"] if m["name"] == "refer_to_mdt")["allowed"]
    assert [w["rule"] for w in body["warnings"]] == ["symptom_window"]


def test_an_mdt_without_haematologist_and_anaesthetist_is_shown(coordinator, as_nurse):
    episode = f.episode_in(State.MDT_DISCUSSION, coordinator)
    f.record_mdt(coordinator, episode, attendees=["vascular_surgeon", "interventional_radiologist"])
    body = _detail(as_nurse, episode)

    assert [w["rule"] for w in body["warnings"]] == ["mdt_quorum"]
    assert "haematologist" in body["warnings"][0]["message"]
    assert "anaesthetist" in body["warnings"][0]["message"]
    approve = next(m for m in body["transitions"] if m["name"] == "approve")
    assert approve["allowed"] is True


def test_a_full_mdt_carries_no_warning(coordinator, as_nurse):
    episode = f.episode_in(State.MDT_DISCUSSION, coordinator)
    f.record_mdt(coordinator, episode)
    assert _detail(as_nurse, episode)["warnings"] == []
