"""GET /api/episodes/<id>/ carries "ttr": the Rosendaal TTR of the episode's INR readings
(scheduled INR checks and INR visits), worked by hand, as the outcomes dashboard reckons it.
Target ranges are dated (each interval against the range stored on the reading at its start)
and only readings taken on a VKA count, before and after a switch to a DOAC."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes.models import EpisodeOutcome
from outcomes.selectors import outcomes_get
from outcomes.services import episode_outcomes_refresh
from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tasks.models import Visit
from tests.api import support as s
from tests.api.test_queries import EPISODE_BUDGET
from tests.factories import episode_in
from tests.tasks.support import PROCEDURE_ON, at, discharge

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def clock():
    with time_machine.travel(at(PROCEDURE_ON), tick=False) as traveller:
        yield traveller


def scheduled(nurse, clock, episode, due_on: dt.date, on: dt.date, inr: str):
    """The INR check due on `due_on`, done on `on` (within its 3-day window)."""
    clock.move_to(at(on))
    follow_up = episode.follow_ups.get(kind="inr_check", due_on=due_on)
    task_services.followup_record_result(
        actor=nurse, follow_up_id=follow_up.id, performed_on=on, inr=Decimal(inr)
    )


def visit(nurse, clock, episode, on: dt.date, inr: str):
    clock.move_to(at(on))
    task_services.visit_record(
        actor=nurse, episode_id=episode.id, kind="inr_check", performed_on=on, inr=Decimal(inr)
    )


def worked_example(nurse, clock, episode):
    """2.5 on day 0 (10 Feb, scheduled), 3.5 on day 10 (20 Feb, a visit), 2.5 on day 20
    (1 Mar, the check due 2 Mar)."""
    scheduled(nurse, clock, episode, D(2024, 2, 10), D(2024, 2, 10), "2.5")
    visit(nurse, clock, episode, D(2024, 2, 20), "3.5")
    scheduled(nurse, clock, episode, D(2024, 3, 2), D(2024, 3, 1), "2.5")


def ttr_of(client, episode):
    return s.ok(client.get(s.episode_url(episode.id)))["ttr"]


def test_the_worked_example_is_in_range_half_the_time(coordinator, nurse, as_nurse, clock):
    episode = discharge(coordinator, clock)  # VKA, no target of its own: 2.0-3.0
    worked_example(nurse, clock, episode)
    # 2.5 -> 3.5 leaves the range on day 5; 3.5 -> 2.5 enters it on day 15: 10 of 20 days.
    assert ttr_of(as_nurse, episode) == 50.0


def test_the_episode_view_agrees_with_the_dashboard(
    coordinator, nurse, admin_user, as_nurse, clock
):
    episode = discharge(coordinator, clock)
    worked_example(nurse, clock, episode)
    visit(nurse, clock, episode, D(2024, 3, 5), "1.7")  # 2.5 -> 1.7 over 4 days: 2.5 in range
    figures = outcomes_get(actor=admin_user)["anticoagulation"]
    assert (figures["patients"], figures["median_ttr"]) == (1, 52.1)  # 12.5 / 24 days
    assert [band["patients"] for band in figures["distribution"]] == [0] * 5 + [1] + [0] * 4
    assert ttr_of(as_nurse, episode) == 52.1


def test_the_discharge_plans_own_target_is_used(coordinator, nurse, as_nurse, clock):
    episode = discharge(
        coordinator, clock, target_inr_low=Decimal("2.5"), target_inr_high=Decimal("3.5")
    )
    worked_example(nurse, clock, episode)
    assert ttr_of(as_nurse, episode) == 100.0  # bounds included


def test_one_reading_gives_no_ttr(coordinator, nurse, as_nurse, clock):
    episode = discharge(coordinator, clock)
    assert ttr_of(as_nurse, episode) is None
    scheduled(nurse, clock, episode, D(2024, 2, 10), D(2024, 2, 10), "2.5")
    assert ttr_of(as_nurse, episode) is None


def test_a_reading_more_than_56_days_later_counts_for_nothing(coordinator, nurse, as_nurse, clock):
    episode = discharge(coordinator, clock)
    scheduled(nurse, clock, episode, D(2024, 2, 10), D(2024, 2, 10), "2.5")
    visit(nurse, clock, episode, D(2024, 4, 10), "2.5")  # 60 days on
    assert ttr_of(as_nurse, episode) is None


def test_a_doac_patient_has_no_ttr(coordinator, nurse, as_nurse, clock):
    episode = discharge(coordinator, clock, anticoagulant="doac")
    assert not episode.follow_ups.filter(kind="inr_check").exists()
    visit(nurse, clock, episode, D(2024, 2, 10), "1.2")
    visit(nurse, clock, episode, D(2024, 2, 20), "1.1")
    assert ttr_of(as_nurse, episode) is None


def test_an_episode_before_discharge_has_no_ttr(coordinator, as_nurse):
    episode = episode_in(State.PROCEDURE, coordinator)
    assert ttr_of(as_nurse, episode) is None


def test_the_ttr_costs_one_query_however_many_readings(
    coordinator, nurse, as_nurse, clock, django_assert_max_num_queries
):
    episode = discharge(coordinator, clock)
    scheduled(nurse, clock, episode, D(2024, 2, 10), D(2024, 2, 10), "2.5")
    with CaptureQueriesContext(connection) as few:
        ttr_of(as_nurse, episode)
    visit(nurse, clock, episode, D(2024, 2, 20), "3.5")
    scheduled(nurse, clock, episode, D(2024, 3, 2), D(2024, 3, 1), "2.5")
    for day in range(2, 12):
        visit(nurse, clock, episode, D(2024, 3, day), "2.4")
    with django_assert_max_num_queries(EPISODE_BUDGET), CaptureQueriesContext(connection) as many:
        assert ttr_of(as_nurse, episode) is not None
    assert len(many) == len(few)
    assert sum("UNION ALL" in q["sql"] for q in many.captured_queries) == 1


def plan_changed(coordinator, clock, episode, on: dt.date, **changes):
    """The discharge plan corrected on `on` (the discharge relied on it: with a reason)."""
    clock.move_to(at(on))
    fields = dict(
        anticoagulant="vka",
        target_inr_low=None,
        target_inr_high=None,
        planned_duration_months=6,
        compression_stockings=True,
        compression_reason="",
    )
    services.discharge_plan_record(
        actor=coordinator,
        episode_id=episode.id,
        reason="Changed by the haematologist.",
        **fields | changes,
    )


def everywhere(admin_user, as_nurse, episode) -> tuple:
    """The TTR on the episode view, on its kept outcome row, and the dashboard's median."""
    kept = EpisodeOutcome.objects.get(episode=episode)
    median = outcomes_get(actor=admin_user)["anticoagulation"]["median_ttr"]
    return ttr_of(as_nurse, episode), kept.ttr, median


