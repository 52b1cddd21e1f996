"""Follow-up lists and the alert inbox cost the same few queries however much they hold."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tasks.support import at, discharge, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_a_follow_up_list_costs_the_same_with_results_recorded(
    coordinator, as_nurse, clock, django_assert_max_num_queries
):
    episode = discharge(coordinator, clock)
    path = f"/api/episodes/{episode.id}/follow-ups/"
    before = queries(as_nurse, path)
    assert before <= 8  # not one per follow-up: the schedule has 27
    clock.move_to(at(D(2024, 2, 14), 11))
    for fu in episode.follow_ups.filter(due_on=D(2024, 2, 14), kind="duplex"):
        as_nurse.post(
            f"/api/follow-ups/{fu.id}/result/",
            {
                "performed_on": "2024-02-14",
                "segments": [
                    {"segment": "left_common_iliac", "result": "patent"},
                    {"segment": "ivc", "result": "patent"},
                ],
            },
            format="json",
        )
    assert episode.follow_ups.filter(completed_at__isnull=False).exists()
    with django_assert_max_num_queries(before):
        as_nurse.get(path)


def test_the_alert_inbox_costs_the_same_for_one_patient_or_ten(
    coordinator, nurse, as_nurse, clock, django_assert_max_num_queries
):
    user_in("nurse", "nurse-2")
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    few = queries(as_nurse, "/api/alerts/")
    for _ in range(9):
        discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    assert len(as_nurse.get("/api/alerts/").json()) == 30
    with django_assert_max_num_queries(few):
        as_nurse.get("/api/alerts/")
