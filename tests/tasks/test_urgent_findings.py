"""Urgent results are graded and carry their numbers, and whoever records one is told on the
spot who was alerted (pathway.md section 6): an INR with its value and target (judged only on
a VKA), a duplex with each segment not patent, a review recording non-adherence, a post-op
check; their escalations carry the same grade and finding."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from demo import walk as demo
from pathway import services as pathway_services
from pathway.codes import State
from pathway.models import Episode
from tasks import services
from tasks.models import Alert
from tests.conftest import _user
from tests.factories import PatientFactory
from tests.module_rows import rows_for_the_module
from tests.tasks.support import INDEX_STENT, NEW_STENT, PROCEDURE_ON, at, discharge, user_in

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2024, 3, 13)  # the 6-week visit of a patient discharged on 3 Feb


@pytest.fixture
def carol(coordinator):
    """The unit's coordinator, known by her full name."""
    coordinator.first_name, coordinator.last_name = "Carol", "Coordinator"
    coordinator.save()
    return coordinator


@pytest.fixture(scope="module")
def _discharged_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """Carol's discharged episode, walked once for the module in the same frozen days a
    test's own clock would walk it in; each test's writes are undone."""

    def make() -> int:
        carol = _user("coordinator")
        carol.first_name, carol.last_name = "Carol", "Coordinator"
        carol.save()
        with time_machine.travel(at(PROCEDURE_ON), tick=False) as clock:
            return discharge(carol, clock).id

    yield from rows_for_the_module(django_db_blocker, make)


@pytest.fixture
def episode(_discharged_of_the_module, carol, clock):
    clock.move_to(at(TODAY, 11))
    return Episode.objects.get(id=_discharged_of_the_module)


def due(episode, kind, due_on=None):
    rows = episode.follow_ups.filter(kind=kind)
    return rows.get(due_on=due_on) if due_on else rows.first()


def post_result(client, follow_up, **body):
    return client.post(f"/api/follow-ups/{follow_up.id}/result/", body, format="json")


def post_visit(client, episode, **body):
    return client.post(f"/api/episodes/{episode.id}/visits/", body, format="json")


def inr_finding(value: str) -> dict:
    return {
        "text": f"INR {value} (target 2.0–3.0)",
        "inr": value,
        "target_low": "2.0",
        "target_high": "3.0",
    }


# --- INR --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inr", "grade"),
    [
        ("9.5", "critical"),
        ("5.0", "critical"),
        ("4.9", "out_of_range"),
        ("3.1", "out_of_range"),
        ("1.99", "out_of_range"),
        ("1.6", "out_of_range"),
        ("1.5", "critical"),
    ],
)
def test_an_inr_out_of_range_is_graded_and_carries_its_value_and_the_target(
    carol, as_nurse, episode, inr, grade
):
    response = post_result(
        as_nurse, due(episode, "inr_check", D(2024, 3, 2)), performed_on="2024-03-02", inr=inr
    )

    assert response.status_code == 200, response.content
    alert = Alert.objects.get()
    assert (alert.kind, alert.recipient, alert.grade) == ("urgent_result", carol, grade)
    assert alert.finding == inr_finding(inr)
    assert response.json()["urgent"] == {
        "grade": grade,
        "finding": inr_finding(inr),
        "alerted": ["Carol Coordinator"],
    }


def test_an_inr_in_range_raises_nothing_and_the_recorder_is_told_nothing(as_nurse, episode):
    response = post_result(
        as_nurse, due(episode, "inr_check", D(2024, 3, 2)), performed_on="2024-03-02", inr="2.4"
    )

    assert response.status_code == 200, response.content
    assert response.json()["urgent"] is None
    assert not Alert.objects.exists()


