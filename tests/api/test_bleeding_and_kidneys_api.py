"""Section 7 over HTTP (API contract, "Anticoagulation"): measurements with their creatinine
clearance, the selection's VTE-BLEED and pregnancy facts, the episode's `vte_bleed` and
`anticoagulant_suitable` warnings, and bleeding on treatment with its ISTH class."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathway import services
from pathway.codes import State
from pathway.models import Measurement
from tests import factories as f
from tests.api import support as s
from tests.api.test_queries import EPISODE_BUDGET

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def clock():
    noon = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    with time_machine.travel(noon, tick=False) as traveller:
        yield traveller


def aged(years: int, sex: str):
    return f.PatientFactory(birth_date=dt.date(TODAY.year - years, 1, 1), sex=sex)


def post(client, episode_id, tail, body):
    return client.post(s.episode_url(episode_id, tail), body, format="json")


def put(client, episode_id, tail, body):
    return client.put(s.episode_url(episode_id, tail), body, format="json")


# --- measurements -----------------------------------------------------------------------------
def test_a_creatinine_posted_answers_the_cockcroft_gault_clearance(as_coordinator, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator, aged(70, "female"))

    added = s.ok(
        post(
            as_coordinator,
            episode.id,
            "measurements/",
            {
                "measured_on": s.iso(TODAY),
                "weight_kg": "60",
                "creatinine_umol_l": "90",
            },
        ),
        201,
    )

    assert added["creatinine_clearance"] == 48.5
    assert added["creatinine_clearance_method"] == "cockcroft_gault"
    assert added["creatinine_clearance_ml_min"] is None  # not given: computed on every read
    assert (added["weight_kg"], added["creatinine_umol_l"]) == ("60.0", "90.0")
    listed = s.ok(as_coordinator.get(s.episode_url(episode.id, "measurements/")))
    assert [(m["id"], m["creatinine_clearance"]) for m in listed] == [(added["id"], 48.5)]


def test_a_given_clearance_is_answered_as_given(as_coordinator, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator, aged(70, "female"))

    added = s.ok(
        post(
            as_coordinator,
            episode.id,
            "measurements/",
            {
                "measured_on": s.iso(TODAY),
                "creatinine_clearance_ml_min": "41.5",
            },
        ),
        201,
    )

    assert (added["creatinine_clearance"], added["creatinine_clearance_method"]) == (41.5, "given")


def test_a_creatinine_of_a_patient_of_unknown_sex_answers_no_clearance_and_why(
    as_coordinator, coordinator
):
    episode = f.episode_in(State.SELECTION, coordinator, aged(70, "unknown"))

    added = s.ok(
        post(
            as_coordinator,
            episode.id,
            "measurements/",
            {
                "measured_on": s.iso(TODAY),
                "weight_kg": "60",
                "creatinine_umol_l": "90",
            },
        ),
        201,
    )

    assert added["creatinine_clearance"] is None
    assert "sex" in added["creatinine_clearance_note"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measured_on": s.iso(TODAY)}, "weight_kg"),
        ({"measured_on": s.iso(TODAY + dt.timedelta(days=1)), "weight_kg": "70"}, "measured_on"),
        ({"measured_on": s.iso(TODAY - dt.timedelta(days=1)), "weight_kg": "70"}, "measured_on"),
        ({"measured_on": s.iso(TODAY), "weight_kg": "heavy"}, "weight_kg"),
        ({"measured_on": s.iso(TODAY), "weight_kg": "4000"}, "weight_kg"),
        ({"measured_on": s.iso(TODAY), "creatinine_umol_l": "-3"}, "creatinine_umol_l"),
        ({"weight_kg": "70"}, "measured_on"),
    ],
    ids=[
        "nothing",
        "future",
        "before-referral",
        "not-a-number",
        "too-heavy",
        "negative",
        "undated",
    ],
)
def test_a_bad_measurement_is_a_400_naming_the_field(as_coordinator, coordinator, body, field):
    episode = f.episode_in(State.SELECTION, coordinator)

    s.names(post(as_coordinator, episode.id, "measurements/", body), field)

    assert not Measurement.objects.exists()


def test_a_nurse_reads_the_measurements_but_cannot_add_one(as_nurse, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    services.measurement_add(
        actor=coordinator, episode_id=episode.id, measured_on=TODAY, weight_kg=Decimal("70")
    )

    refused = post(
        as_nurse, episode.id, "measurements/", {"measured_on": s.iso(TODAY), "weight_kg": "71"}
    )

    assert refused.status_code == 403
    assert [
        m["weight_kg"] for m in s.ok(as_nurse.get(s.episode_url(episode.id, "measurements/")))
    ] == ["70.0"]


def test_the_measurements_list_refuses_an_unknown_query_parameter(as_coordinator, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)

    s.names(
        as_coordinator.get(s.episode_url(episode.id, "measurements/?since=2024-01-01")), "since"
    )


# --- the selection's new facts ------------------------------------------------------------------
def test_the_selection_records_vte_bleed_facts_and_pregnancy(as_coordinator, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    body = s.selection_body(
        assessed_on=s.iso(TODAY),
        symptom_onset=s.iso(TODAY - dt.timedelta(days=4)),
        active_cancer=True,
        uncontrolled_hypertension=True,
        anaemia=True,
        prior_bleeding=True,
        pregnancy="not_pregnant",
        contraception=True,
    )

    saved = s.ok(put(as_coordinator, episode.id, "selection/", body))

    assert {
        k: saved[k]
        for k in (
            "active_cancer",
            "uncontrolled_hypertension",
            "anaemia",
            "prior_bleeding",
            "pregnancy",
            "contraception",
        )
    } == {
        "active_cancer": True,
        "uncontrolled_hypertension": True,
        "anaemia": True,
        "prior_bleeding": True,
        "pregnancy": "not_pregnant",
        "contraception": True,
    }


def test_an_older_selection_request_without_them_records_the_defaults(as_coordinator, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    body = s.selection_body(
        assessed_on=s.iso(TODAY), symptom_onset=s.iso(TODAY - dt.timedelta(days=4))
    )

    saved = s.ok(put(as_coordinator, episode.id, "selection/", body))

    assert (saved["active_cancer"], saved["anaemia"], saved["prior_bleeding"]) == (
        False,
        False,
        False,
    )
    assert (saved["pregnancy"], saved["contraception"]) == ("", None)


def test_an_unknown_pregnancy_status_is_a_400(as_coordinator, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    body = s.selection_body(
        assessed_on=s.iso(TODAY),
        pregnancy="maybe",
        symptom_onset=s.iso(TODAY - dt.timedelta(days=4)),
    )

    s.names(put(as_coordinator, episode.id, "selection/", body), "pregnancy")


# --- the episode view ---------------------------------------------------------------------------
def test_the_episode_view_carries_vte_bleed_with_its_parts(as_nurse, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator, aged(65, "male"))
    f.record_selection(coordinator, episode, active_cancer=True, anaemia=True)

    view = s.ok(as_nurse.get(s.episode_url(episode.id)))

    score = view["vte_bleed"]
    assert (score["score"], score["high_risk"]) == (5.0, True)
    assert score["parts"] == [
        {"factor": "active_cancer", "points": 2.0},
        {"factor": "anaemia", "points": 1.5},
        {"factor": "age_60_or_over", "points": 1.5},
    ]
    assert (score["at"], score["on"], score["missing"]) == (
        "selection",
        s.iso(TODAY),
        ["creatinine_clearance"],
    )
    assert view["vte_bleed_at_selection"] == score
    assert view["vte_bleed_at_discharge"] is None


def test_the_episode_view_has_no_vte_bleed_before_the_selection(as_nurse, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)

    assert s.ok(as_nurse.get(s.episode_url(episode.id)))["vte_bleed"] is None


def test_aps_on_apixaban_is_a_warning_on_the_episode_view(as_nurse, coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    f.record_selection(coordinator, episode, thrombophilia="positive", thrombophilia_finding="APS")
    services.course_add(
        actor=coordinator, episode_id=episode.id, agent="apixaban", started_on=TODAY
    )

    warnings = s.ok(as_nurse.get(s.episode_url(episode.id)))["warnings"]

    assert [w["rule"] for w in warnings] == ["anticoagulant_suitable"]
    assert "antiphospholipid syndrome" in warnings[0]["message"]


def test_the_episode_view_costs_the_same_with_courses_and_measurements(
    as_nurse, coordinator, django_assert_max_num_queries
):
    episode = f.episode_in(State.SELECTION, coordinator, aged(40, "female"))
    f.record_selection(coordinator, episode)
    url = s.episode_url(episode.id)
    with CaptureQueriesContext(connection) as few:
        as_nurse.get(url)

    for agent in ("enoxaparin", "warfarin", "apixaban"):
        services.course_add(actor=coordinator, episode_id=episode.id, agent=agent, started_on=TODAY)
    for kg in ("70", "71", "72"):
        services.measurement_add(
            actor=coordinator,
            episode_id=episode.id,
            measured_on=TODAY,
            weight_kg=Decimal(kg),
            creatinine_umol_l=Decimal("80"),
        )
    with django_assert_max_num_queries(EPISODE_BUDGET), CaptureQueriesContext(connection) as many:
        body = s.ok(as_nurse.get(url))

    assert len(many) == len(few)
    assert {w["rule"] for w in body["warnings"]} == {"anticoagulant_suitable"}


# --- bleeding on treatment ----------------------------------------------------------------------
NEW_BLEEDS = ["gastrointestinal_bleeding", "intracranial_haemorrhage", "other_bleeding"]


def complication(**overrides) -> dict:
    return {
        "kind": "gastrointestinal_bleeding",
        "occurred_on": s.iso(TODAY),
        "severity": "severe",
        "notes": "",
        **overrides,
    }


@pytest.mark.parametrize("kind", NEW_BLEEDS)
def test_a_bleed_on_treatment_is_recorded_with_its_isth_class(as_coordinator, coordinator, kind):
    episode = f.episode_in(State.POST_OP, coordinator)

    added = s.ok(
        post(
            as_coordinator,
            episode.id,
            "complications/",
            complication(kind=kind, bleeding_class="major"),
        ),
        201,
    )

    assert (added["kind"], added["bleeding_class"]) == (kind, "major")


@pytest.mark.parametrize("kind", NEW_BLEEDS)
def test_a_bleed_on_treatment_without_its_class_is_a_400_naming_it(
    as_coordinator, coordinator, kind
):
    episode = f.episode_in(State.POST_OP, coordinator)

    said = s.names(
        post(as_coordinator, episode.id, "complications/", complication(kind=kind)),
        "bleeding_class",
    )

    assert "major" in said[0]
    assert not episode.complications.exists()


def test_a_bleeding_class_on_a_complication_that_is_not_a_bleed_is_still_a_400(
    as_coordinator, coordinator
):
    episode = f.episode_in(State.POST_OP, coordinator)

    s.names(
        post(
            as_coordinator,
            episode.id,
            "complications/",
            complication(kind="pulmonary_embolism", bleeding_class="crnm"),
        ),
        "bleeding_class",
    )
