"""Recording follow-up results over HTTP: a duplex per stented segment with the Villalta
score, an INR, an anticoagulation review; alarming results alert the coordinators; and the
alert inbox itself (API contract, "Follow-ups and alerts")."""

import datetime as dt
from decimal import Decimal

import pytest

from demo import walk as demo
from pathway.models import Episode
from pathway.villalta import VILLALTA_ITEMS, villalta_category, villalta_score
from tasks import services
from tasks.models import Alert, DuplexSegmentResult, FollowUp
from tests.tasks.support import (
    NEW_STENT,
    at,
    discharge,
    discharged_for_the_module,
    move,
    redischarge_with_a_new_stent,
    sweep_on,
    user_in,
)

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2024, 3, 13)  # the 6-week visit
STENTED = "left_common_iliac"  # where demo.record_procedure puts its Wallstent
ALERT_FIELDS = {"id", "episode", "follow_up", "kind", "created_at"}


@pytest.fixture(scope="module")
def _discharged_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The episode most tests record results for, walked once for the module."""
    yield from discharged_for_the_module(django_db_blocker)


@pytest.fixture
def episode(_discharged_of_the_module, coordinator, clock):
    """Discharged on 3 Feb after a procedure on 31 Jan; today is the 6-week visit."""
    clock.move_to(at(TODAY, 11))
    return Episode.objects.get(id=_discharged_of_the_module)


def follow_up(episode, kind, due_on=None) -> FollowUp:
    rows = episode.follow_ups.filter(kind=kind)
    return rows.get(due_on=due_on) if due_on else rows.first()


def six_week_duplex(episode) -> FollowUp:
    return follow_up(episode, "duplex", TODAY)


def post_result(client, fu, **body):
    return client.post(f"/api/follow-ups/{fu.id}/result/", body, format="json")


def villalta(**scores) -> dict:
    return dict.fromkeys(VILLALTA_ITEMS, 0) | {"ulcer": False} | scores


def duplex(*results, villalta_items=None, performed_on=TODAY) -> dict:
    body = {
        "performed_on": performed_on.isoformat(),
        "segments": [{"segment": s, "result": r} for s, r in results],
    }
    if villalta_items is not None:
        body["villalta"] = villalta_items
    return body


def inbox(client) -> list[dict]:
    response = client.get("/api/alerts/")
    assert response.status_code == 200, response.content
    return response.json()


# --- duplex -----------------------------------------------------------------------------------
def test_nurse_records_a_patent_six_week_duplex_with_the_villalta_items(
    as_nurse, as_coordinator, nurse, episode
):
    fu = six_week_duplex(episode)
    items = villalta(pain=2, cramps=1, heaviness=2, pretibial_oedema=1, redness=1)

    response = post_result(as_nurse, fu, **duplex((STENTED, "patent"), villalta_items=items))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["performed_on"]) == (fu.id, "completed", "2024-03-13")
    assert body["segments"] == [{"segment": STENTED, "result": "patent"}]
    stored = FollowUp.objects.get(id=fu.id)
    assert stored.completed_by == nurse
    assert villalta_score(stored.result["villalta"]) == 7
    assert villalta_category(stored.result["villalta"]) == "mild"
    assert list(
        DuplexSegmentResult.objects.filter(follow_up=fu).values_list("segment", "result")
    ) == [(STENTED, "patent")]
    assert inbox(as_coordinator) == []
    assert not Alert.objects.exists()


@pytest.mark.parametrize("client", ["as_nurse", "as_coordinator", "as_admin"])
def test_any_role_may_record_a_result(request, client, episode):
    response = post_result(
        request.getfixturevalue(client), six_week_duplex(episode), **duplex((STENTED, "patent"))
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"


@pytest.mark.parametrize("finding", ["stenosis", "occluded"])
def test_a_stent_stenosis_or_occlusion_alerts_the_coordinator_at_once(
    as_nurse, as_coordinator, coordinator, episode, finding
):
    fu = six_week_duplex(episode)

    assert post_result(as_nurse, fu, **duplex((STENTED, finding))).status_code == 200

    alerts = inbox(as_coordinator)
    assert [(a["kind"], a["episode"], a["follow_up"]) for a in alerts] == [
        ("urgent_result", episode.id, fu.id)
    ]
    assert ALERT_FIELDS <= set(alerts[0])
    assert inbox(as_nurse) == []
    assert Alert.objects.get().recipient == coordinator


def test_one_narrowed_stent_among_patent_ones_is_still_urgent(
    coordinator, as_nurse, as_coordinator, episode
):
    stents = [
        {"product": "Wallstent", "diameter_mm": 16, "length_mm": 90, "segment": STENTED},
        {
            "product": "Wallstent",
            "diameter_mm": 14,
            "length_mm": 60,
            "segment": "left_external_iliac",
        },
    ]
    demo.record_procedure(
        coordinator, episode, date=D(2024, 1, 31), stents=stents, reason="Second stent left off."
    )

    response = post_result(
        as_nurse,
        six_week_duplex(episode),
        **duplex((STENTED, "patent"), ("left_external_iliac", "stenosis")),
    )

    assert response.status_code == 200, response.content
    assert [a["kind"] for a in inbox(as_coordinator)] == ["urgent_result"]


def test_every_coordinator_is_told_unless_the_episode_has_its_own(coordinator, as_nurse, clock):
    second = user_in("coordinator", "coordinator-2")
    unassigned = discharge(coordinator, clock)
    assigned = discharge(coordinator, clock)
    Episode.objects.filter(id=assigned.id).update(assigned_coordinator=second)
    clock.move_to(at(TODAY))

    for episode in (unassigned, assigned):
        response = post_result(as_nurse, six_week_duplex(episode), **duplex((STENTED, "occluded")))
        assert response.status_code == 200, response.content

    told = {(a.episode_id, a.recipient.username) for a in Alert.objects.all()}
    assert told == {
        (unassigned.id, "coordinator-1"),
        (unassigned.id, "coordinator-2"),
        (assigned.id, "coordinator-2"),
    }


# --- INR --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inr", "urgent"),
    [("1.9", True), ("2.0", False), ("2.5", False), ("3.0", False), ("3.1", True), ("6.4", True)],
)
def test_an_inr_outside_the_default_target_alerts_the_coordinator(
    as_nurse, as_coordinator, episode, inr, urgent
):
    fu = follow_up(episode, "inr_check", D(2024, 3, 2))

    response = post_result(as_nurse, fu, performed_on="2024-03-02", inr=inr)

    assert response.status_code == 200, response.content
    assert Decimal(response.json()["result"]["inr"]) == Decimal(inr)
    assert [a["kind"] for a in inbox(as_coordinator)] == (["urgent_result"] if urgent else [])


@pytest.mark.parametrize(
    ("inr", "urgent"), [("2.2", True), ("2.5", False), ("3.5", False), ("3.6", True)]
)
def test_an_inr_is_judged_against_the_discharge_plans_own_target(
    coordinator, as_nurse, as_coordinator, clock, inr, urgent
):
    episode = discharge(
        coordinator, clock, target_inr_low=Decimal("2.5"), target_inr_high=Decimal("3.5")
    )
    clock.move_to(at(TODAY))

    response = post_result(
        as_nurse, follow_up(episode, "inr_check"), performed_on="2024-02-10", inr=inr
    )

    assert response.status_code == 200, response.content
    assert response.json()["result"]["target"] == ["2.5", "3.5"]
    assert [a["kind"] for a in inbox(as_coordinator)] == (["urgent_result"] if urgent else [])


# --- anticoagulation review -------------------------------------------------------------------
def test_an_anticoagulation_review_of_an_adherent_patient_records_it_and_alerts_nobody(
    as_nurse, as_coordinator, episode
):
    fu = follow_up(episode, "anticoagulation_review", TODAY)

    response = post_result(
        as_nurse, fu, performed_on="2024-03-12", adherent=True, notes="Takes it every evening."
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed"
    assert body["result"] == {"adherent": True, "notes": "Takes it every evening."}
    assert inbox(as_coordinator) == [] and inbox(as_nurse) == []


# --- refusals ---------------------------------------------------------------------------------
def test_a_second_result_for_the_same_visit_is_refused(as_nurse, as_coordinator, episode):
    fu = six_week_duplex(episode)
    assert post_result(as_nurse, fu, **duplex((STENTED, "patent"))).status_code == 200

    again = post_result(as_coordinator, fu, **duplex((STENTED, "occluded")))

    assert again.status_code == 409, again.content
    stored = FollowUp.objects.get(id=fu.id)
    assert stored.completed_by is not None
    assert list(
        DuplexSegmentResult.objects.filter(follow_up=fu).values_list("segment", "result")
    ) == [(STENTED, "patent")]
    assert not Alert.objects.exists()


def test_a_cancelled_visit_takes_no_result(coordinator, as_nurse, episode):
    move(coordinator, episode, "withdraw", reason="Moved away.")
    fu = six_week_duplex(episode)

    response = post_result(as_nurse, fu, **duplex((STENTED, "patent")))

    assert response.status_code == 409, response.content
    assert FollowUp.objects.get(id=fu.id).status == "cancelled"


def test_an_unknown_follow_up_is_not_found(as_nurse, episode):
    response = as_nurse.post(
        "/api/follow-ups/999999/result/", duplex((STENTED, "patent")), format="json"
    )
    assert response.status_code == 404, response.content


PATENT = (STENTED, "patent")
VCSS = dict.fromkeys(services.VCSS_ITEMS, 0)
NO_VCSS_PAIN = {k: v for k, v in VCSS.items() if k != "pain"}
NO_REDNESS = {k: v for k, v in villalta().items() if k != "redness"}
TOMORROW = TODAY + dt.timedelta(days=1)
BAD_DUPLEX = [
    ("unknown segment", duplex(PATENT, ("left_big_toe", "patent")), ["segments"]),
    ("unknown finding", duplex((STENTED, "kinked")), ["segments"]),
    ("stented segment missing", duplex(("right_common_iliac", "patent")), ["segments"]),
    ("segment twice", duplex(PATENT, (STENTED, "stenosis")), ["segments"]),
    ("no segments", duplex(), ["segments"]),
    ("villalta item 4", duplex(PATENT, villalta_items=villalta(pain=4)), ["villalta.pain"]),
    ("villalta item missing", duplex(PATENT, villalta_items=NO_REDNESS), ["villalta.redness"]),
    (
        "villalta ulcer missing",
        duplex(PATENT, villalta_items=villalta() | {"ulcer": None}),
        ["villalta.ulcer"],
    ),
    (
        "villalta item unknown",
        duplex(PATENT, villalta_items=villalta(itching=1)),
        ["villalta.itching"],
    ),
    (
        "vcss attribute unknown",
        duplex(PATENT) | {"vcss": VCSS | {"swelling": 1}},
        ["vcss.swelling"],
    ),
    ("vcss attribute 4", duplex(PATENT) | {"vcss": VCSS | {"pain": 4}}, ["vcss.pain"]),
    ("vcss attribute missing", duplex(PATENT) | {"vcss": NO_VCSS_PAIN}, ["vcss.pain"]),
    ("ceap class unknown", duplex(PATENT) | {"ceap": "C4d"}, ["ceap"]),
    ("future date", duplex(PATENT, performed_on=TOMORROW), ["performed_on"]),
    ("before discharge", duplex(PATENT, performed_on=D(2024, 2, 1)), ["performed_on"]),
    ("no date", {"segments": [{"segment": STENTED, "result": "patent"}]}, ["performed_on"]),
    ("nothing", {}, ["performed_on", "segments"]),
]


@pytest.mark.parametrize(("case", "body", "fields"), BAD_DUPLEX, ids=[c[0] for c in BAD_DUPLEX])
def test_a_bad_duplex_result_is_refused_naming_the_field(as_nurse, episode, case, body, fields):
    fu = six_week_duplex(episode)

    response = as_nurse.post(f"/api/follow-ups/{fu.id}/result/", body, format="json")

    assert response.status_code == 400, response.content
    for field in fields:  # "villalta.pain": the pain item inside villalta
        error = response.json()
        for key in field.split("."):
            assert key in error, response.content
            error = error[key]
        assert error, response.content
    assert FollowUp.objects.get(id=fu.id).status == "due"
    assert not DuplexSegmentResult.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"performed_on": "2024-03-02", "inr": "20"}, "inr"),
        ({"performed_on": "2024-03-02", "inr": "0.2"}, "inr"),
        ({"performed_on": "2024-03-02", "inr": "high"}, "inr"),
        ({"performed_on": "2024-03-02"}, "inr"),
        ({"inr": "2.5"}, "performed_on"),
        ({"performed_on": "2024-03-14", "inr": "2.5"}, "performed_on"),
        ({"performed_on": "13/03/2024", "inr": "2.5"}, "performed_on"),
    ],
)
def test_a_bad_inr_result_is_refused_naming_the_field(as_nurse, episode, body, field):
    fu = follow_up(episode, "inr_check", D(2024, 3, 2))

    response = post_result(as_nurse, fu, **body)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert FollowUp.objects.get(id=fu.id).completed_at is None


def test_a_review_needs_to_say_whether_the_patient_is_adherent(as_nurse, episode):
    fu = follow_up(episode, "anticoagulation_review", TODAY)

    response = post_result(as_nurse, fu, performed_on="2024-03-12")

    assert response.status_code == 400, response.content
    assert "adherent" in response.json()


# --- when a result may be dated -------------------------------------------------------------
def test_a_result_before_the_window_opens_is_refused_naming_the_day_it_opens(as_nurse, episode):
    fu = six_week_duplex(episode)  # window 6-20 March

    early = post_result(as_nurse, fu, **duplex(PATENT, performed_on=D(2024, 3, 5)))
    first_day = post_result(as_nurse, fu, **duplex(PATENT, performed_on=D(2024, 3, 6)))

    assert early.status_code == 400, early.content
    assert early.json()["performed_on"] == [
        "This date is before the window opens (2024-03-06); record an unscheduled visit instead."
    ]
    assert first_day.status_code == 200, first_day.content


def test_a_result_before_the_discharge_is_refused_though_the_window_is_open(
    coordinator, as_nurse, clock
):
    episode = discharge(coordinator, clock, discharged_on=D(2024, 2, 10))
    fu = follow_up(episode, "duplex", D(2024, 2, 14))  # window opens 7 Feb
    clock.move_to(at(D(2024, 2, 12)))

    early = post_result(as_nurse, fu, **duplex(PATENT, performed_on=D(2024, 2, 8)))
    after = post_result(as_nurse, fu, **duplex(PATENT, performed_on=D(2024, 2, 10)))

    assert early.status_code == 400, early.content
    assert early.json()["performed_on"] == [
        "This date is before the previous move of the episode ('discharge' on 2024-02-10)."
    ]
    assert after.status_code == 200, after.content


def test_after_a_reintervention_a_duplex_reports_the_index_stents_too(
    coordinator, as_nurse, clock, episode
):
    redischarge_with_a_new_stent(coordinator, clock, episode)
    second = episode.history.filter(name="discharge").order_by("-id").first()
    fu = episode.follow_ups.open().get(kind="duplex", due_on=D(2024, 3, 29), created_by=second)
    clock.move_to(at(D(2024, 3, 29)))
    day = D(2024, 3, 29)

    only_new = post_result(as_nurse, fu, **duplex((NEW_STENT, "patent"), performed_on=day))
    both = post_result(
        as_nurse, fu, **duplex((NEW_STENT, "patent"), (STENTED, "patent"), performed_on=day)
    )

    assert only_new.status_code == 400, only_new.content
    assert only_new.json()["segments"] == [f"Report every stented segment; missing: {STENTED}."]
    assert both.status_code == 200, both.content


# --- VCSS, CEAP, revisions ---------------------------------------------------------------------
def test_a_duplex_keeps_the_vcss_and_ceap_class_and_shows_the_vcss_total(as_nurse, episode):
    scores = VCSS | {"pain": 1, "varicose_veins": 2, "skin_pigmentation": 1, "induration": 3}

    response = post_result(
        as_nurse, six_week_duplex(episode), **duplex(PATENT) | {"vcss": scores, "ceap": "C4b"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["vcss_total"] == 7
    assert (body["result"]["vcss"], body["result"]["ceap"]) == (scores, "C4b")
    listed = as_nurse.get(f"/api/episodes/{episode.id}/follow-ups/").json()
    assert [r["vcss_total"] for r in listed if r["id"] == body["id"]] == [7]


def test_the_result_revision_keeps_who_recorded_it_and_the_segment_results(
    nurse, as_nurse, episode
):
    fu = six_week_duplex(episode)

    post_result(as_nurse, fu, **duplex((STENTED, "stenosis")))

    (revision,) = FollowUp.objects.get(id=fu.id).history.all()
    assert revision.history_user == nurse
    assert revision.parts == {"segments": [{"segment": STENTED, "result": "stenosis"}]}
    assert revision.performed_on == TODAY


# --- the alert inbox --------------------------------------------------------------------------
def test_the_inbox_lists_only_the_callers_open_alerts(nurse, as_nurse, clock, episode):
    other = user_in("nurse", "nurse-2")
    sweep_on(clock, D(2024, 3, 6))  # 6-week duplex and review open, earlier visits overdue
    mine = Alert.objects.filter(recipient=nurse)
    assert mine.count() >= 2 and Alert.objects.filter(recipient=other).count() == mine.count()
    done = mine.first()
    services.alert_acknowledge(actor=nurse, alert_id=done.id)

    rows = inbox(as_nurse)

    assert {r["id"] for r in rows} == set(mine.exclude(id=done.id).values_list("id", flat=True))
    assert all(ALERT_FIELDS <= set(r) for r in rows)
    assert {r["kind"] for r in rows} <= {"due", "overdue"}
    assert {r["episode"] for r in rows} == {episode.id}


def test_acknowledging_an_alert_takes_it_out_of_the_inbox(nurse, as_nurse, clock, episode):
    sweep_on(clock, D(2024, 3, 6))
    alert = Alert.objects.filter(recipient=nurse).first()
    before = len(inbox(as_nurse))

    response = as_nurse.post(f"/api/alerts/{alert.id}/acknowledge/")

    assert response.status_code == 200, response.content
    assert response.json()["id"] == alert.id
    rows = inbox(as_nurse)
    assert len(rows) == before - 1
    assert alert.id not in {r["id"] for r in rows}
    assert Alert.objects.get(id=alert.id).acknowledged_at is not None


def test_nobody_can_acknowledge_someone_elses_alert(nurse, as_coordinator, clock, episode):
    sweep_on(clock, D(2024, 3, 6))
    alert = Alert.objects.filter(recipient=nurse).first()

    response = as_coordinator.post(f"/api/alerts/{alert.id}/acknowledge/")

    assert response.status_code == 404, response.content
    assert Alert.objects.get(id=alert.id).acknowledged_at is None
    missing = as_coordinator.post("/api/alerts/999999/acknowledge/")
    assert missing.status_code == 404


def test_an_anonymous_caller_is_told_to_sign_in(anonymous, nurse, clock, episode):
    sweep_on(clock, D(2024, 3, 6))
    alert = Alert.objects.first()
    fu = six_week_duplex(episode)

    answers = [
        anonymous.get("/api/alerts/"),
        anonymous.post(f"/api/alerts/{alert.id}/acknowledge/"),
        anonymous.get(f"/api/episodes/{episode.id}/follow-ups/"),
        anonymous.post(
            f"/api/follow-ups/{fu.id}/result/", duplex((STENTED, "patent")), format="json"
        ),
    ]

    assert [r.status_code for r in answers] == [401] * 4
    assert Alert.objects.get(id=alert.id).acknowledged_at is None
    assert FollowUp.objects.get(id=fu.id).completed_at is None


def test_the_villalta_score_is_shown_without_a_pts_category_before_three_months(as_nurse, episode):
    body = duplex((STENTED, "patent"), villalta_items=villalta(pain=3, heaviness=3))
    shown = post_result(as_nurse, six_week_duplex(episode), **body).json()["villalta"]
    assert shown == {"score": 6, "category": None, "pts_assessable": False}


def test_the_villalta_category_is_derived_from_the_items_from_three_months(
    as_nurse, episode, clock
):
    three_months = follow_up(episode, "duplex", D(2024, 4, 30))
    clock.move_to(at(D(2024, 4, 30), 11))
    body = duplex(
        (STENTED, "patent"),
        villalta_items=villalta(pain=3, cramps=3, heaviness=3, redness=2),
        performed_on=D(2024, 4, 30),
    )
    shown = post_result(as_nurse, three_months, **body).json()["villalta"]
    assert shown == {"score": 11, "category": "moderate", "pts_assessable": True}
