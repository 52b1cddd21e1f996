"""GET /api/episodes/<id>/handover/ (pathway.md section 7, api.md "Anticoagulation"): the
hand-built case of tests/pathway/handover_case.py, warfarin bridged with enoxaparin, as JSON."""

import pytest

from patients.models import PatientAccess
from tests.api import support as s
from tests.conftest import client_for
from tests.pathway import handover_case as case

pytestmark = pytest.mark.django_db


clock, grace = case.clock, case.grace  # the hand-built case's fixtures


@pytest.fixture
def bridged(clock, grace):
    return case.bridged_to_warfarin(clock, grace)


def handover(client, episode, query: str = ""):
    return client.get(s.episode_url(episode.id, f"handover/{query}"))


def test_the_handover_answers_the_case_worked_by_hand(bridged, as_nurse):
    body = s.ok(handover(as_nurse, bridged))

    assert body["episode"] == bridged.id and body["state"] == "surveillance"
    assert body["as_of"] == "2025-01-24"
    assert {k: body["patient"][k] for k in ("mrn", "given_name", "family_name", "birth_date")} == {
        "mrn": "MRN-0042",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1961-04-12",
    }
    enoxaparin, warfarin = body["courses"]
    assert {
        k: enoxaparin[k]
        for k in ("agent", "class", "dose", "dose_unit", "frequency", "started_on", "stopped_on")
    } == {
        "agent": "enoxaparin",
        "class": "parenteral",
        "dose": "1.00",
        "dose_unit": "mg/kg",
        "frequency": "twice daily",
        "started_on": "2025-01-07",
        "stopped_on": None,
    }
    assert {
        k: warfarin[k]
        for k in (
            "agent",
            "class",
            "dose",
            "target_inr_low",
            "target_inr_high",
            "planned_duration_months",
            "planned_end",
        )
    } == {
        "agent": "warfarin",
        "class": "vka",
        "dose": "5.00",
        "target_inr_low": "2.0",
        "target_inr_high": "3.0",
        "planned_duration_months": 6,
        "planned_end": "2025-07-08",
    }
    assert body["target_inr"] == {"low": "2.0", "high": "3.0"}
    assert [
        (r["performed_on"], r["inr"], r["target_low"], r["target_high"], r["in_range"], r["source"])
        for r in body["inr_readings"]
    ] == [
        ("2025-01-15", "1.6", "2.0", "3.0", False, "follow_up"),
        ("2025-01-19", "1.9", "2.0", "3.0", False, "visit"),
        ("2025-01-22", "2.3", "2.0", "3.0", True, "follow_up"),
    ]
    assert body["ttr"] == 32.1
    assert body["next_inr_check"]["due_on"] == "2025-01-29"
    assert body["next_inr_check"]["status"] == "scheduled"
    assert body["long_term"]["id"] == warfarin["id"]
    assert [r["due_on"] for r in body["reviews"]][:3] == ["2025-01-20", "2025-02-17", "2025-04-06"]
    (bridging,) = body["bridging"]
    assert {
        k: bridging[k]
        for k in (
            "parenteral_course",
            "vka_course",
            "since",
            "not_before",
            "overlap_days",
            "in_range_in_a_row",
            "met",
        )
    } == {
        "parenteral_course": enoxaparin["id"],
        "vka_course": warfarin["id"],
        "since": "2025-01-08",
        "not_before": "2025-01-13",
        "overlap_days": 16,
        "in_range_in_a_row": 1,
        "met": False,
    }
    assert bridging["text"].startswith("Continue Enoxaparin alongside Warfarin")
    assert isinstance(body["warnings"], list)
    # The pre-procedure UFH infusion, stopped when enoxaparin started.
    assert [(c["agent"], c["stopped_on"]) for c in body["earlier_courses"]] == [
        ("ufh_infusion", "2025-01-07")
    ]
    assert body["unit_contact"] == {
        "discharged_on": "2025-01-08",
        "discharged_by": {"name": "Grace Hopper", "email": "grace@unit.example"},
        "coordinator": None,
    }


def test_the_warnings_in_force_have_their_rule_title_and_message(coordinator, as_nurse):
    from pathway.codes import State
    from tests.factories import episode_in

    episode = episode_in(State.POST_OP, coordinator)
    warnings = s.ok(handover(as_nurse, episode))["warnings"]

    thrombophilia = next(w for w in warnings if w["rule"] == "thrombophilia_assessed")
    assert thrombophilia["title"] == "Thrombophilia tested" and thrombophilia["message"]


def test_every_role_reads_it_and_each_read_is_logged_and_never_cached(
    bridged, grace, as_nurse, as_admin, nurse
):
    for client in (client_for(grace), as_nurse, as_admin):
        assert handover(client, bridged).status_code == 200
    response = handover(as_nurse, bridged)

    assert "no-store" in response["Cache-Control"]
    assert PatientAccess.objects.filter(episode_id=bridged.id, what="api:handover").count() == 4
    assert PatientAccess.objects.filter(user=nurse, what="api:handover").count() == 2


def test_a_stranger_an_unknown_episode_and_an_unknown_parameter_are_refused(
    bridged, anonymous, as_nobody, as_nurse
):
    assert handover(anonymous, bridged).status_code == 401
    assert handover(as_nobody, bridged).status_code == 403
    assert s.names(handover(as_nurse, bridged, "?as_of=2025-01-01"), "as_of") == [
        "Unknown query parameter. This takes no query parameters."
    ]
    missing = as_nurse.get(s.episode_url(bridged.id + 1000, "handover/"))
    assert missing.status_code == 404 and missing.json() == {"detail": "No such episode."}
    assert not PatientAccess.objects.filter(what="api:handover").exists()


def test_the_handover_costs_the_same_with_more_readings_and_courses(
    clock, grace, django_assert_max_num_queries
):
    import datetime as dt

    episode = case.bridged_to_warfarin(clock, grace, readings=case.READINGS[:1])
    client = client_for(grace)
    with django_assert_max_num_queries(20) as few:
        s.ok(handover(client, episode))

    case.more_of_the_journey(clock, grace, episode, (dt.date(2025, 1, 20), dt.date(2025, 1, 21)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = s.ok(handover(client, episode))
    assert len(body["inr_readings"]) == 3 and len(body["earlier_courses"]) >= 1
