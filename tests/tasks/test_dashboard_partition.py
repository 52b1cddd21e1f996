"""The dashboard's follow-up counts partition the open follow-ups by the status each one shows
(FollowUp.status_on, from tasks/windows.py): due now, overdue, due this week (not yet in its
window, due within today + 6 days) and later add up to the open ones, on any day, including
the days a window opens and closes, in one query."""

import datetime as dt
import random
from collections import Counter

import pytest

from tasks.models import FollowUp
from tasks.selectors import followup_counts
from tests.factories import PatientFactory
from tests.tasks.support import at, days, discharge, move

pytestmark = pytest.mark.django_db
D = dt.date
WEEK = days(6)


def expected_counts(rows: list[FollowUp], today: dt.date) -> dict[str, int]:
    """The counts from each row's own derived status."""
    status = Counter()
    for row in rows:
        s = row.status_on(today)
        if s == "scheduled":
            s = "due_this_week" if row.due_on <= today + WEEK else "later"
        elif s == "due":
            s = "due_now"
        status[s] += 1
    counts = {k: status[k] for k in ("due_now", "overdue", "due_this_week", "later")}
    counts["open"] = sum(counts.values())
    assert counts["open"] == len(rows) - status["completed"] - status["cancelled"]
    return counts


@pytest.fixture
def many_follow_ups(coordinator, nurse, clock):
    """Three real schedules (one withdrawn, so cancelled) and 400 follow-ups with random due
    dates, windows of 0 to 60 days, some completed, some cancelled."""
    kept = discharge(coordinator, clock)
    discharge(coordinator, clock, patient=PatientFactory(), anticoagulant="doac")
    gone = discharge(coordinator, clock, patient=PatientFactory())
    clock.move_to(at(D(2024, 3, 1)))
    move(coordinator, gone, "withdraw", reason="Moved away.")
    made_by = kept.history.get(name="discharge")
    rng = random.Random(20240301)
    rows = []
    for _ in range(400):
        due = D(2024, 3, 1) + days(rng.randint(-90, 500))
        width = rng.choice([0, 1, 3, 7, 14, 60])
        fate = rng.choices(["open", "completed", "cancelled"], weights=[6, 2, 1])[0]
        rows.append(
            FollowUp(
                episode=kept,
                kind=rng.choice(["duplex", "anticoagulation_review", "inr_check"]),
                due_on=due,
                window_opens_on=due - days(width),
                window_closes_on=due + days(width),
                created_by=made_by,
                completed_at=at(D(2024, 3, 1)) if fate == "completed" else None,
                cancelled_at=at(D(2024, 3, 1)) if fate == "cancelled" else None,
            )
        )
    FollowUp.objects.bulk_create(rows)
    return list(FollowUp.objects.all())


def test_the_follow_up_counts_equal_the_statuses_of_the_rows_on_every_day_checked(
    many_follow_ups, django_assert_num_queries
):
    rows = many_follow_ups
    rng = random.Random(7)
    # The edges: the day before and the day a window opens, the day it closes and the day after,
    # a due date 6 and 7 days ahead; and random days from before the first to after the last.
    edges = {
        d
        for r in rows
        for d in (
            r.window_opens_on - days(1),
            r.window_opens_on,
            r.window_closes_on,
            r.window_closes_on + days(1),
            r.due_on - days(6),
            r.due_on - days(7),
        )
    }
    checked = rng.sample(sorted(edges), 150) + [
        D(2023, 10, 1) + days(rng.randint(0, 800)) for _ in range(50)
    ]
    for today in checked:
        with django_assert_num_queries(1):
            counts = followup_counts(today=today)
        assert counts == expected_counts(rows, today), today
        assert (
            counts["due_now"] + counts["overdue"] + counts["due_this_week"] + counts["later"]
            == counts["open"]
        )


def test_the_dashboard_shows_the_same_counts_on_any_day_in_the_same_few_queries(
    many_follow_ups, as_admin, clock, django_assert_max_num_queries
):
    for today in [D(2024, 2, 10), D(2024, 2, 21), D(2024, 2, 22), D(2024, 7, 1), D(2025, 6, 30)]:
        clock.move_to(at(today))
        with django_assert_max_num_queries(8):
            body = as_admin.get("/api/dashboard/").json()
        assert body["follow_ups"] == expected_counts(many_follow_ups, today), today
