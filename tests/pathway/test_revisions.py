"""Records are facts with a history (pathway.md section 2): every write keeps a revision with
who, when and why; a record a standing move relied on changes only with a reason; nothing
recorded is ever lost, not even through SQL, the admin or two people writing at once."""

import datetime as dt
import threading
import time
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from core.errors import InvalidInput
from pathway import selectors, services
from pathway.codes import State
from pathway.models import (
    Complication,
    DischargePlan,
    Episode,
    ImagingStudy,
    MdtDecision,
    PostopCheck,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
)
from tests.factories import (
    PatientFactory,
    UserFactory,
    days_ago,
    open_episode,
    prepare_and_move,
    record_anticoagulation,
    record_discharge_plan,
    record_imaging,
    record_mdt,
    record_procedure,
    record_selection,
    walk_to,
)

pytestmark = pytest.mark.django_db

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers are PostgreSQL's"
)


def revisions_of(model, episode):
    return list(model.history.filter(episode_id=episode.id).order_by("history_date", "history_id"))


def move(actor, episode, name, **kwargs):
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor, **kwargs)


def reason_error(excinfo) -> str:
    assert "reason" in excinfo.value.errors, excinfo.value.errors
    return excinfo.value.errors["reason"][0]


def snapshot(model, episode):
    return list(model.objects.filter(episode_id=episode.id).order_by("id").values())


# --- every write keeps a revision ---------------------------------------------------------------
def test_recording_the_selection_keeps_a_revision_naming_the_coordinator(coordinator):
    episode = open_episode(coordinator)

    selection = record_selection(coordinator, episode, reason="First assessment in clinic.")

    (revision,) = revisions_of(SelectionAssessment, episode)
    assert revision.id == selection.id
    assert revision.history_type == "+"
    assert revision.history_user == coordinator
    assert revision.history_change_reason == "First assessment in clinic."
    assert revision.history_date <= timezone.now()


def test_changing_the_selection_before_referral_keeps_the_earlier_version_without_a_reason(
    coordinator,
):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode, thrombus_segments=["left_common_iliac"])

    record_selection(coordinator, episode, thrombus_segments=["left_common_iliac", "ivc"])

    first, second = revisions_of(SelectionAssessment, episode)
    assert first.thrombus_segments == ["left_common_iliac"]
    assert second.thrombus_segments == ["left_common_iliac", "ivc"]
    assert second.history_type == "~"
    assert second.history_change_reason == ""
    assert SelectionAssessment.objects.get(episode=episode).thrombus_segments == [
        "left_common_iliac",
        "ivc",
    ]


def test_each_mdt_decision_and_imaging_study_keeps_its_own_revision_with_the_actor(
    coordinator, nurse
):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    mdt = record_mdt(coordinator, episode, decision="defer", reason="Awaiting CT.")
    study = record_imaging(coordinator, episode, "ct_venography")

    (mdt_revision,) = revisions_of(MdtDecision, episode)
    (study_revision,) = revisions_of(ImagingStudy, episode)
    assert (mdt_revision.id, mdt_revision.decision) == (mdt.id, "defer")
    assert mdt_revision.history_user == coordinator
    assert mdt_revision.history_change_reason == "Awaiting CT."
    assert (study_revision.id, study_revision.modality) == (study.id, "ct_venography")
    assert study_revision.history_user == coordinator


def test_changing_the_anticoagulation_before_booking_keeps_both_versions(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.IMAGING)
    record_anticoagulation(coordinator, episode, agent="ufh_infusion")

    record_anticoagulation(coordinator, episode, agent="lmwh")

    assert [r.agent for r in revisions_of(PreProcedureAnticoagulation, episode)] == [
        "ufh_infusion",
        "lmwh",
    ]


def kept(stent: dict) -> dict:
    """A stent written with one segment, as its revision keeps it (segments, lot, UDI)."""
    return {"lot": "", "udi": "", **stent, "segments": [stent["segment"]]}


