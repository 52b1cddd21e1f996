"""The episode page: each form saves through its service and shows errors inline; moves show
what blocks them in words; nurses read only; the print view; the timeline; fixed queries."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from pathway.codes import State
from pathway.models import DischargePlan, ImagingStudy, MdtDecision, ProcedureNote
from tests.factories import (
    PatientFactory,
    days_ago,
    episode_in,
    open_episode,
    record_imaging,
    record_selection,
    walk_to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def at_midday():
    """The forms post times earlier today ("T00:05"); run just after midnight they would be in the
    future and refused, so the clinic day starts at noon here."""
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12))
    with time_machine.travel(timezone.make_aware(noon), tick=True):
        yield


MACHINE = re.compile(
    r">[^<]*\b(refer_to_mdt|schedule_procedure|complete_procedure|active_bleeding|"
    r"indication_documented|mdt_discussion|post_op)\b[^<]*<"
)


def page_of(episode):
    return reverse("episode-page", args=[episode.id])


def record_url(episode, kind):
    return reverse("episode-record", args=[episode.id, kind])


def move_url(episode):
    return reverse("episode-move", args=[episode.id])


def signed_in(client, user):
    client.force_login(user)
    return client


def move_code(name):
    """A move as the episode page's form names it."""
    return name.replace("_", "-")


def test_a_blocked_move_shows_the_rules_in_words_and_no_machine_names(client, coordinator):
    episode = open_episode(coordinator)
    html = signed_in(client, coordinator).get(page_of(episode)).content.decode()

    assert "Refer to the MDT" in html
    assert "Indication documented" in html
    assert "Fit for a major procedure" in html
    assert "refer_to_mdt" not in html
    assert "indication_documented" not in html
    assert not MACHINE.search(html)
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Refer to the MDT</button>", html)


def test_the_header_and_strip(client, coordinator):
    patient = PatientFactory(given_name="Ada", family_name="Lovelace", mrn="MRN-42")
    episode = episode_in(State.IMAGING, coordinator, patient)
    html = signed_in(client, coordinator).get(page_of(episode)).content.decode()
    assert "Ada Lovelace" in html and "MRN-42" in html and "1970-05-17" in html
    assert 'class="here" aria-current="step">Imaging and work-up' in html
    assert 'class="done">MDT discussion' in html


