"""The admin's dashboard: patients per state, open follow-ups by status (due now, overdue, due
this week, later), open alerts; the same few queries however many patients there are."""

import datetime as dt

import pytest

from pathway.codes import State
from tests.factories import EpisodeFactory
from tests.tasks.support import at, discharge, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date


def test_admin_sees_patients_per_state_and_open_follow_ups_by_status(
    coordinator, nurse, as_admin, clock
):
    discharge(coordinator, clock)  # procedure 31 Jan, discharged 3 Feb 2024
    EpisodeFactory(state=State.SELECTION)
    EpisodeFactory(state=State.WITHDRAWN)
    sweep_on(clock, D(2024, 2, 22))  # 2-week visits overdue (window closed 21 Feb)

    clock.move_to(at(D(2024, 2, 26)))
    body = as_admin.get("/api/dashboard/").json()

    assert body["by_state"]["surveillance"] == 1
    assert body["by_state"]["selection"] == 1
    assert body["by_state"]["withdrawn"] == 1
    assert body["by_state"]["procedure"] == 0
    assert set(body["by_state"]) == set(State.values)
    # Overdue: the 2-week duplex and review (window closed 21 Feb) and the INR checks due 10
    # and 17 Feb. Due now: the INR check due 24 Feb, still inside its window (closes 27 Feb).
    # Due this week: the INR check due 2 Mar (window opens 27 Feb). Later: the other 22 of the
    # 28 (9 duplex, 10 reviews with the one before the plan's 6 months end, 9 INR checks).
    assert body["follow_ups"] == {
        "due_now": 1,
        "overdue": 4,
        "due_this_week": 1,
        "later": 22,
        "open": 28,
    }
    assert body["open_alerts"]["overdue"] >= 2


@pytest.mark.parametrize("client", ["as_coordinator", "as_nurse"])
def test_only_admins_see_the_dashboard(request, client):
    assert request.getfixturevalue(client).get("/api/dashboard/").status_code == 403


def test_the_dashboard_costs_the_same_few_queries_for_many_patients(
    coordinator, as_admin, clock, django_assert_max_num_queries
):
    for _ in range(3):
        discharge(coordinator, clock)
    for state in State.values:
        EpisodeFactory.create_batch(3, state=state)
    with django_assert_max_num_queries(8):
        assert as_admin.get("/api/dashboard/").status_code == 200
