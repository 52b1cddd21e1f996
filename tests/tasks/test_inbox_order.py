"""Every inbox puts first what cannot wait (pathway.md section 6): critical findings, then the
other urgent ones, then missed follow-ups escalated and stalled episodes, then what is due or
overdue; oldest first within each. Urgent cards say what was found, with its numbers."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from pathway.codes import State
from tasks.models import Alert
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
K, G = Alert.Kind, Alert.Grade
INR_46 = {
    "text": "INR 4.6 (target 2.0–3.0)",
    "inr": "4.6",
    "target_low": "2.0",
    "target_high": "3.0",
}
OCCLUDED = {
    "text": "Left common iliac: occluded",
    "segments": [{"segment": "left_common_iliac", "result": "occluded"}],
}


def days_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def alert(recipient, kind, *, ago: float, grade="", finding=None, **more) -> Alert:
    """An open alert raised `ago` days ago, graded as the results writer grades it."""
    episode = more.pop("episode", None) or EpisodeFactory(state=State.SURVEILLANCE)
    return Alert.objects.create(
        episode=episode,
        recipient=recipient,
        kind=kind,
        grade=grade,
        finding=finding,
        created_at=days_ago(ago),
        **more,
    )


def routine_escalations(coordinator, n: int) -> list[Alert]:
    """Missed follow-ups escalated to the coordinator over the past weeks, oldest first."""
    return [alert(coordinator, K.ESCALATION, ago=60 - i) for i in range(n)]


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def page_ids(client, page=1) -> list[int]:
    response = client.get(f"/inbox/?page={page}")
    assert response.status_code == 200
    return [row["alert"].id for row in response.context["rows"]]


def test_an_urgent_result_tops_the_first_page_ahead_of_50_older_routine_escalations(
    coordinator, signed_in, as_coordinator
):
    older = routine_escalations(coordinator, 55)
    inr = alert(coordinator, K.URGENT_RESULT, ago=0.1, grade=G.OUT_OF_RANGE, finding=INR_46)
    occlusion = alert(coordinator, K.URGENT_RESULT, ago=0, grade=G.CRITICAL, finding=OCCLUDED)

    first_page = page_ids(signed_in)
    api = [row["id"] for row in as_coordinator.get("/api/alerts/").json()]

    expected = [occlusion.id, inr.id, *(a.id for a in older)]
    assert first_page == expected[:50]
    assert page_ids(signed_in, 2) == expected[50:]
    assert api == expected


def test_critical_then_urgent_then_late_then_due_oldest_first_within_each(
    coordinator, as_coordinator
):
    overdue = alert(coordinator, K.OVERDUE, ago=30)
    due = alert(coordinator, K.DUE, ago=29)
    missed = alert(coordinator, K.ESCALATION, ago=20)
    stalled = alert(coordinator, K.STALLED, ago=21, stall=Alert.Stall.IMAGING)
    old_urgent = alert(coordinator, K.URGENT_RESULT, ago=3)  # recorded before results had grades
    out_of_range = alert(coordinator, K.URGENT_RESULT, ago=2, grade=G.OUT_OF_RANGE, finding=INR_46)
    unseen = alert(
        coordinator, K.ESCALATION, ago=1, escalates=old_urgent, episode=old_urgent.episode
    )
    critical = alert(coordinator, K.URGENT_RESULT, ago=0.5, grade=G.CRITICAL, finding=OCCLUDED)
    critical_unseen = alert(
        coordinator,
        K.ESCALATION,
        ago=0.1,
        grade=G.CRITICAL,
        finding=OCCLUDED,
        escalates=critical,
        episode=critical.episode,
    )

    rows = as_coordinator.get("/api/alerts/").json()

    assert [r["id"] for r in rows] == [
        critical.id,
        critical_unseen.id,  # critical, oldest first
        old_urgent.id,
        out_of_range.id,
        unseen.id,  # urgent findings and their escalations
        stalled.id,
        missed.id,  # waits gone on too long
        overdue.id,
        due.id,  # the rest
    ]
    assert rows[5]["subject"] == "Waiting too long: in the imaging work-up"


def test_the_alert_list_carries_each_findings_grade_and_numbers(coordinator, as_coordinator):
    alert(coordinator, K.URGENT_RESULT, ago=1, grade=G.OUT_OF_RANGE, finding=INR_46)
    alert(coordinator, K.ESCALATION, ago=2)

    inr, escalation = as_coordinator.get("/api/alerts/").json()

    assert inr["grade"] == "out_of_range"
    assert inr["finding"] == INR_46
    assert escalation["grade"] is None and escalation["finding"] is None
    assert {
        "id",
        "episode",
        "follow_up",
        "kind",
        "created_at",
        "patient_name",
        "mrn",
        "subject",
        "follow_up_kind",
        "due_on",
        "unrouted",
        "escalates",
    } <= set(inr)


def cards(html: str) -> list[str]:
    """Each patient's card with its first alert (one patient each here)."""
    return re.findall(r'<li class="card inbox-patient.*?</li>', html, flags=re.S)


def test_an_urgent_card_shows_its_grade_the_value_and_the_target_or_the_segment(
    coordinator, signed_in
):
    routine_escalations(coordinator, 60)
    alert(coordinator, K.URGENT_RESULT, ago=0.2, grade=G.OUT_OF_RANGE, finding=INR_46)
    alert(coordinator, K.URGENT_RESULT, ago=0.1, grade=G.CRITICAL, finding=OCCLUDED)
    alert(
        coordinator,
        K.URGENT_RESULT,
        ago=0.3,
        grade=G.OUT_OF_RANGE,
        finding={"text": "Not taking the anticoagulant as prescribed"},
    )

    html = signed_in.get("/inbox/").content.decode()

    first, second, third, *rest = cards(html)
    assert "critical" in first.split(">")[0]  # the card is marked, not only its words
    assert ">Critical<" in first and "Left common iliac: occluded" in first
    assert ">Out of range<" in third and "INR 4.6 — target 2.0–3.0" in third
    assert "Not taking the anticoagulant as prescribed" in second
    assert not any("Critical" in card or "Out of range" in card for card in rest)
    # Nothing but the page's title and one line of text stands before the first card, so on
    # a 1024 x 768 tablet the critical finding is on the first screen.
    before = html[html.index('<main id="main"') : html.index(first)]
    assert "<li" not in before and before.count("<p") == 1


def test_a_nurses_inbox_stays_oldest_first(nurse, client):
    later = alert(nurse, K.DUE, ago=1)
    earlier = alert(nurse, K.OVERDUE, ago=9)
    client.force_login(nurse)

    assert page_ids(client) == [earlier.id, later.id]


def test_the_inbox_costs_the_same_with_3_or_60_graded_alerts(
    coordinator, signed_in, as_coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alert(coordinator, K.URGENT_RESULT, ago=1, grade=G.CRITICAL, finding=OCCLUDED)
    routine_escalations(coordinator, 2)
    costs = {}
    for path in ("/inbox/", "/api/alerts/"):
        with CaptureQueriesContext(connection) as few:
            assert signed_in.get(path).status_code == 200
        costs[path] = len(few.captured_queries)
    routine_escalations(coordinator, 40)
    for _ in range(17):
        alert(coordinator, K.URGENT_RESULT, ago=0.5, grade=G.OUT_OF_RANGE, finding=INR_46)

    for path, cost in costs.items():
        with django_assert_max_num_queries(cost):
            assert signed_in.get(path).status_code == 200