def test_a_procedure_note_revision_keeps_the_stents_as_they_were_written(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    first = {
        "product": "Wallstent",
        "diameter_mm": 16,
        "length_mm": 90,
        "segment": "left_common_iliac",
    }
    second = {**first, "product": "Venovo", "diameter_mm": 14}
    record_procedure(coordinator, episode, stents=[first])

    record_procedure(coordinator, episode, stents=[first, {**second, "segment": "ivc"}])

    before, after = revisions_of(ProcedureNote, episode)
    assert before.parts == {"stents": [kept(first)]}
    assert after.parts == {"stents": [kept(first), kept({**second, "segment": "ivc"})]}
    note = ProcedureNote.objects.get(episode=episode)
    assert [s.segment for s in note.stents.all()] == ["left_common_iliac", "ivc"]


def test_changing_only_a_stent_after_completion_is_a_revision_that_needs_a_reason(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    note = ProcedureNote.objects.get(episode=episode)
    (stent,) = note.stents.values("product", "diameter_mm", "length_mm", "segment")
    longer = {**stent, "length_mm": 120}

    with pytest.raises(InvalidInput) as excinfo:
        record_procedure(coordinator, episode, stents=[longer])
    reason_error(excinfo)
    assert list(note.stents.values_list("length_mm", flat=True)) == [90]

    record_procedure(coordinator, episode, stents=[longer], reason="Stent length misread.")

    revisions = revisions_of(ProcedureNote, episode)
    assert len(revisions) == 2
    assert revisions[-1].parts == {"stents": [kept(longer)]}
    assert revisions[-1].history_change_reason == "Stent length misread."
    assert list(note.stents.values_list("length_mm", flat=True)) == [120]


def test_changing_the_discharge_plan_before_discharge_keeps_both_versions(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    record_discharge_plan(coordinator, episode, anticoagulant="doac")

    record_discharge_plan(coordinator, episode, anticoagulant="vka")

    first, second = revisions_of(DischargePlan, episode)
    assert (first.anticoagulant, first.target_inr_low) == ("doac", None)
    assert (second.anticoagulant, second.target_inr_low, second.target_inr_high) == (
        "vka",
        Decimal("2.0"),
        Decimal("3.0"),
    )


def test_a_complication_and_a_postop_check_each_keep_a_revision_with_the_actor(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    complication = services.complication_add(
        actor=coordinator,
        episode_id=episode.id,
        kind="haematoma",
        occurred_on=days_ago(0),
        severity="mild",
        bleeding_class="minor",
        reason="Groin check.",
    )
    check = services.postop_check_add(
        actor=coordinator,
        episode_id=episode.id,
        at=timezone.now(),
        limb_perfusion="normal",
        compartment_signs=False,
        access_bleeding=False,
        pain_score=2,
        mobilised=True,
    )

    (complication_revision,) = revisions_of(Complication, episode)
    (check_revision,) = revisions_of(PostopCheck, episode)
    assert complication_revision.id == complication.id
    assert complication_revision.history_user == coordinator
    assert complication_revision.history_change_reason == "Groin check."
    assert check_revision.id == check.id
    assert check_revision.history_user == coordinator


# --- writing the same values writes nothing ---------------------------------------------------
def test_recording_the_same_selection_again_after_referral_needs_no_reason_and_writes_nothing(
    coordinator,
):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    before = snapshot(SelectionAssessment, episode)
    day = days_ago(0)

    record_selection(coordinator, episode, assessed_on=day, symptom_onset=day - dt.timedelta(5))

    assert len(revisions_of(SelectionAssessment, episode)) == 1
    assert snapshot(SelectionAssessment, episode) == before


def test_recording_the_same_procedure_note_again_after_completion_writes_nothing(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    before = snapshot(ProcedureNote, episode)

    record_procedure(coordinator, episode)  # same values, thrombolytic dose given as "10"

    assert len(revisions_of(ProcedureNote, episode)) == 1
    assert snapshot(ProcedureNote, episode) == before


def test_recording_the_same_discharge_plan_again_after_discharge_writes_nothing(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    before = snapshot(DischargePlan, episode)

    record_discharge_plan(coordinator, episode)

    assert len(revisions_of(DischargePlan, episode)) == 1
    assert snapshot(DischargePlan, episode) == before


def test_a_vka_plan_sent_again_with_its_default_inr_range_spelled_out_is_no_change(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)  # VKA, default range
    before = snapshot(DischargePlan, episode)

    record_discharge_plan(
        coordinator, episode, target_inr_low=Decimal("2.0"), target_inr_high=Decimal("3.00")
    )

    assert len(revisions_of(DischargePlan, episode)) == 1
    assert snapshot(DischargePlan, episode) == before


# --- a reason exactly where a standing move relied on the record --------------------------------
def test_coordinator_cannot_rewrite_the_selection_after_referral_without_a_reason(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    before = snapshot(SelectionAssessment, episode)

    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as excinfo:
            record_selection(coordinator, episode, pe_suspected=True, reason=blank)
        assert "refer_to_mdt" in reason_error(excinfo)

    assert snapshot(SelectionAssessment, episode) == before
    assert len(revisions_of(SelectionAssessment, episode)) == 1


def test_coordinator_corrects_the_selection_after_referral_with_a_reason(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)

    record_selection(coordinator, episode, pe_suspected=True, reason="CTPA report came back.")

    assert SelectionAssessment.objects.get(episode=episode).pe_suspected is True
    latest = revisions_of(SelectionAssessment, episode)[-1]
    assert (latest.pe_suspected, latest.history_change_reason) == (True, "CTPA report came back.")
    assert latest.history_user == coordinator


def test_the_anticoagulation_cannot_change_after_booking_without_a_reason(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    before = snapshot(PreProcedureAnticoagulation, episode)

    with pytest.raises(InvalidInput) as excinfo:
        record_anticoagulation(coordinator, episode, agent="lmwh")
    assert "schedule_procedure" in reason_error(excinfo)
    assert snapshot(PreProcedureAnticoagulation, episode) == before

    record_anticoagulation(coordinator, episode, agent="lmwh", reason="Switched on the ward.")
    assert PreProcedureAnticoagulation.objects.get(episode=episode).agent == "lmwh"


def test_the_procedure_note_cannot_change_after_completion_without_a_reason(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    before = snapshot(ProcedureNote, episode)

    with pytest.raises(InvalidInput) as excinfo:
        record_procedure(coordinator, episode, device="Trellis")
    assert "complete_procedure" in reason_error(excinfo)
    assert snapshot(ProcedureNote, episode) == before

    record_procedure(coordinator, episode, device="Trellis", reason="Wrong device noted.")
    assert ProcedureNote.objects.get(episode=episode).device == "Trellis"


def test_the_procedure_note_changes_without_a_reason_before_completion(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    record_procedure(coordinator, episode, device="AngioJet")

    record_procedure(coordinator, episode, device="Trellis")

    assert [r.device for r in revisions_of(ProcedureNote, episode)] == ["AngioJet", "Trellis"]


def test_the_discharge_plan_cannot_change_after_discharge_without_a_reason(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    before = snapshot(DischargePlan, episode)

    with pytest.raises(InvalidInput) as excinfo:
        record_discharge_plan(coordinator, episode, planned_duration_months=12)
    assert "discharge" in reason_error(excinfo)
    assert snapshot(DischargePlan, episode) == before

    record_discharge_plan(
        coordinator, episode, planned_duration_months=12, reason="Haematology advised a year."
    )
    assert DischargePlan.objects.get(episode=episode).planned_duration_months == 12


def test_mdt_and_imaging_records_are_added_without_a_reason_at_any_time(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)

    record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)

    assert len(revisions_of(ImagingStudy, episode)) == 3  # duplex and CT before booking


def test_after_an_admin_corrects_the_referral_the_selection_changes_without_a_reason(
    coordinator, admin_user
):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    move(admin_user, episode, "correct", reason="Referred by mistake.")

    record_selection(coordinator, episode, pe_suspected=True)

    assert SelectionAssessment.objects.get(episode=episode).pe_suspected is True


def test_after_an_admin_corrects_the_booking_the_anticoagulation_changes_without_a_reason(
    coordinator, admin_user
):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    move(admin_user, episode, "correct", reason="Booked the wrong patient.")

    record_anticoagulation(coordinator, episode, agent="lmwh")

    assert PreProcedureAnticoagulation.objects.get(episode=episode).agent == "lmwh"


def test_after_an_admin_corrects_the_completion_the_procedure_note_changes_without_a_reason(
    coordinator, admin_user
):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    move(admin_user, episode, "correct", reason="Procedure abandoned half-way.")

    record_procedure(coordinator, episode, device="Trellis")

    assert ProcedureNote.objects.get(episode=episode).device == "Trellis"


def test_after_an_admin_corrects_the_discharge_the_plan_changes_without_a_reason(
    coordinator, admin_user
):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    move(admin_user, episode, "correct", reason="Still on the ward.")

    record_discharge_plan(coordinator, episode, anticoagulant="lmwh")

    assert DischargePlan.objects.get(episode=episode).anticoagulant == "lmwh"


def test_after_the_referral_is_made_again_the_selection_needs_a_reason_again(
    coordinator, admin_user
):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    move(admin_user, episode, "correct", reason="Referred by mistake.")
    record_selection(coordinator, episode, pe_suspected=True)
    move(coordinator, episode, "refer_to_mdt")

    with pytest.raises(InvalidInput) as excinfo:
        record_selection(coordinator, episode, pe_suspected=False)
    reason_error(excinfo)


# --- the episode shows what was edited after a move ---------------------------------------------
def test_a_selection_corrected_after_referral_reads_as_edited_after_the_move(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    untouched = selectors.episode_records(actor=coordinator, episode_id=episode.id)
    assert untouched.selection.edited_after_move is False
    assert untouched.edited_after_move == []

    record_selection(coordinator, episode, pe_suspected=True, reason="CTPA report came back.")

    records = selectors.episode_records(actor=coordinator, episode_id=episode.id)
    assert records.selection.edited_after_move is True
    assert records.edited_after_move == ["selection"]


def test_a_selection_changed_before_referral_does_not_read_as_edited(coordinator):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode, pe_suspected=False)
    record_selection(coordinator, episode, pe_suspected=True)
    move(coordinator, episode, "refer_to_mdt")

    records = selectors.episode_records(actor=coordinator, episode_id=episode.id)
    assert records.selection.edited_after_move is False
    assert records.edited_after_move == []


def test_a_record_edited_after_a_move_that_was_then_corrected_no_longer_reads_as_edited(
    coordinator, admin_user
):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    record_discharge_plan(coordinator, episode, planned_duration_months=3, reason="Shorter.")
    assert selectors.episode_records(
        actor=coordinator, episode_id=episode.id
    ).edited_after_move == ["discharge_plan"]

    move(admin_user, episode, "correct", reason="Not discharged yet.")

    records = selectors.episode_records(actor=coordinator, episode_id=episode.id)
    assert records.discharge_plan.edited_after_move is False
    assert records.edited_after_move == []


def test_every_record_edited_after_its_move_is_listed(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    record_selection(coordinator, episode, pe_suspected=True, reason="Late report.")
    record_anticoagulation(coordinator, episode, agent="lmwh", reason="Agent misrecorded.")
    record_procedure(coordinator, episode, device="Trellis", reason="Device misrecorded.")
    record_discharge_plan(coordinator, episode, anticoagulant="lmwh", reason="Pregnancy.")

    records = selectors.episode_records(actor=coordinator, episode_id=episode.id)

    assert sorted(records.edited_after_move) == [
        "anticoagulation",
        "discharge_plan",
        "procedure_note",
        "selection",
    ]
    assert records.procedure_notes[0].edited_after_move is True


def test_after_a_re_intervention_only_the_note_corrected_after_its_completion_reads_as_edited(
    coordinator,
):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    move(
        coordinator,
        episode,
        "reintervene",
        reason="Occluded stent.",
        reintervention={"cause": "symptoms", "segments": []},
    )
    prepare_and_move(coordinator, episode, "complete_procedure")
    with pytest.raises(InvalidInput):
        record_procedure(coordinator, episode, device="Trellis")

    record_procedure(coordinator, episode, device="Trellis", reason="Device misrecorded.")

    records = selectors.episode_records(actor=coordinator, episode_id=episode.id)
    flags = {n.reintervention_id is None: n.edited_after_move for n in records.procedure_notes}
    assert flags == {True: False, False: True}  # index note untouched, re-intervention edited
    assert records.edited_after_move == ["procedure_note"]
    assert records.current_procedure_note.device == "Trellis"


# --- the admin shows the revisions, read-only ---------------------------------------------------
@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_an_admin_opens_the_history_of_a_selection_with_its_reasons(staff_client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    record_selection(coordinator, episode, pe_suspected=True, reason="CTPA report came back.")
    selection = SelectionAssessment.objects.get(episode=episode)

    page = staff_client.get(f"/admin/pathway/selectionassessment/{selection.id}/history/")

    assert page.status_code == 200
    assert b"CTPA report came back." in page.content


def test_an_admin_cannot_change_a_record_from_its_admin_page(staff_client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    selection = SelectionAssessment.objects.get(episode=episode)
    url = f"/admin/pathway/selectionassessment/{selection.id}/change/"

    page = staff_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    staff_client.post(url, {"fit_for_procedure": "", "comorbidities": "edited"})
    selection.refresh_from_db()
    assert (selection.fit_for_procedure, selection.comorbidities) == (True, "")
    assert (
        staff_client.get(f"/admin/pathway/selectionassessment/{selection.id}/delete/").status_code
        == 403
    )


class _FormValues(HTMLParser):
    """The values an admin form page shows, as a browser would post them back."""

    def __init__(self):
        super().__init__()
        self.values, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and not name.startswith("initial-"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = "on"
            elif a.get("type") not in ("submit", "search"):
                self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_values(page) -> dict:
    parser = _FormValues()
    parser.feed(page.content.decode())
    return parser.values


def test_an_admin_cannot_revert_or_change_a_selection_from_its_history_page(
    staff_client, coordinator
):
    """SIMPLE_HISTORY_REVERT_DISABLED hides the Revert button; the page must not take a post
    either: a change made there would bypass the services, the reason and the timeline."""
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)
    record_selection(coordinator, episode, pe_suspected=True, reason="CTPA report came back.")
    selection = SelectionAssessment.objects.get(episode=episode)
    first = revisions_of(SelectionAssessment, episode)[0]
    url = f"/admin/pathway/selectionassessment/{selection.id}/history/{first.history_id}/"
    before = snapshot(SelectionAssessment, episode)
    revisions_before = len(revisions_of(SelectionAssessment, episode))

    page = staff_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # no Revert button
    posted = form_values(page) | {
        "contraindications": '["severe_sepsis"]',
        "comorbidities": "Changed through the admin.",
        "_save": "Revert",
    }
    staff_client.post(url, posted)

    assert snapshot(SelectionAssessment, episode) == before
    assert len(revisions_of(SelectionAssessment, episode)) == revisions_before


# --- two coordinators writing the selection at once ---------------------------------------------
WAIT_SECONDS = 10


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _race(episode_id: int, calls) -> list:
    """Hold the episode's row lock, start each call in its own thread (own connection), wait
    until PostgreSQL shows them all waiting on it, then let them go."""
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            outcomes[i] = call()
        except Exception as error:
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with transaction.atomic():
        list(Episode.objects.filter(id=episode_id).select_for_update())
        for t in threads:
            t.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while _waiting_on_a_lock() < len(calls) and time.monotonic() < deadline:
            time.sleep(0.01)
        waiting = _waiting_on_a_lock()
    for t in threads:
        t.join(WAIT_SECONDS)
    assert not any(t.is_alive() for t in threads), "a write never finished"
    assert waiting == len(calls), "the writes did not all wait on the lock: no real race"
    return outcomes


@pytest.fixture
def second_coordinator(coordinator):
    user = UserFactory(username="coordinator-2")
    user.groups.add(Group.objects.get(name="coordinator"))
    return user


CONCURRENT = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _write_selection(actor, episode, segments):
    return lambda: record_selection(actor, episode, thrombus_segments=segments)


@POSTGRES_ONLY
@CONCURRENT
def test_two_coordinators_recording_the_first_selection_at_once_both_revisions_are_kept(
    coordinator, second_coordinator
):
    episode = open_episode(coordinator)

    outcomes = _race(
        episode.id,
        [
            _write_selection(coordinator, episode, ["left_common_iliac"]),
            _write_selection(second_coordinator, episode, ["right_common_iliac"]),
        ],
    )

    assert all(isinstance(o, SelectionAssessment) for o in outcomes), outcomes
    revisions = revisions_of(SelectionAssessment, episode)
    assert len(revisions) == 2
    assert {r.history_user_id for r in revisions} == {coordinator.id, second_coordinator.id}
    assert [r.history_type for r in revisions] == ["+", "~"]
    assert SelectionAssessment.objects.filter(episode=episode).count() == 1
    final = SelectionAssessment.objects.get(episode=episode)
    assert final.thrombus_segments == revisions[-1].thrombus_segments


@POSTGRES_ONLY
@CONCURRENT
def test_two_coordinators_changing_the_selection_at_once_lose_neither_revision(
    coordinator, second_coordinator
):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode, thrombus_segments=["ivc"])

    outcomes = _race(
        episode.id,
        [
            _write_selection(coordinator, episode, ["ivc", "left_common_iliac"]),
            _write_selection(second_coordinator, episode, ["ivc", "right_common_iliac"]),
        ],
    )

    assert all(isinstance(o, SelectionAssessment) for o in outcomes), outcomes
    revisions = revisions_of(SelectionAssessment, episode)
    assert len(revisions) == 3
    assert sorted(map(tuple, (r.thrombus_segments for r in revisions[1:]))) == [
        ("ivc", "left_common_iliac"),
        ("ivc", "right_common_iliac"),
    ]
    final = SelectionAssessment.objects.get(episode=episode)
    assert final.thrombus_segments == revisions[-1].thrombus_segments
