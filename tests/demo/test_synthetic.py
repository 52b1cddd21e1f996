"""The synthetic cohort (demo/synthetic): deterministic, every stage and exit populated,
plausible patency, and the commands that load it."""

import contextlib

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from demo.synthetic import cohort, cohort_actors, cohort_generate, cohort_summary, surveillance
from demo.synthetic.cohort import HISTORY
from outcomes.models import EpisodeOutcome
from outcomes.selectors import outcomes_get
from pathway.codes import State
from patients.models import Patient
from tasks import services
from tasks.models import Alert, Delivery, DuplexSegmentResult, FollowUp
from tests.factories import today

pytestmark = pytest.mark.django_db


def _generated_summary(*, patients: int, seed: int) -> dict:
    """Generate and summarise a cohort, then roll it back (so the same seed can load again)."""
    with transaction.atomic():
        cohort_generate(patients=patients, seed=seed, years=2)
        summary = cohort_summary(seed=seed)
        transaction.set_rollback(True)
    return summary


def _contents(summary: dict) -> list:
    """The summary without the MRNs, which name the seed."""
    moves = list(summary["moves"].values())
    results = [row[1:] for row in summary["results"]]
    rest = {k: v for k, v in summary.items() if k not in ("moves", "results")}
    return [moves, results, rest]


def test_the_same_seed_gives_the_same_cohort_and_another_seed_a_different_one():
    first = _generated_summary(patients=10, seed=7)
    again = _generated_summary(patients=10, seed=7)
    other = _generated_summary(patients=10, seed=8)

    assert first == again
    assert first["results"]  # there is something to compare
    assert _contents(other) != _contents(first)


def _written(seed: int) -> list:
    """The results, segments, alerts and outcome rows of a cohort, by MRN (no ids)."""
    mrn = "episode__patient__mrn"
    return [
        sorted(
            FollowUp.objects.values_list(
                mrn,
                "kind",
                "due_on",
                "performed_on",
                "result",
                "completed_by__username",
                "next_alert_on",
            ),
            key=str,
        ),
        sorted(
            DuplexSegmentResult.objects.values_list(
                f"follow_up__{mrn}", "follow_up__due_on", "segment", "result"
            ),
            key=str,
        ),
        sorted(
            (
                (*a[:-1], a[-1] is None)
                for a in Alert.objects.values_list(
                    mrn,
                    "kind",
                    "recipient__username",
                    "follow_up__due_on",
                    "resolved_reason",
                    "acknowledged_at",
                )
            ),
            key=str,
        ),
        sorted(
            EpisodeOutcome.objects.values_list(mrn, "primary_days", "primary_event", "pts", "ttr"),
            key=str,
        ),
        FollowUp.history.count(),
    ]


def _generated(*, patients: int, seed: int) -> tuple[dict, list]:
    """The summary of a cohort and what it wrote, read from one load, then rolled back: a
    load for each took twice the time for the same rows."""
    with transaction.atomic():
        cohort_generate(patients=patients, seed=seed, years=2)
        found = cohort_summary(seed=seed), _written(seed)
        transaction.set_rollback(True)
    return found


def test_the_cohort_written_in_bulk_is_the_cohort_written_one_result_at_a_time(monkeypatch):
    def one_by_one(*, actor, results):
        for item in results:
            services.followup_record_result(actor=actor, **item)

    bulk, in_bulk = _generated(patients=12, seed=6)
    monkeypatch.setattr(surveillance, "followup_results_record_bulk", one_by_one)
    single, written_singly = _generated(patients=12, seed=6)

    assert single == bulk and single["results"]
    assert written_singly == in_bulk


def test_outcome_rows_reduced_in_batches_are_those_refreshed_on_every_write(monkeypatch):
    monkeypatch.setattr(cohort, "OUTCOMES_EVERY", 4)  # several flushes, and a last one on leaving
    with transaction.atomic():
        cohort_generate(patients=14, seed=11, years=2)
        batched = _written(11)[3]
        transaction.set_rollback(True)

    class EveryWrite:
        def flush(self):
            return 0

    monkeypatch.setattr(cohort, "outcomes_deferred", lambda: contextlib.nullcontext(EveryWrite()))
    cohort_generate(patients=14, seed=11, years=2)

    assert len(batched) >= 5
    assert _written(11)[3] == batched


def test_a_small_cohort_populates_every_stage_and_exit_with_follow_ups_owed_today():
    cohort_generate(patients=60, seed=3)
    summary = cohort_summary(seed=3)
    owed = FollowUp.objects.open().filter(episode__patient__mrn__startswith="SYN3-")

    assert set(summary["states"]) == set(State.values)
    assert owed.filter(window_opens_on__lte=today(), window_closes_on__gte=today()).exists()
    assert owed.filter(window_closes_on__lt=today()).exists()
    assert summary["completed"]["inr_check"] > 0
    assert (
        FollowUp.objects.filter(
            kind="inr_check",
            completed_at__isnull=False,
            episode__discharge_plan__anticoagulant="vka",
        ).count()
        == summary["completed"]["inr_check"]
    )
    assert summary["reinterventions"] > 0
    assert summary["complications"] > 0


def test_primary_patency_at_12_months_is_in_the_published_range():
    cohort_generate(patients=80, seed=5, years=2)  # two years: enough to say at 12 months

    figures = outcomes_get(actor=cohort_actors().admin)
    at_12 = figures["patency"]["primary"]["12"]

    assert at_12["at_risk"] >= 15
    assert 0.6 <= at_12["estimate"] <= 0.95


def test_load_cohort_refuses_a_negative_number_of_patients():
    with pytest.raises(CommandError, match="--patients must be 0 or more"):
        call_command("load_cohort", patients=-1, seed=1, verbosity=0)
    assert not Patient.objects.exists()


def test_load_cohort_refuses_a_seed_already_loaded():
    call_command("load_cohort", patients=2, seed=4, verbosity=0)
    with pytest.raises(CommandError, match="seed 4 is already loaded"):
        call_command("load_cohort", patients=2, seed=4, verbosity=0)
    assert Patient.objects.filter(mrn__startswith="SYN4-").count() == 2


def test_the_first_run_loads_the_synthetic_cohort_once_and_prints_the_logins(capsys):
    call_command("load_demo", cohort=5, verbosity=0)
    first = capsys.readouterr().out
    call_command("load_demo", cohort=5, verbosity=0)
    second = capsys.readouterr().out

    assert Patient.objects.filter(mrn__startswith="SYN1-").count() == 5
    assert "Synthetic cohort: 5 patients" in first
    assert "Synthetic cohort" not in second
    assert "demo-coordinator" in first and "demo-coordinator" in second


def test_a_synthetic_cohort_loaded_alone_emails_nothing_at_once():
    cohort_generate(patients=30, seed=4, years=3)

    immediate = Delivery.objects.filter(digest=False)

    assert immediate.filter(alert__kind=Alert.Kind.URGENT_RESULT).exists()
    assert set(immediate.values_list("last_error", flat=True)) == {HISTORY}
    assert not immediate.filter(sent_at__isnull=True).exists()
