"""Recording many follow-up results at once (followup_results_record_bulk) writes the rows that
followup_record_result writes one by one, and refuses what it refuses, with the same error."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from core.errors import DomainError
from outcomes.models import EpisodeOutcome
from pathway.villalta import VILLALTA_ITEMS
from tasks import jobs, services
from tasks.models import Alert, Delivery, DuplexSegmentResult, FollowUp
from tests.factories import PatientFactory
from tests.tasks.support import INDEX_STENT, at, discharge, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2024, 5, 10)  # after the 3-month duplex (30 April)


@pytest.fixture
def enqueued(monkeypatch):
    """The deliveries the task was asked to send, instead of asking Redis."""
    ids = []
    monkeypatch.setattr(jobs.deliver_alert, "delay", ids.append)
    return ids


@pytest.fixture
def twins(coordinator, nurse, clock):
    """Two episodes walked the same way on the same days, with due and overdue alerts raised
    on both; today is after the 3-month duplex."""
    episodes = [discharge(coordinator, clock, patient=PatientFactory()) for _ in range(2)]
    sweep_on(clock, D(2024, 3, 14))
    sweep_on(clock, D(2024, 4, 25))
    clock.move_to(at(TODAY, 11))
    return episodes


def villalta(total: int) -> dict:
    items = dict.fromkeys(VILLALTA_ITEMS, 0) | {"ulcer": False}
    items["pain"] = min(total, 3)
    return items


def owed_results(episode) -> list[dict]:
    """A result for every follow-up owed by today, in due order: patent duplexes then a
    stenosis (urgent), INRs in and out of range (one urgent), adherence reviews."""
    results = []
    inrs = iter(["2.4", "3.8", "2.1", "2.6", "1.9", "2.5", "2.2", "2.8"])
    for row in FollowUp.objects.filter(episode=episode).owed(today=TODAY).order_by("due_on", "id"):
        item = {"follow_up_id": row.id, "performed_on": min(row.due_on, TODAY)}
        if row.kind == "duplex":
            finding = "stenosis" if row.due_on >= D(2024, 4, 1) else "patent"
            item["segments"] = [{"segment": INDEX_STENT, "result": finding}]
            item["villalta"] = villalta(row.due_on.month)
        elif row.kind == "inr_check":
            item["inr"] = Decimal(next(inrs))
        else:
            item["adherent"] = row.due_on.day % 2 == 0
        results.append(item)
    return results


def _key(follow_up_id) -> tuple:
    row = FollowUp.objects.get(id=follow_up_id)
    return (row.kind, row.due_on.isoformat())


def written(episode) -> dict:
    """What recording wrote for an episode, without ids and timestamps."""
    follow_ups = FollowUp.objects.filter(episode=episode).order_by("kind", "due_on")
    history = FollowUp.history.filter(episode_id=episode.id)
    history = history.order_by("kind", "due_on", "history_id")
    skip = {
        "id",
        "episode",
        "created_by",
        "course",
        "history_id",
        "history_date",
        "history_relation",
    }
    return {
        "follow_ups": [
            (
                f.kind,
                f.due_on,
                f.performed_on,
                f.result,
                f.completed_by_id,
                bool(f.completed_at),
                f.alert_stage,
                f.next_alert_on,
            )
            for f in follow_ups
        ],
        "segments": sorted(
            (*_key(s.follow_up_id), s.segment, s.result)
            for s in DuplexSegmentResult.objects.filter(follow_up__episode=episode)
        ),
        "history": [
            {
                f.attname: bool(getattr(h, f.attname))
                if f.attname == "completed_at"
                else getattr(h, f.attname)
                for f in h._meta.concrete_fields
                if f.name not in skip
            }
            for h in history
        ],
        "alerts": sorted(
            (
                a["kind"],
                a["recipient_id"],
                *_key(a["follow_up_id"]),
                a["resolved_reason"],
                bool(a["resolved_at"]),
                a["unrouted"],
                bool(a["escalate_after"]),
                a["delivery__digest"],
                bool(a["delivery__sent_at"]),
                a["grade"],
                json.dumps(a["finding"], sort_keys=True),
            )
            for a in Alert.objects.filter(episode=episode).values(
                "kind",
                "recipient_id",
                "follow_up_id",
                "resolved_reason",
                "resolved_at",
                "unrouted",
                "escalate_after",
                "delivery__digest",
                "delivery__sent_at",
                "grade",
                "finding",
            )
        ),
        "deliveries": Delivery.objects.filter(alert__episode=episode).count(),
        "outcome": {
            f.name: getattr(row, f.name)
            for row in EpisodeOutcome.objects.filter(episode=episode)
            for f in row._meta.concrete_fields
            if f.name not in {"id", "episode", "reduced_at"}
        },
    }


def test_bulk_results_write_the_same_rows_as_recording_them_one_by_one(
    twins, nurse, enqueued, django_capture_on_commit_callbacks
):
    one_by_one, bulk = twins
    singles, batch = owed_results(one_by_one), owed_results(bulk)
    assert {"duplex", "inr_check", "anticoagulation_review"} <= {
        FollowUp.objects.get(id=r["follow_up_id"]).kind for r in batch
    }

    with django_capture_on_commit_callbacks(execute=True):
        told = [services.followup_record_result(actor=nurse, **item).urgent for item in singles]
    sent_one_by_one = len(enqueued)
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.followup_results_record_bulk(actor=nurse, results=batch)

    assert [f.id for f in returned] == [r["follow_up_id"] for r in batch]
    assert [f.urgent for f in returned] == told  # what each recorder is told, and who was alerted
    expected, got = written(one_by_one), written(bulk)
    assert got == expected
    assert len(got["history"]) == len(batch) and got["outcome"]  # one revision a result
    assert {(h["history_type"], h["history_user_id"]) for h in got["history"]} == {("~", nurse.id)}
    # A stenosis, 2 INRs out of range and a patient not taking the anticoagulant.
    assert sum(a[0] == "urgent_result" for a in got["alerts"]) == 4
    assert {a[-2] for a in got["alerts"] if a[0] == "urgent_result"} == {"out_of_range"}
    urgent = Delivery.objects.filter(alert__episode=bulk, alert__kind="urgent_result")
    assert sorted(enqueued[sent_one_by_one:]) == sorted(urgent.values_list("id", flat=True))


def test_bulk_results_take_a_fixed_number_of_statements_whatever_their_number(
    twins, nurse, django_assert_max_num_queries
):
    few, many = owed_results(twins[0])[:2], owed_results(twins[1])
    assert len(many) > 10
    with django_assert_max_num_queries(30) as first:
        services.followup_results_record_bulk(actor=nurse, results=few)
    with django_assert_max_num_queries(len(first.captured_queries) + 6):
        services.followup_results_record_bulk(actor=nurse, results=many)


def _refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def _bad(case: str, results: list[dict], done: int) -> dict:
    """One item of `results` made invalid as `case` says."""
    item = dict(results[3])
    duplex = next(r for r in results if "segments" in r)
    if case == "future":
        item["performed_on"] = TODAY + dt.timedelta(days=1)
    elif case == "before_window":
        item["performed_on"] = D(2024, 2, 1)
    elif case == "missing_segment":
        item = duplex | {"segments": [{"segment": "ivc", "result": "patent"}]}
    elif case == "bad_villalta":
        item = duplex | {"villalta": {"pain": 4}}
    elif case == "completed":
        item["follow_up_id"] = done
    elif case == "unknown":
        item["follow_up_id"] = 10**9
    return item


@pytest.mark.parametrize(
    "case", ["future", "before_window", "missing_segment", "bad_villalta", "completed", "unknown"]
)
def test_a_batch_with_one_invalid_result_is_refused_whole_with_the_single_paths_error(
    twins, nurse, case
):
    episode = twins[1]
    done = owed_results(twins[0])[0]
    services.followup_record_result(actor=nurse, **done)
    results = owed_results(episode)
    bad = _bad(case, results, done["follow_up_id"])
    before = written(episode)

    single = _refused(lambda: services.followup_record_result(actor=nurse, **bad))
    batch = [r for r in results if r["follow_up_id"] != bad["follow_up_id"]]
    batch.insert(2, bad)
    whole = _refused(lambda: services.followup_results_record_bulk(actor=nurse, results=batch))

    assert (type(whole), whole.detail, whole.status) == (type(single), single.detail, single.status)
    assert written(episode) == before


def test_a_follow_up_named_twice_in_a_batch_is_refused_as_already_recorded(twins, nurse):
    results = owed_results(twins[1])
    before = written(twins[1])

    error = _refused(
        lambda: services.followup_results_record_bulk(actor=nurse, results=results + results[:1])
    )

    assert error.status == 409 and "already been recorded" in error.detail
    assert written(twins[1]) == before
