"""What the fuzzers found (issue 21), each kept as the behaviour it should have been: a bad
input is refused in words (400, 405), never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.dates import OutOfCalendar, add_months
from tasks.models import ScheduleRule
from tasks.schedule import occurrences
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_stent_recall_for_a_lot_with_a_null_character_is_refused_in_words(
    client, coordinator, as_coordinator
):
    client.force_login(coordinator)

    page = client.get("/stents/", {"udi": "\x00"})
    api = as_coordinator.get("/api/stents/", {"lot": "A17\x00"})

    assert page.status_code == 400 and b"Null characters are not allowed." in page.content
    assert api.status_code == 400
    assert api.json() == {"lot": ["Null characters are not allowed."]}


def test_an_api_filter_with_a_null_character_is_a_400_naming_it(as_coordinator):
    answer = as_coordinator.get("/api/episodes/", {"state": "imag\x00ing"})

    assert answer.status_code == 400
    assert answer.json() == {"state": ["Null characters are not allowed."]}


def test_opening_a_form_that_only_takes_posts_says_so_in_words(client, nurse):
    client.force_login(nurse)

    answer = client.get("/accounts/logout/")

    assert answer.status_code == 405
    assert answer["Allow"] == "POST, OPTIONS"
    assert b"This address takes POST or OPTIONS only." in answer.content


def test_months_added_past_year_9999_are_refused_in_words_not_raised_by_the_calendar():
    with pytest.raises(OutOfCalendar) as refused:
        add_months(dt.date(9999, 12, 1), 1)

    assert refused.value.status == 400
    assert refused.value.errors == {"date": ["This date is beyond the calendar (years 1 to 9999)."]}


def test_a_schedule_near_the_calendars_end_stops_there():
    assert occurrences(dt.date(9999, 6, 1), ["3m"], "12m", dt.date.max) == [dt.date(9999, 9, 1)]


@pytest.mark.parametrize(
    ("first_offsets", "then_every"),
    [(["2w", "99999m"], "12m"), (["2w"], "9999999d"), (["fortnight"], "12m"), ({"a": 1}, "12m")],
)
def test_the_admin_refuses_a_schedule_rule_the_schedule_could_not_read(
    client, first_offsets, then_every
):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    rule = ScheduleRule.objects.get(kind="duplex")

    page = client.post(
        f"/admin/tasks/schedulerule/{rule.id}/change/",
        {
            "kind": rule.kind,
            "anchor": rule.anchor,
            "first_offsets": json.dumps(first_offsets),
            "then_every": then_every,
            "window_days": rule.window_days,
            "active": "on",
        },
    )

    assert page.status_code == 200
    assert b"at most ten years" in page.content or b"A list of intervals" in page.content
    rule.refresh_from_db()
    assert "99999m" not in rule.first_offsets and rule.then_every != "9999999d"


def test_the_schema_says_the_outcomes_filters_may_be_sent_empty_as_the_contract_writes_them():
    """`?procedure_from=&procedure_to=&lesion=` is the filters left out (the contract): the
    schema says so, or schemathesis's negative data takes the empty date for a bad one."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/dashboard/outcomes/"]["get"]["parameters"]
    empty = {p["name"] for p in parameters if p.get("allowEmptyValue")}

    assert empty == {"procedure_from", "procedure_to", "lesion"}


def test_the_villalta_score_of_a_procedure_in_year_9999_is_scored_not_a_500(client, nurse):
    client.force_login(nurse)

    answer = client.get(
        "/inbox/villalta/",
        {"procedure_on": "9999-12-01", "performed_on": "9999-12-31", "villalta_pain": "2"},
        HTTP_HX_REQUEST="true",
    )

    assert answer.status_code == 200


@pytest.mark.parametrize(
    "query",
    [{"state__exact": "\x00"}, {"q": "RX\x00"}, {"kind__in": "duplex,\x00"}, {"\x00": "1"}],
)
def test_an_admin_list_filtered_by_a_null_character_is_refused_in_words(client, query):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    answer = client.get("/admin/pathway/episode/", query)

    assert answer.status_code == 400
    assert b"Null characters are not allowed." in answer.content