def test_a_range_change_leaves_past_ttr_unchanged(coordinator, nurse, admin_user, as_nurse, clock):
    episode = discharge(coordinator, clock)  # 2.0-3.0
    worked_example(nurse, clock, episode)
    assert everywhere(admin_user, as_nurse, episode) == (50.0, 50.0, 50.0)

    # Against 2.5-3.5 every one of those readings would be in range (100%): they keep theirs.
    plan_changed(
        coordinator,
        clock,
        episode,
        D(2024, 3, 4),
        target_inr_low=Decimal("2.5"),
        target_inr_high=Decimal("3.5"),
    )
    assert everywhere(admin_user, as_nurse, episode) == (50.0, 50.0, 50.0)

    # The next readings carry the new range: 1 Mar (2.0-3.0) -> 11 Mar 3.5, 5 of 10 days in;
    # 11 Mar (2.5-3.5) -> 21 Mar 3.0, all 10 in. 25 of 40 days.
    visit(nurse, clock, episode, D(2024, 3, 11), "3.5")
    visit(nurse, clock, episode, D(2024, 3, 21), "3.0")
    assert everywhere(admin_user, as_nurse, episode) == (62.5, 62.5, 62.5)


def test_a_switch_from_warfarin_to_a_doac_keeps_the_vka_periods_ttr(
    coordinator, nurse, admin_user, as_nurse, clock
):
    episode = discharge(coordinator, clock)
    worked_example(nurse, clock, episode)
    plan_changed(coordinator, clock, episode, D(2024, 3, 4), anticoagulant="doac")

    assert everywhere(admin_user, as_nurse, episode) == (50.0, 50.0, 50.0)
    assert EpisodeOutcome.objects.get(episode=episode).vka
    assert outcomes_get(actor=admin_user)["anticoagulation"]["patients"] == 1

    # INRs taken on the DOAC are kept as the results writer stores them off a VKA (no target):
    # they do not measure its effect and count for nothing.
    for on, inr in ((D(2024, 3, 8), "1.1"), (D(2024, 3, 12), "1.3")):
        Visit.objects.create(
            episode=episode,
            kind="inr_check",
            performed_on=on,
            recorded_by=nurse,
            result={"inr": inr, "target": None, "anticoagulant": "doac"},
        )
    episode_outcomes_refresh(episode_ids=[episode.id])
    assert everywhere(admin_user, as_nurse, episode) == (50.0, 50.0, 50.0)
