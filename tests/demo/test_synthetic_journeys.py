"""The synthetic cohort tells anticoagulation journeys (pathway.md section 7): the pre-procedure
heparin, then warfarin bridged with enoxaparin, a DOAC or enoxaparin long term, each discharge
plan naming its course; switches in surveillance, finite courses decided at their end (one left
undecided, for the coordinator's alert), a rare gastrointestinal bleed, and the measurements and
VTE-BLEED facts at selection that the warnings read."""

import datetime as dt

import pytest

from demo.cohort import history_sweep
from demo.synthetic import cohort_generate
from demo.synthetic.cohort import HISTORY
from demo.synthetic.summary import journey_summary
from pathway import rules
from pathway.codes import COURSE_CLASS, PLAN_AGENTS
from pathway.models import Complication, Episode, SelectionAssessment
from tasks.models import Alert, Delivery, FollowUp
from tests.factories import today
from tests.module_rows import rows_for_the_module

pytestmark = pytest.mark.django_db
SEED, PATIENTS = 21, 120


@pytest.fixture(scope="module")
def _cohort_rows(django_db_setup, django_db_blocker, _app_role):
    """Five years of 120 patients, made once for the module's tests (each undoes its own
    writes): made for each test, they took most of this module's time."""
    yield from rows_for_the_module(
        django_db_blocker, lambda: cohort_generate(patients=PATIENTS, seed=SEED, years=5)
    )


@pytest.fixture
def cohort(_cohort_rows, db):
    return Episode.objects.filter(patient__mrn__startswith=f"SYN{SEED}-")


def test_the_cohort_has_each_kind_of_journey_read_in_a_few_queries(
    cohort, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        found = journey_summary(seed=SEED)

    assert found["bridged_to_warfarin"] >= 15
    assert 1 <= found["bridging_stopped_early"] < found["bridged_to_warfarin"] // 3
    assert found["on_a_doac"] > found["bridged_to_warfarin"]
    assert found["enoxaparin_long_term"] >= 2
    assert found["switched_doac_to_warfarin"] + found["switched_warfarin_to_doac"] >= 2
    assert found["ended_decided_stop"] >= 5 and found["ended_decided_continue"] >= 1
    assert found["ended_undecided"] == 1  # one deck in five deals the undecided card
    assert found.get("unnamed_from_plan", 0) == 0  # every discharge plan names its course
    selected = SelectionAssessment.objects.filter(episode__in=cohort).count()
    assert found["weighed_with_creatinine"] >= 0.8 * selected


def test_the_summary_reads_a_larger_cohort_in_the_same_number_of_queries(
    cohort, django_assert_num_queries
):
    cohort_generate(patients=10, seed=SEED + 1, years=2)
    with django_assert_num_queries(3) as small:
        journey_summary(seed=SEED + 1)
    with django_assert_num_queries(len(small.captured_queries)):
        journey_summary(seed=SEED)


def test_each_discharge_plan_is_the_long_term_course_running_at_discharge(cohort):
    discharged = cohort.filter(discharge_plan__isnull=False).prefetch_related("courses")
    assert discharged.count() >= 50
    for episode in discharged.select_related("discharge_plan"):
        move = episode.last_move_into("surveillance")
        if move is None:
            continue
        running = {
            c.agent
            for c in episode.courses.all()
            if c.origin == "entered" and c.running_on(move.effective_on)
        }
        assert running & set(PLAN_AGENTS[episode.discharge_plan.anticoagulant])


def test_the_warnings_of_the_journey_show_in_the_demo(cohort):
    open_ = cohort.filter(state__in=("post_op", "surveillance")).select_related("patient")
    names = [u.rule for episode in open_ for u in rules.warnings(episode)]

    assert "bridging_complete" in names
    assert "anticoagulant_suitable" in names


def test_a_bleed_on_treatment_records_its_isth_class(cohort):
    bleeds = Complication.objects.filter(episode__in=cohort, kind="gastrointestinal_bleeding")

    assert 1 <= bleeds.count() <= 10
    assert set(bleeds.values_list("bleeding_class", flat=True)) <= {"major", "crnm"}


def test_inr_checks_stop_with_the_warfarin_and_each_reading_has_a_vka_running(cohort):
    done = FollowUp.objects.filter(
        episode__in=cohort, kind="inr_check", completed_at__isnull=False
    ).prefetch_related("episode__courses")

    assert done.exists()
    for check in done:
        assert any(
            COURSE_CLASS[c.agent] == "vka" and c.running_on(check.performed_on)
            for c in check.episode.courses.all()
        )


def test_the_sweep_after_the_load_alerts_the_undecided_course_once_and_emails_nothing(cohort):
    history_sweep(seed=SEED)

    ending = Alert.objects.filter(kind=Alert.Kind.COURSE_ENDING)
    assert ending.values("course").distinct().count() == 1
    immediate = Delivery.objects.filter(digest=False, alert__episode__in=cohort)
    assert not immediate.filter(sent_at__isnull=True).exists()
    assert set(immediate.values_list("last_error", flat=True)) == {HISTORY}
    ward = Alert.objects.filter(kind=Alert.Kind.URGENT_RESULT, visit__kind="inr_check")
    assert ward.exists()  # out-of-range INRs on the ward while bridging
    assert not ward.filter(
        acknowledged_at__isnull=True, visit__performed_on__lt=today() - dt.timedelta(days=2)
    ).exists()  # seen at the time: none left to escalate