@pytest.mark.parametrize("anticoagulant", ["doac", "lmwh"])
def test_an_inr_on_a_doac_or_lmwh_is_kept_without_a_target_and_alerts_nobody(
    carol, as_nurse, clock, anticoagulant
):
    episode = discharge(carol, clock, anticoagulant=anticoagulant)
    clock.move_to(at(TODAY, 11))

    response = post_visit(
        as_nurse, episode, kind="inr_check", performed_on=TODAY.isoformat(), inr="9.5"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    result = body["result"]
    assert Decimal(result.pop("inr")) == Decimal("9.5")
    assert result == {"target": None, "anticoagulant": anticoagulant}
    assert body["urgent"] is None
    assert not Alert.objects.exists()


def test_the_same_inr_on_a_vka_alerts_at_once(carol, as_nurse, episode):
    response = post_visit(
        as_nurse, episode, kind="inr_check", performed_on=TODAY.isoformat(), inr="9.5"
    )

    assert response.status_code == 201, response.content
    assert response.json()["result"]["target"] == ["2.0", "3.0"]
    alert = Alert.objects.get()
    assert (alert.visit_id, alert.grade, alert.finding) == (
        response.json()["id"],
        "critical",
        inr_finding("9.5"),
    )


# --- duplex -----------------------------------------------------------------------------------
@pytest.fixture
def two_stents(carol, episode):
    """The index procedure stented the left common and external iliac veins."""
    stents = [
        {"product": "Wallstent", "diameter_mm": 16, "length_mm": 90, "segment": INDEX_STENT},
        {"product": "Wallstent", "diameter_mm": 14, "length_mm": 60, "segment": NEW_STENT},
    ]
    demo.record_procedure(
        carol, episode, date=PROCEDURE_ON, stents=stents, reason="Second stent left off."
    )
    return episode


@pytest.mark.parametrize(
    ("common", "external", "grade", "text"),
    [
        ("patent", "stenosis", "out_of_range", "Left external iliac: stenosis ≥ 50%"),
        ("occluded", "patent", "critical", "Left common iliac: occluded"),
        (
            "occluded",
            "stenosis",
            "critical",
            "Left common iliac: occluded; left external iliac: stenosis ≥ 50%",
        ),
    ],
)
def test_a_duplex_finding_names_each_segment_not_patent_and_an_occlusion_is_critical(
    as_nurse, two_stents, common, external, grade, text
):
    segments = [
        {"segment": INDEX_STENT, "result": common},
        {"segment": NEW_STENT, "result": external},
    ]

    response = post_result(
        as_nurse,
        due(two_stents, "duplex", TODAY),
        performed_on=TODAY.isoformat(),
        segments=segments,
    )

    assert response.status_code == 200, response.content
    found = {"text": text, "segments": [s for s in segments if s["result"] != "patent"]}
    alert = Alert.objects.get()
    assert (alert.grade, alert.finding) == (grade, found)
    assert response.json()["urgent"] == {
        "grade": grade,
        "finding": found,
        "alerted": ["Carol Coordinator"],
    }


def test_an_unscheduled_duplex_tells_its_recorder_who_was_alerted(carol, as_nurse, episode):
    second = user_in("coordinator", "dan", first_name="Dan", last_name="Duty")

    response = post_visit(
        as_nurse,
        episode,
        kind="duplex",
        performed_on=TODAY.isoformat(),
        segments=[{"segment": INDEX_STENT, "result": "occluded"}],
    )

    assert response.status_code == 201, response.content
    assert response.json()["urgent"] == {
        "grade": "critical",
        "finding": {
            "text": "Left common iliac: occluded",
            "segments": [{"segment": INDEX_STENT, "result": "occluded"}],
        },
        "alerted": ["Carol Coordinator", "Dan Duty"],
    }
    assert {a.recipient for a in Alert.objects.all()} == {carol, second}


# --- the review: non-adherence is a finding ---------------------------------------------------
def review(client, episode, **body):
    return post_result(
        client, due(episode, "anticoagulation_review", TODAY), performed_on="2024-03-12", **body
    )


def test_a_review_saying_the_patient_stopped_the_anticoagulant_alerts_the_coordinator(
    carol, nurse, as_nurse, episode
):
    response = review(as_nurse, episode, adherent=False, notes="Stopped rivaroxaban 5 days ago.")

    assert response.status_code == 200, response.content
    alert = Alert.objects.get()
    assert (alert.kind, alert.recipient, alert.grade, alert.finding) == (
        "urgent_result",
        carol,
        "out_of_range",
        {"text": "Not taking the anticoagulant as prescribed"},
    )
    assert response.json()["urgent"]["alerted"] == ["Carol Coordinator"]
    assert not Alert.objects.filter(recipient=nurse).exists()


def test_a_patient_not_wearing_the_stockings_is_a_finding_too(carol, as_nurse, episode):
    response = review(as_nurse, episode, adherent=True, compression_adherent=False)

    assert response.status_code == 200, response.content
    assert response.json()["result"] == {
        "adherent": True,
        "compression_adherent": False,
        "notes": "",
    }
    alert = Alert.objects.get()
    assert (alert.grade, alert.finding) == (
        "out_of_range",
        {"text": "Not wearing the compression stockings"},
    )


def test_neither_the_anticoagulant_nor_the_stockings_is_one_finding_saying_both(as_nurse, episode):
    review(as_nurse, episode, adherent=False, compression_adherent=False)

    assert Alert.objects.get().finding == {
        "text": "Not taking the anticoagulant as prescribed; not wearing the compression stockings"
    }


def test_a_review_adherent_to_both_alerts_nobody_and_keeps_both_answers(as_nurse, episode):
    response = review(as_nurse, episode, adherent=True, compression_adherent=True)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == {"adherent": True, "compression_adherent": True, "notes": ""}
    assert body["urgent"] is None
    assert not Alert.objects.exists()


def test_stocking_adherence_is_a_yes_or_no(as_nurse, episode):
    response = review(as_nurse, episode, adherent=True, compression_adherent="sometimes")

    assert response.status_code == 400, response.content
    assert "compression_adherent" in response.json()


# --- post-op checks ---------------------------------------------------------------------------
NORMAL = dict(
    limb_perfusion="normal",
    compartment_signs=False,
    access_bleeding=False,
    pain_score=3,
    mobilised=True,
)
POSTOP = [
    ("impaired limb", {"limb_perfusion": "impaired"}, "critical", "Limb perfusion impaired"),
    ("compartment", {"compartment_signs": True}, "critical", "Signs of compartment syndrome"),
    ("bleeding alone", {"access_bleeding": True}, "out_of_range", "Access-site bleeding"),
    (
        "impaired and bleeding",
        {"limb_perfusion": "impaired", "access_bleeding": True},
        "critical",
        "Limb perfusion impaired; access-site bleeding",
    ),
]


@pytest.mark.parametrize(("case", "found", "grade", "text"), POSTOP, ids=[c[0] for c in POSTOP])
def test_an_alarming_post_op_check_is_graded_and_says_what_was_found(
    carol, clock, case, found, grade, text
):
    in_post_op = demo.walk_to(carol, PatientFactory(), State.POST_OP)
    clock.move_to(at(PROCEDURE_ON, 14))

    check = pathway_services.postop_check_add(
        actor=carol, episode_id=in_post_op.id, at=at(PROCEDURE_ON, 13), **(NORMAL | found)
    )

    alert = Alert.objects.get()
    assert (alert.postop_check_id, alert.grade, alert.finding) == (check.id, grade, {"text": text})
    assert check.urgent.alerted == ("Carol Coordinator",)


def test_the_coordinator_recording_an_alarming_check_on_the_episode_page_is_told(
    carol, client, clock
):
    in_post_op = demo.walk_to(carol, PatientFactory(), State.POST_OP)
    clock.move_to(at(PROCEDURE_ON, 14))
    client.force_login(carol)

    response = client.post(
        f"/episodes/{in_post_op.id}/record/postop_check/",
        {
            "postop_check-at": "2024-01-31T13:00",
            "postop_check-limb_perfusion": "impaired",
            "postop_check-pain_score": "4",
        },
        follow=True,
    )

    assert response.status_code == 200
    said = [str(m) for m in response.context["messages"]]
    assert said == [
        "Saved: Post-op check. Critical finding: Limb perfusion impaired. "
        "Alerted: Carol Coordinator."
    ]


# --- escalation -------------------------------------------------------------------------------
def test_an_escalation_carries_the_grade_and_finding_of_the_result_it_escalates(
    carol, admin_user, as_nurse, episode, clock
):
    post_result(
        as_nurse, due(episode, "inr_check", D(2024, 3, 2)), performed_on="2024-03-02", inr="9.5"
    )

    clock.move_to(at(TODAY, 12) + dt.timedelta(days=1))
    assert services.followups_sweep().escalations == 2  # the coordinator and the admin

    escalations = Alert.objects.filter(kind="escalation", escalates__isnull=False)
    assert {(a.recipient, a.grade) for a in escalations} == {
        (carol, "critical"),
        (admin_user, "critical"),
    }
    assert all(a.finding == inr_finding("9.5") for a in escalations)
