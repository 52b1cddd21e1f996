"""The journey and handover pages, in tests that walk the handover case themselves (another
coordinator's case; fewer readings to add to): a module of their own, as the case's patient
(MRN-0042) is walked once for all of tests/pathway/test_journey_page.py's other tests."""

import datetime as dt

import pytest
import time_machine

from pathway import services
from tests.pathway import handover_case as case
from tests.pathway.test_journey_page import handover_of, page_of, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(case.at(case.OPERATED), tick=False) as traveller:
        yield traveller


def test_the_handover_names_whom_to_call_at_the_unit(client, clock, coordinator):
    grace = case.staff("coordinator", "grace", "Grace", "Hopper")
    episode = case.bridged_to_warfarin(clock, grace)
    services.episode_assign(actor=grace, episode_id=episode.id, assigned_coordinator=coordinator.id)

    html = signed_in(client, coordinator).get(handover_of(episode)).content.decode()

    assert "discharged on 8 Jan 2025 by Grace Hopper" in html
    name = coordinator.get_full_name() or coordinator.username
    assert f"Unit contact: {name} (coordinator)" in html


# --- query budgets ------------------------------------------------------------------------------
def test_the_pages_cost_the_same_with_more_courses_and_readings(
    client, clock, coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    episode = case.bridged_to_warfarin(clock, coordinator, readings=case.READINGS[:1])
    c = signed_in(client, coordinator)
    c.get(page_of(episode))
    with CaptureQueriesContext(connection) as page:
        c.get(page_of(episode))
    with CaptureQueriesContext(connection) as handover:
        c.get(handover_of(episode))

    for day, inr, _ in case.READINGS[1:]:
        clock.move_to(case.at(day))
        case.record_inr(coordinator, episode, day, inr, "visit")
    for agent in ("dalteparin", "tinzaparin"):
        services.course_add(
            actor=coordinator,
            episode_id=episode.id,
            agent=agent,
            started_on=dt.date(2025, 1, 20),
            stopped_on=dt.date(2025, 1, 21),
        )
    clock.move_to(case.at(case.SEEN_ON))
    with django_assert_max_num_queries(len(page.captured_queries)):
        c.get(page_of(episode))
    with django_assert_max_num_queries(len(handover.captured_queries)):
        c.get(handover_of(episode))