def test_the_selection_form_saves_through_its_service(client, coordinator):
    episode = open_episode(coordinator)
    c = signed_in(client, coordinator)
    today = days_ago(0).isoformat()
    response = c.post(
        record_url(episode, "selection"),
        {
            "selection-symptom_onset": days_ago(3).isoformat(),
            "selection-assessed_on": today,
            "selection-indications": ["severe_swelling"],
            "selection-thrombus_segments": ["ivc", "left_common_iliac"],
            "selection-fit_for_procedure": "on",
            "selection-thrombophilia": "not_tested",
        },
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.selection.indications == ["severe_swelling"]
    html = c.get(page_of(episode)).content.decode()
    assert 'value="severe_swelling"' in html and "checked" in html
    assert re.search(r"<button type=\"submit\" class=\"primary\">Refer to the MDT</button>", html)


def test_a_future_date_is_shown_inline(client, coordinator):
    episode = open_episode(coordinator)
    response = signed_in(client, coordinator).post(
        record_url(episode, "selection"),
        {
            "selection-symptom_onset": days_ago(3).isoformat(),
            "selection-assessed_on": (days_ago(0) + dt.timedelta(days=2)).isoformat(),
            "selection-indications": ["severe_swelling"],
            "selection-thrombophilia": "not_tested",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_selection-assessed_on_error"' in html or "errorlist" in html
    assert "future" in html


def test_a_relied_on_record_needs_a_reason_shown_inline(client, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    c = signed_in(client, coordinator)
    data = {
        "selection-symptom_onset": days_ago(6).isoformat(),
        "selection-assessed_on": days_ago(0).isoformat(),
        "selection-indications": ["severe_swelling"],
        "selection-fit_for_procedure": "on",
        "selection-thrombophilia": "negative",
    }
    response = c.post(record_url(episode, "selection"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Reason for the change" in html
    assert "give a reason" in html
    assert "refer_to_mdt" not in html

    data["selection-reason"] = "Onset re-dated"
    response = c.post(record_url(episode, "selection"), data)
    assert response.status_code == 302
    html = c.get(page_of(episode)).content.decode()
    assert "edited after the move" in html
    assert "Reason: Onset re-dated" in html  # the timeline lists the revision with its reason
    assert "symptom onset:" in html


def test_mdt_imaging_anticoagulation_forms(client, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    c = signed_in(client, coordinator)
    r = c.post(
        record_url(episode, "mdt"),
        {
            "mdt-date": days_ago(0).isoformat(),
            "mdt-attendees": ["vascular_surgeon"],
            "mdt-decision": "proceed",
        },
    )
    assert r.status_code == 302
    assert MdtDecision.objects.filter(episode=episode).count() == 1
    html = c.get(page_of(episode)).content.decode()
    assert "MDT quorum" in html and "interventional radiologist" in html

    r = c.post(
        record_url(episode, "mdt"), {"mdt-date": days_ago(0).isoformat(), "mdt-decision": "proceed"}
    )
    assert r.status_code == 400 and "This field is required" in r.content.decode()

    imaging = episode_in(State.IMAGING, coordinator)
    r = c.post(
        record_url(imaging, "imaging"),
        {
            "imaging-modality": "ct_venography",
            "imaging-date": days_ago(1).isoformat(),
            "imaging-ivc_anomaly": "no",
            "imaging-ivc_filter": "no",
        },
    )
    assert r.status_code == 302
    study = ImagingStudy.objects.get(episode=imaging)
    assert study.ivc_anomaly is False and study.right_heart_strain is None
    r = c.post(
        record_url(imaging, "anticoagulation"),
        {
            "anticoagulation-agent": "lmwh",
            "anticoagulation-started_at": (days_ago(0)).isoformat() + "T00:05",
        },
    )
    assert r.status_code == 302
    imaging.refresh_from_db()
    assert imaging.anticoagulation.agent == "lmwh"


def _procedure_data(**extra):
    data = {
        "procedure-date": days_ago(0).isoformat(),
        "procedure-access_1_vein": "popliteal",
        "procedure-access_1_side": "left",
        "procedure-access_1_us": "on",
        "procedure-technique": "aspiration",
        "procedure-device": "Indigo",
        "procedure-stent_1_product": "Wallstent",
        "procedure-stent_1_diameter": "16",
        "procedure-stent_1_length": "90",
        "procedure-stent_1_segment": "left_common_iliac",
        "procedure-completion_patent": "yes",
        "procedure-residual_stenosis_pct": "10",
        "procedure-inflow": "good",
    }
    data.update(extra)
    return data


def test_the_procedure_note_with_stent_rows_blank_rows_ignored(client, coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    c = signed_in(client, coordinator)
    r = c.post(record_url(episode, "procedure"), _procedure_data())
    assert r.status_code == 302, r.content.decode()[:3000]
    note = ProcedureNote.objects.get(episode=episode)
    assert [s.product for s in note.stents.all()] == ["Wallstent"]
    assert note.access == [{"vein": "popliteal", "side": "left", "ultrasound_guided": True}]

    r = c.post(
        record_url(episode, "procedure"),
        _procedure_data(
            **{
                "procedure-stent_2_product": "Viabahn",
                "procedure-stent_2_diameter": "99",
                "procedure-stent_2_length": "60",
                "procedure-stent_2_segment": "ivc",
            }
        ),
    )
    assert r.status_code == 400
    assert "Ensure this value" in r.content.decode() or "errorlist" in r.content.decode()


def test_discharge_plan_complication_and_postop_check(client, coordinator):
    episode = episode_in(State.POST_OP, coordinator)
    c = signed_in(client, coordinator)
    r = c.post(
        record_url(episode, "discharge_plan"),
        {
            "discharge_plan-anticoagulant": "doac",
            "discharge_plan-planned_duration_months": "6",
        },
    )
    assert r.status_code == 400
    assert "Say why compression stockings are not prescribed." in r.content.decode()
    r = c.post(
        record_url(episode, "discharge_plan"),
        {
            "discharge_plan-anticoagulant": "doac",
            "discharge_plan-planned_duration_months": "6",
            "discharge_plan-compression_stockings": "on",
        },
    )
    assert r.status_code == 302
    assert DischargePlan.objects.get(episode=episode).anticoagulant == "doac"

    r = c.post(
        record_url(episode, "complication"),
        {
            "complication-kind_code": "haematoma",
            "complication-occurred_on": days_ago(0).isoformat(),
            "complication-severity": "mild",
        },
    )
    assert r.status_code == 400 and "Say whether the bleeding" in r.content.decode()
    r = c.post(
        record_url(episode, "complication"),
        {
            "complication-kind_code": "haematoma",
            "complication-occurred_on": days_ago(0).isoformat(),
            "complication-severity": "mild",
            "complication-bleeding_class": "minor",
        },
    )
    assert r.status_code == 302

    r = c.post(
        record_url(episode, "postop_check"),
        {
            "postop_check-at": days_ago(0).isoformat() + "T00:10",
            "postop_check-limb_perfusion": "normal",
            "postop_check-pain_score": "3",
            "postop_check-mobilised": "on",
        },
    )
    assert r.status_code == 302
    html = c.get(page_of(episode)).content.decode()
    assert "haematoma" in html and "Checks recorded" in html


def test_a_move_is_made_and_a_refused_move_shows_why(client, coordinator):
    episode = open_episode(coordinator)
    c = signed_in(client, coordinator)
    r = c.post(move_url(episode), {"transition": move_code("refer_to_mdt")})
    assert r.status_code == 302
    html = c.get(page_of(episode)).content.decode()
    assert "was not done" in html and "Indication documented" in html
    assert "refer_to_mdt" not in html

    record_selection(coordinator, episode)
    r = c.post(move_url(episode), {"transition": move_code("refer_to_mdt")})
    episode.refresh_from_db()
    assert episode.state == State.MDT_DISCUSSION

    r = c.post(reverse("episode-move", args=[episode.id]), {"transition": move_code("exclude")})
    assert r.status_code == 400
    assert "This field is required" in r.content.decode()


def test_each_move_form_names_its_move_and_a_coordinator_moves_with_it(client, coordinator):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    c = signed_in(client, coordinator)
    html = c.get(page_of(episode)).content.decode()
    posted = re.findall(r'name="transition" value="([^"]*)"', html)
    assert "refer-to-mdt" in posted and not any(code.isdigit() for code in posted)

    assert c.post(move_url(episode), {"transition": "refer-to-mdt"}).status_code == 302
    episode.refresh_from_db()
    assert episode.state == State.MDT_DISCUSSION


@pytest.mark.parametrize(
    "posted, said",
    [
        ("3", "older version of the page"),
        ("0", "older version of the page"),
        ("²", "does not exist"),
        ("٣", "does not exist"),
        ("99999999999999999999999", "older version of the page"),
        ("refer_to_mdt", "does not exist"),
        ("", "does not exist"),
    ],
    ids=["old-number", "old-zero", "superscript-two", "arabic-digit", "huge", "machine", "none"],
)
def test_a_form_that_names_no_move_is_answered_in_words(client, coordinator, posted, said):
    """A page left open from before moves were named posted a number: the answer says to
    reload it, and nothing moves."""
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    r = signed_in(client, coordinator).post(move_url(episode), {"transition": posted})
    assert r.status_code == 400
    assert said in r.content.decode()
    episode.refresh_from_db()
    assert episode.state == State.SELECTION


def test_each_move_form_posts_back_the_stage_it_was_shown_in_by_name(client, coordinator):
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    c = signed_in(client, coordinator)
    html = c.get(page_of(episode)).content.decode()
    shown = re.findall(r'name="move-[a-z-]+-expected_state" value="([^"]*)"', html)
    assert shown and set(shown) == {"selection"}

    posted = {"transition": "refer-to-mdt", "move-refer-to-mdt-expected_state": "selection"}
    assert c.post(move_url(episode), posted).status_code == 302
    episode.refresh_from_db()
    assert episode.state == State.MDT_DISCUSSION


def test_a_move_posted_from_a_page_showing_an_earlier_stage_is_refused(client, coordinator):
    """Someone else moved the patient since the page was opened: nothing moves again."""
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    c = signed_in(client, coordinator)
    posted = {
        "transition": "exclude",
        "move-exclude-reason": "Not a candidate.",
        "move-exclude-expected_state": "mdt-discussion",
    }

    r = c.post(move_url(episode), posted, follow=True)

    assert "The episode changed" in r.content.decode()
    episode.refresh_from_db()
    assert episode.state == State.SELECTION


@pytest.mark.parametrize(
    "posted, said",
    [
        ("0", "older version of the page"),
        ("3", "older version of the page"),
        ("99999999999999999999999", "older version of the page"),
        ("²", "stage that does not exist"),
        ("٣", "stage that does not exist"),
        ("selection_", "stage that does not exist"),
        ("mdt_discussion", "stage that does not exist"),
    ],
    ids=["old-zero", "old-number", "huge", "superscript-two", "arabic-digit", "unknown", "machine"],
)
def test_a_move_form_naming_no_stage_is_answered_in_words(client, coordinator, posted, said):
    """A page from before stages were named posted an index: a 400 saying to reload, never a
    500, and nothing moves."""
    episode = open_episode(coordinator)
    record_selection(coordinator, episode)
    body = {"transition": "refer-to-mdt", "move-refer-to-mdt-expected_state": posted}

    r = signed_in(client, coordinator).post(move_url(episode), body)

    assert r.status_code == 400
    assert said in r.content.decode()
    episode.refresh_from_db()
    assert episode.state == State.SELECTION


def test_a_nurse_sees_no_moves_nor_forms_and_cannot_post(client, coordinator, nurse):
    episode = episode_in(State.POST_OP, coordinator)
    c = signed_in(client, nurse)
    html = c.get(page_of(episode)).content.decode()
    assert "Discharge into surveillance" not in html
    assert '<form method="post" action="/episodes/' not in html
    assert "Wallstent" in html  # records read-only
    r = c.post(reverse("episode-move", args=[episode.id]), {"transition": move_code("discharge")})
    assert r.status_code == 403
    assert c.post(record_url(episode, "complication"), {}).status_code == 403


def test_assign(client, coordinator, nurse):
    episode = open_episode(coordinator)
    c = signed_in(client, coordinator)
    r = c.post(
        reverse("episode-assign", args=[episode.id]),
        {
            "assign-assigned_nurse": str(nurse.id),
            "assign-assigned_coordinator": "",
        },
    )
    assert r.status_code == 302
    episode.refresh_from_db()
    assert episode.assigned_nurse == nurse


def test_print_view_shows_stents_and_follow_up_dates(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(20))
    html = (
        signed_in(client, coordinator)
        .get(reverse("episode-print", args=[episode.id]))
        .content.decode()
    )
    assert "Wallstent 16 × 90 mm" in html
    due = episode.follow_ups.open().order_by("due_on").first().due_on
    assert f"{due.day} {due:%B %Y}" in html
    assert "Compression stockings:</strong> prescribed" in html


def test_the_timeline_lists_moves_revisions_and_follow_ups(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(20))
    html = signed_in(client, coordinator).get(page_of(episode)).content.decode()
    assert "Discharge into surveillance: Post-op → Surveillance" in html
    assert "Procedure note recorded" in html
    due = episode.follow_ups.order_by("due_on").first().due_on
    assert due.isoformat() in html


def test_the_page_query_count_does_not_grow_with_records(
    client, coordinator, django_assert_max_num_queries
):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP, on=days_ago(10))
    c = signed_in(client, coordinator)
    c.get(page_of(episode))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        c.get(page_of(episode))
    for i in range(4):
        record_imaging(coordinator, episode, "duplex", date=days_ago(i), findings=f"d{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get(page_of(episode))
