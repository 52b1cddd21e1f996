"""The handover, in tests that walk the hand-built case themselves, with more or fewer INR
readings than tests/pathway/test_handover.py's case, walked once for that module (its patient,
MRN-0042, cannot be walked twice)."""

import datetime as dt

import pytest

from pathway.selectors.journey import episode_handover
from tests.pathway import handover_case as case

pytestmark = pytest.mark.django_db


clock, grace = case.clock, case.grace  # the hand-built case's fixtures


def test_bridging_is_met_with_a_second_inr_in_range_a_day_later(clock, grace):
    readings = [*case.READINGS, (dt.date(2025, 1, 23), "2.6", "visit")]
    episode = case.bridged_to_warfarin(clock, grace, readings=readings)

    (bridging,) = episode_handover(actor=grace, episode_id=episode.id).journey.bridging

    assert bridging.in_range_in_a_row == 2 and bridging.met
    assert bridging.text.endswith("Both are met: Enoxaparin may stop.")


def test_the_handover_costs_the_same_with_more_courses_and_readings(
    clock, grace, django_assert_max_num_queries
):
    episode = case.bridged_to_warfarin(clock, grace, readings=case.READINGS[:1])
    # 15: 14, and the warning on post-op checks dated before the procedure reads the checks.
    with django_assert_max_num_queries(15) as few:
        episode_handover(actor=grace, episode_id=episode.id)

    case.more_of_the_journey(clock, grace, episode, (case.READINGS[-1][0],) * 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        handover = episode_handover(actor=grace, episode_id=episode.id)
    assert len(handover.journey.readings) == 3 and len(handover.journey.courses) >= 3
