"""Unscheduled visits (pathway.md section 3): a patient back with symptoms has a duplex or an INR
outside the schedule. Same result fields as a follow-up, the same urgent alerts, and no
scheduled follow-up is completed by it."""

import datetime as dt
from decimal import Decimal

import pytest

from pathway.codes import State
from pathway.models import Episode
from pathway.villalta import VILLALTA_ITEMS
from tasks import jobs, services
from tasks.models import Alert, Delivery, DuplexSegmentResult, FollowUp, Visit
from tests.factories import episode_in
from tests.tasks.support import (
    INDEX_STENT,
    NEW_STENT,
    PROCEDURE_ON,
    at,
    discharged_for_the_module,
    move,
    redischarge_with_a_new_stent,
)

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2024, 2, 20)  # between the 2-week and 6-week visits
VCSS = dict.fromkeys(services.VCSS_ITEMS, 0)


@pytest.fixture(scope="module")
def _discharged_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The episode most tests record visits for, walked once for the module."""
    yield from discharged_for_the_module(django_db_blocker)


@pytest.fixture
def episode(_discharged_of_the_module, coordinator, clock):
    """Discharged on 3 Feb on a VKA after a procedure on 31 Jan; today is 20 Feb."""
    clock.move_to(at(TODAY, 11))
    return Episode.objects.get(id=_discharged_of_the_module)


@pytest.fixture
def enqueued(monkeypatch):
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


def visits_url(episode) -> str:
    return f"/api/episodes/{episode.id}/visits/"


def post_visit(client, episode, **body):
    return client.post(visits_url(episode), body, format="json")


def duplex(*results, performed_on=TODAY, **extra) -> dict:
    segments = [{"segment": s, "result": r} for s, r in results or [(INDEX_STENT, "patent")]]
    return {
        "kind": "duplex",
        "performed_on": performed_on.isoformat(),
        "segments": segments,
    } | extra


def inr(value, performed_on=TODAY) -> dict:
    return {"kind": "inr_check", "performed_on": performed_on.isoformat(), "inr": value}


# --- recording --------------------------------------------------------------------------------
def test_a_duplex_visit_showing_occlusion_alerts_the_coordinator_and_completes_no_follow_up(
    nurse,
    coordinator,
    as_nurse,
    as_coordinator,
    episode,
    enqueued,
    django_capture_on_commit_callbacks,
):
    open_before = set(episode.follow_ups.open().values_list("id", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = post_visit(as_nurse, episode, **duplex((INDEX_STENT, "occluded")))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["performed_on"], body["episode"]) == (
        "duplex",
        "2024-02-20",
        episode.id,
    )
    assert body["segments"] == [{"segment": INDEX_STENT, "result": "occluded"}]
    visit = Visit.objects.get(id=body["id"])
    assert visit.recorded_by == nurse
    assert list(DuplexSegmentResult.objects.filter(visit=visit).values_list("result")) == [
        ("occluded",)
    ]
    (alert,) = Alert.objects.all()
    assert (alert.kind, alert.visit_id, alert.follow_up_id, alert.recipient) == (
        "urgent_result",
        visit.id,
        None,
        coordinator,
    )
    assert enqueued == [Delivery.objects.get(alert=alert, digest=False).id]
    inbox = as_coordinator.get("/api/alerts/").json()
    assert [(a["visit"], a["follow_up"], a["kind"]) for a in inbox] == [
        (visit.id, None, "urgent_result")
    ]
    assert set(episode.follow_ups.open().values_list("id", flat=True)) == open_before
    assert not FollowUp.objects.filter(completed_at__isnull=False).exists()


def test_a_patent_duplex_visit_alerts_nobody(as_nurse, episode):
    response = post_visit(as_nurse, episode, **duplex())

    assert response.status_code == 201, response.content
    assert not Alert.objects.exists()


@pytest.mark.parametrize(("value", "urgent"), [("1.8", True), ("2.5", False), ("3.4", True)])
def test_an_inr_visit_outside_the_target_alerts_the_coordinator(as_nurse, episode, value, urgent):
    response = post_visit(as_nurse, episode, **inr(value))

    assert response.status_code == 201, response.content
    result = response.json()["result"]
    assert (Decimal(result["inr"]), result["target"]) == (Decimal(value), ["2.0", "3.0"])
    kinds = list(Alert.objects.values_list("kind", "visit"))
    assert kinds == ([("urgent_result", response.json()["id"])] if urgent else [])


def test_vcss_and_ceap_are_kept_and_the_vcss_total_is_shown(as_nurse, episode):
    scores = VCSS | {"pain": 2, "venous_oedema": 3, "compression_therapy": 1}
    villalta = dict.fromkeys(VILLALTA_ITEMS, 0) | {"pain": 2, "ulcer": False}

    response = post_visit(as_nurse, episode, **duplex(vcss=scores, ceap="C4a", villalta=villalta))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["vcss_total"] == 6
    assert body["villalta"]["score"] == 2
    stored = Visit.objects.get(id=body["id"]).result
    assert (stored["vcss"], stored["ceap"]) == (scores, "C4a")


def test_the_visit_revision_keeps_who_recorded_it_and_its_segment_results(nurse, as_nurse, episode):
    response = post_visit(as_nurse, episode, **duplex((INDEX_STENT, "stenosis")))

    (revision,) = Visit.objects.get(id=response.json()["id"]).history.all()
    assert revision.history_user == nurse
    assert revision.parts == {"segments": [{"segment": INDEX_STENT, "result": "stenosis"}]}


@pytest.mark.parametrize("client", ["as_nurse", "as_coordinator", "as_admin"])
def test_any_role_records_and_reads_visits(request, client, episode):
    caller = request.getfixturevalue(client)

    assert post_visit(caller, episode, **inr("2.5")).status_code == 201
    listed = caller.get(visits_url(episode))

    assert listed.status_code == 200
    assert [v["kind"] for v in listed.json()] == ["inr_check"]


def test_visits_are_listed_oldest_first_in_the_same_few_queries_however_many(
    as_nurse, episode, django_assert_max_num_queries
):
    post_visit(as_nurse, episode, **duplex(performed_on=D(2024, 2, 18)))
    with django_assert_max_num_queries(20) as one:
        as_nurse.get(visits_url(episode))
    few = len(one.captured_queries)
    for day in (D(2024, 2, 5), D(2024, 2, 12), D(2024, 2, 19)):
        post_visit(as_nurse, episode, **duplex((INDEX_STENT, "stenosis"), performed_on=day))
    post_visit(as_nurse, episode, **inr("2.5"))

    with django_assert_max_num_queries(few):
        rows = as_nurse.get(visits_url(episode)).json()

    assert [r["performed_on"] for r in rows] == [
        "2024-02-05",
        "2024-02-12",
        "2024-02-18",
        "2024-02-19",
        "2024-02-20",
    ]


# --- refusals ---------------------------------------------------------------------------------
TOMORROW = TODAY + dt.timedelta(days=1)
BAD = [
    ("future date", duplex(performed_on=TOMORROW), "performed_on", "future"),
    ("before the discharge", duplex(performed_on=D(2024, 2, 2)), "performed_on", "2024-02-03"),
    ("stented segment missing", duplex(("right_common_iliac", "patent")), "segments", INDEX_STENT),
    (
        "unknown villalta item",
        duplex(villalta=dict.fromkeys(VILLALTA_ITEMS, 0) | {"ulcer": False, "itching": 1}),
        "villalta",
        "itching",
    ),
    ("unknown vcss attribute", duplex(vcss=VCSS | {"swelling": 1}), "vcss", "swelling"),
    (
        "vcss attribute missing",
        duplex(vcss={k: v for k, v in VCSS.items() if k != "pain"}),
        "vcss",
        "pain",
    ),
    ("vcss attribute 4", duplex(vcss=VCSS | {"inflammation": 4}), "vcss", "inflammation"),
    ("unknown ceap class", duplex(ceap="C7"), "ceap", "C7"),
    ("unknown kind", {"kind": "mri", "performed_on": "2024-02-20"}, "kind", "mri"),
    ("inr missing", {"kind": "inr_check", "performed_on": "2024-02-20"}, "inr", ""),
]


@pytest.mark.parametrize(("case", "body", "field", "named"), BAD, ids=[c[0] for c in BAD])
def test_a_bad_visit_is_refused_naming_the_field(as_nurse, episode, case, body, field, named):
    response = post_visit(as_nurse, episode, **body)

    assert response.status_code == 400, response.content
    assert field in response.json(), response.content
    assert named in str(response.json()[field]), response.content
    assert not Visit.objects.exists()
    assert not Alert.objects.exists()


def test_a_visit_needs_an_episode_that_has_been_in_surveillance(coordinator, as_nurse, clock):
    in_post_op = episode_in(State.POST_OP, coordinator)
    excluded = episode_in(State.SELECTION, coordinator)
    move(coordinator, excluded, "exclude", reason="Anticoagulation alone.")

    for other in (in_post_op, excluded):
        response = post_visit(as_nurse, other, **duplex(performed_on=PROCEDURE_ON))
        assert response.status_code == 409, response.content
    # An INR on the ward is the one visit post-op takes (pathway.md section 7).
    refused = post_visit(as_nurse, excluded, **inr("2.5", performed_on=PROCEDURE_ON))
    assert refused.status_code == 409, refused.content
    assert not Visit.objects.exists()


def test_a_visit_after_the_episode_left_surveillance_is_refused_naming_the_stay(
    coordinator, as_nurse, episode, clock
):
    move(coordinator, episode, "withdraw", reason="Moved abroad.")
    clock.move_to(at(TODAY + dt.timedelta(days=2), 11))

    response = post_visit(as_nurse, episode, **inr("2.5", performed_on=TODAY + dt.timedelta(1)))

    assert response.status_code == 400, response.content
    assert response.json()["performed_on"] == [
        "The patient was not in surveillance on 2024-02-21 (in surveillance from 2024-02-03 "
        "to 2024-02-20)."
    ]
    assert not Visit.objects.exists()


def test_after_a_reintervention_a_duplex_visit_reports_the_index_stents_too(
    coordinator, as_nurse, episode, clock
):
    redischarge_with_a_new_stent(coordinator, clock, episode)
    clock.move_to(at(D(2024, 3, 20)))
    day = D(2024, 3, 20)

    only_new = post_visit(as_nurse, episode, **duplex((NEW_STENT, "patent"), performed_on=day))
    before_discharge = post_visit(
        as_nurse,
        episode,
        **duplex((NEW_STENT, "patent"), (INDEX_STENT, "patent"), performed_on=D(2024, 3, 17)),
    )
    both = post_visit(
        as_nurse,
        episode,
        **duplex((NEW_STENT, "patent"), (INDEX_STENT, "patent"), performed_on=day),
    )

    assert only_new.status_code == 400 and INDEX_STENT in str(only_new.json()["segments"])
    assert before_discharge.status_code == 400
    assert "2024-03-18" in str(before_discharge.json()["performed_on"])
    assert both.status_code == 201, both.content
    assert {s["segment"] for s in both.json()["segments"]} == {NEW_STENT, INDEX_STENT}


def test_an_anonymous_caller_may_neither_read_nor_record_visits(anonymous, episode):
    assert anonymous.get(visits_url(episode)).status_code == 401
    assert post_visit(anonymous, episode, **inr("2.5")).status_code == 401
    assert not Visit.objects.exists()


def test_the_urgent_visit_email_names_the_visit_but_not_the_patient(
    coordinator, as_nurse, episode, enqueued, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator.email = "coordinator@unit.example"
    coordinator.save()
    post_visit(as_nurse, episode, **duplex((INDEX_STENT, "stenosis")))

    (delivery,) = Delivery.objects.all()
    assert services.delivery_send(delivery_id=delivery.id) is True

    (message,) = mailoutbox
    assert message.to == ["coordinator@unit.example"]
    assert (
        f"Episode {episode.id}: unscheduled duplex visit on 2024-02-20 has an urgent result."
        in message.body
    )
    patient = episode.patient
    text = f"{message.subject}\n{message.body}"
    for detail in (patient.given_name, patient.family_name, patient.mrn):
        assert detail not in text
