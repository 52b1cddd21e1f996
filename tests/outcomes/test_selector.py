"""outcomes_get over a small cohort walked through the services, worked by hand; its query
count does not grow with the episodes; GET /api/dashboard/outcomes/."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import Forbidden
from outcomes.selectors import outcomes_get
from pathway import services
from tests.factories import days_ago, prepare_and_move, record_procedure
from tests.outcomes.support import STENTED, discharged, duplex, inr, move, plus

pytestmark = pytest.mark.django_db

URL = "/api/dashboard/outcomes/"


def mild() -> dict:
    items = dict.fromkeys(
        (
            "pain",
            "cramps",
            "heaviness",
            "paraesthesia",
            "pruritus",
            "pretibial_oedema",
            "skin_induration",
            "hyperpigmentation",
            "redness",
            "venous_ectasia",
            "pain_on_calf_compression",
        ),
        0,
    )
    return items | {"pain": 3, "cramps": 3, "ulcer": False}


@pytest.fixture
def cohort(coordinator, nurse):
    """Three episodes, worked by hand:
    one (compression, procedure 800 days ago): patent duplex at 30, INR 2.5/3.5/2.5 at
    30/40/50 (TTR 50%), occluded at 100, re-intervention that day, done at 105 reopening it,
    patent duplex at 300 with a mild Villalta; a PE at day 5 (early) and a recurrent
    DVT at day 200 (late).
    two (500 days ago): patent at 30, a severe Villalta at 60 (before 3 months: no PTS),
    stenosis at 200; a single INR (no TTR).
    three (100 days ago): nothing since."""
    t1, t2, t3 = days_ago(800), days_ago(500), days_ago(100)
    one = discharged(coordinator, t1, lesion="compression")
    services.complication_add(
        actor=coordinator,
        episode_id=one.id,
        kind="pulmonary_embolism",
        occurred_on=plus(t1, 5),
        severity="mild",
    )
    duplex(nurse, one, plus(t1, 30))
    inr(nurse, one, plus(t1, 30), "2.5")
    inr(nurse, one, plus(t1, 40), "3.5")
    inr(nurse, one, plus(t1, 50), "2.5")
    occlusion = duplex(nurse, one, plus(t1, 100), "occluded")
    move(
        coordinator,
        one,
        "reintervene",
        plus(t1, 100),
        reason="Occluded stent.",
        reintervention={"cause": "occlusion", "segments": [STENTED], "visit": occlusion.id},
    )
    record_procedure(coordinator, one, date=plus(t1, 105))
    move(coordinator, one, "complete_procedure", plus(t1, 105))
    prepare_and_move(coordinator, one, "discharge", plus(t1, 106))
    services.complication_add(
        actor=coordinator,
        episode_id=one.id,
        kind="recurrent_dvt",
        occurred_on=plus(t1, 200),
        severity="moderate",
    )
    duplex(nurse, one, plus(t1, 300), villalta=mild())

    two = discharged(coordinator, t2)
    duplex(nurse, two, plus(t2, 30))
    severe = mild() | {"ulcer": True}
    duplex(nurse, two, plus(t2, 60), villalta=severe)
    inr(nurse, two, plus(t2, 70), "2.5")
    duplex(nurse, two, plus(t2, 200), "stenosis")

    three = discharged(coordinator, t3)
    return one, two, three


def test_the_figures_of_a_small_cohort(admin_user, cohort):
    one, two, three = cohort
    figures = outcomes_get(actor=admin_user)

    assert figures["episodes"] == 3
    km = figures["patency"]
    # primary: three censored at 0; one ends at 100 (n 2), two at 200 (n 1)
    assert km["primary"]["6"] | {"ci_low": 0, "ci_high": 0} == {
        "estimate": 0.5,
        "ci_low": 0,
        "ci_high": 0,
        "at_risk": 1,
        "events": 1,
        "censored": 1,
    }
    assert (km["primary"]["12"]["estimate"], km["primary"]["24"]["estimate"]) == (0.0, 0.0)
    # assisted: one ends at 100; two's stenosis is not an occlusion, censored at 200
    assert km["assisted_primary"]["6"]["estimate"] == 0.5
    assert km["assisted_primary"]["12"] == {
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "at_risk": 0,
        "events": 1,
        "censored": 2,
    }
    # secondary: one's occlusion was reopened within 30 days: censored at 300
    assert km["secondary"]["6"] | {"ci_low": 0, "ci_high": 0} == {
        "estimate": 1.0,
        "ci_low": 0,
        "ci_high": 0,
        "at_risk": 2,
        "events": 0,
        "censored": 1,
    }
    assert km["secondary"]["12"]["censored"] == 3

    assert figures["pts"] == {"none": 0, "mild": 1, "moderate": 0, "severe": 0}
    early = {k: v for k, v in figures["complications"]["early"].items() if v}
    late = {k: v for k, v in figures["complications"]["late"].items() if v}
    assert (early, late) == ({"pulmonary_embolism": 33.3}, {"recurrent_dvt": 33.3})
    anticoagulation = figures["anticoagulation"]
    assert (anticoagulation["patients"], anticoagulation["median_ttr"]) == (1, 50.0)
    assert anticoagulation["share_ttr_65"] == 0.0
    # one's 50% is in the 50-60% band; two (one reading) and three (none) have no TTR
    bands = anticoagulation["distribution"]
    assert {b["from_pct"]: b["patients"] for b in bands if b["patients"]} == {50: 1}
    # three: in surveillance since 100 days ago, every move that day
    assert figures["time_in_stage"]["surveillance"]["stays"] == 4
    assert figures["time_in_stage"]["selection"]["median_days"] == 0.0


def test_filters_by_lesion_and_index_procedure_date(admin_user, cohort):
    only_one = outcomes_get(actor=admin_user, lesion="compression")
    assert only_one["episodes"] == 1
    # one's stays: surveillance 0-100 and 106-800 days (p90: 100 + 0.9 * 594); procedure 0
    # days and 100-105
    stages = only_one["time_in_stage"]
    assert stages["surveillance"] == {"median_days": 397.0, "p90_days": 634.6, "stays": 2}
    assert stages["procedure"] == {"median_days": 2.5, "p90_days": 4.5, "stays": 2}

    assert outcomes_get(actor=admin_user, procedure_from=days_ago(600))["episodes"] == 2
    assert outcomes_get(actor=admin_user, procedure_to=days_ago(600))["episodes"] == 1
    assert outcomes_get(actor=admin_user, lesion="post_thrombotic")["episodes"] == 0


def test_only_admins_see_the_outcomes(coordinator, nurse):
    for actor in (coordinator, nurse):
        with pytest.raises(Forbidden):
            outcomes_get(actor=actor)


def queries_for(admin_user, cold=True) -> int:
    actor = get_user_model().objects.get(id=admin_user.id)  # no permission cache carried over
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        outcomes_get(actor=actor)
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_episodes(admin_user, coordinator, nurse):
    def add(n):
        for i in range(n):
            episode = discharged(coordinator, days_ago(200 + i))
            duplex(nurse, episode, days_ago(150 + i), "stenosis" if i % 2 else "patent")
            inr(nurse, episode, days_ago(150 + i), "2.5")
            inr(nurse, episode, days_ago(140 + i), "3.1")

    add(3)
    few = queries_for(admin_user)
    add(17)
    assert outcomes_get(actor=admin_user)["episodes"] == 20
    assert queries_for(admin_user) == few
    assert few <= 10
    # Asked again with no fact changed: the facts' version, then the figures kept for it.
    assert queries_for(admin_user, cold=False) <= 3


def test_the_figures_follow_a_new_result_at_once(admin_user, coordinator, nurse):
    episode = discharged(coordinator, days_ago(200))
    before = outcomes_get(actor=admin_user)
    assert outcomes_get(actor=admin_user) == before  # kept
    duplex(nurse, episode, days_ago(100), "occluded")
    after = outcomes_get(actor=admin_user)["patency"]["assisted_primary"]["6"]
    assert (after["events"], before["patency"]["assisted_primary"]["6"]["events"]) == (1, 0)
    services.complication_add(
        actor=coordinator,
        episode_id=episode.id,
        kind="pulmonary_embolism",
        occurred_on=days_ago(190),
        severity="mild",
    )
    assert outcomes_get(actor=admin_user)["complications"]["early"]["pulmonary_embolism"] == 100.0


def test_bleeds_on_treatment_count_in_the_complication_rates(admin_user, coordinator):
    """pathway.md section 7: a gastrointestinal bleed 10 days after the procedure is early, an
    intracranial haemorrhage at 100 days late, each in one of the two episodes (50 per 100)."""
    one = discharged(coordinator, days_ago(200))
    two = discharged(coordinator, days_ago(200))
    for episode, kind, day in (
        (one, "gastrointestinal_bleeding", 190),
        (two, "intracranial_haemorrhage", 100),
    ):
        services.complication_add(
            actor=coordinator,
            episode_id=episode.id,
            kind=kind,
            occurred_on=days_ago(day),
            severity="severe",
            bleeding_class="major",
        )

    rates = outcomes_get(actor=admin_user)["complications"]

    early = {k: v for k, v in rates["early"].items() if v}
    late = {k: v for k, v in rates["late"].items() if v}
    assert (early, late) == (
        {"gastrointestinal_bleeding": 50.0},
        {"intracranial_haemorrhage": 50.0},
    )
    assert rates["early"]["other_bleeding"] == 0.0  # every kind is listed


# --- the API ---------------------------------------------------------------------------------
def test_the_api_answers_the_contract_shape(as_admin, cohort):
    response = as_admin.get(URL, {"procedure_from": "", "lesion": ""})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "episodes",
        "patency",
        "pts",
        "complications",
        "anticoagulation",
        "time_in_stage",
    }
    assert set(body["patency"]) == {"primary", "assisted_primary", "secondary"}
    assert set(body["patency"]["primary"]) == {"6", "12", "24"}
    assert set(body["patency"]["primary"]["6"]) == {
        "estimate",
        "ci_low",
        "ci_high",
        "at_risk",
        "events",
        "censored",
    }
    assert body["patency"]["primary"]["6"]["estimate"] == 0.5
    assert body["anticoagulation"]["median_ttr"] == 50.0
    filtered = as_admin.get(URL, {"lesion": "compression", "procedure_to": str(days_ago(0))})
    assert filtered.json()["episodes"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"procedure_from": "2024-13-01"},
        {"procedure_to": "yesterday"},
        {"lesion": "unknown"},
        {"procedure_from": "2024-05-01", "procedure_to": "2024-04-01"},
    ],
)
def test_the_api_refuses_a_bad_date_or_an_unknown_lesion(as_admin, query):
    response = as_admin.get(URL, query)
    assert response.status_code == 400
    assert set(response.json()) <= {"procedure_from", "procedure_to", "lesion"}


def test_the_api_is_for_admins_only(as_coordinator, as_nurse, anonymous):
    assert as_coordinator.get(URL, {"lesion": "unknown"}).status_code == 403
    assert as_nurse.get(URL).status_code == 403
    assert anonymous.get(URL).status_code in (401, 403)


def sql_of(admin_user) -> list[str]:
    actor = get_user_model().objects.get(id=admin_user.id)
    with CaptureQueriesContext(connection) as captured:
        outcomes_get(actor=actor)
    return [q["sql"] for q in captured.captured_queries]


def test_a_new_result_recomputes_the_patency_groups_but_not_the_stays(
    admin_user, coordinator, nurse
):
    episode = discharged(coordinator, days_ago(200))
    outcomes_get(actor=admin_user)
    inr(nurse, episode, days_ago(100), "2.5")
    asked = sql_of(admin_user)
    assert any("outcomes_episodeoutcome" in sql and "GROUP BY" in sql for sql in asked)
    assert not any('"stay_days"' in sql for sql in asked)  # no move since: stays kept
    move(coordinator, episode, "complete", days_ago(0), reason="Surveillance finished.")
    assert any('"stay_days"' in sql for sql in sql_of(admin_user))


def test_kept_figures_expire_after_a_minute(admin_user, coordinator):
    discharged(coordinator, days_ago(200))
    outcomes_get(actor=admin_user)
    assert len(sql_of(admin_user)) <= 3
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61), tick=False):
        assert len(sql_of(admin_user)) > 3
