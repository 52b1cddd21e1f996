"""The episode page starts with a summary (diagnosis, stage, days in stage counted as the
worklist and the API count them, the key facts of each past stage, the warnings, the next
follow-ups and the latest results in clinical words), then the forms of the current stage, then
the timeline. Required clinical choices start blank and a blank is refused in words; a
procedure dated before its booking says an admin can correct the booking; a post-op check
dated before the corrected procedure is flagged."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from pathway.codes import State
from pathway.selectors.worklist import Filters, worklist
from tasks.services import followup_record_result
from tests.factories import (
    PatientFactory,
    days_ago,
    episode_in,
    prepare_and_move,
    record_procedure,
    walk_to,
)

pytestmark = pytest.mark.django_db

# The page's queries for an episode in surveillance with a result: a fixed number, whatever the
# number of records, follow-ups and results. 53 measured (51 before the summary): the summary
# reads what the page has read (no query); the timeline's results in words read their duplex
# segment results (1 query), the warning on post-op checks dated before the procedure the
# checks (1 query); 3 spare.
PAGE_BUDGET = 56


@pytest.fixture(autouse=True)
def at_midday():
    """Times typed as "T10:00" today would be in the future just after midnight."""
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12))
    with time_machine.travel(timezone.make_aware(noon), tick=True):
        yield


def page(client, user, episode) -> str:
    client.force_login(user)
    response = client.get(reverse("episode-page", args=[episode.id]))
    assert response.status_code == 200
    return response.content.decode()


def record_url(episode, kind):
    return reverse("episode-record", args=[episode.id, kind])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def surveillance_200_days(coordinator):
    """An episode discharged 200 days ago (every move back-dated, typed today)."""
    return walk_to(coordinator, PatientFactory(), State.SURVEILLANCE, on=days_ago(200))


def test_days_in_stage_is_the_same_on_the_page_the_worklist_and_the_api(
    client, coordinator, as_coordinator
):
    episode = surveillance_200_days(coordinator)

    html = page(client, coordinator, episode)
    assert re.search(r"<dt>Days in stage</dt><dd>200</dd>", html)
    assert "200 days (since " + days_ago(200).isoformat() in html
    (row,) = [r for r in worklist(coordinator, Filters()).rows if r.episode.id == episode.id]
    assert row.days_in_stage == 200
    api = as_coordinator.get(f"/api/episodes/{episode.id}/").json()
    assert api["days_in_state"] == 200


def test_the_summary_comes_before_the_forms_and_the_forms_before_the_timeline(client, coordinator):
    episode = episode_in(State.POST_OP, coordinator)
    html = page(client, coordinator, episode)

    summary, records, timeline = (
        html.index(f'id="{i}"') for i in ("summary", "records", "timeline")
    )
    assert summary < records < timeline
    # The forms of the current stage first: the discharge plan before the selection's.
    assert html.index('id="discharge_plan"') < html.index('id="selection"')
    # A skip link to the record forms, right after the page's own "Skip to content".
    assert re.search(
        r'href="#main">Skip to content</a>\s*<a class="skip" href="#records">'
        r"Skip to the record forms</a>",
        html,
    )


def test_the_summary_keeps_the_key_facts_of_each_past_stage(client, coordinator):
    episode = surveillance_200_days(coordinator)
    summary = text_of(
        page(client, coordinator, episode).split('id="summary"')[1].split("</section>")[0]
    )

    assert "Left ilio-caval DVT" in summary
    assert "left common iliac, left external iliac, IVC" in summary
    assert "Presentation: severe limb swelling" in summary or "severe swelling" in summary
    assert f"Decision on {days_ago(200).isoformat()}: proceed" in summary
    assert "CT venography on" in summary and "IVC anomaly: no" in summary
    assert "Wallstent" in summary and "16 mm" in summary  # the procedure with its stents
    assert "Completion venogram: patent" in summary
    assert "Anticoagulant: VKA" in summary  # the discharge plan
    assert "Next follow-ups" in summary


def test_results_are_in_clinical_words_in_the_summary_and_the_timeline(client, coordinator, nurse):
    episode = surveillance_200_days(coordinator)
    today = timezone.localdate()
    inr = episode.follow_ups.filter(kind="inr_check", due_on__lte=today).order_by("due_on")[0]
    followup_record_result(
        actor=nurse, follow_up_id=inr.id, performed_on=inr.due_on, inr=Decimal("2.4")
    )
    duplex = episode.follow_ups.filter(kind="duplex", due_on__lte=today).order_by("due_on")[0]
    followup_record_result(
        actor=nurse,
        follow_up_id=duplex.id,
        performed_on=duplex.due_on,
        segments=[{"segment": "left_common_iliac", "result": "patent"}],
    )

    html = page(client, coordinator, episode)
    summary = text_of(html.split('id="summary"')[1].split("</section>")[0])
    assert "INR 2.4 (target 2.0–3.0)" in summary
    assert "Left common iliac: patent" in summary
    timeline = text_of(html.split('id="timeline"')[1])
    assert "INR 2.4 (target 2.0–3.0)" in timeline
    assert "Left common iliac: patent" in timeline
    # The schedule's bookkeeping is not shown, and fields go by their labels.
    for internal in (
        "created by",
        "offset days",
        "offset months",
        "anchor:",
        "completed by",
        "{'",
        "performed_on",
        "due_on",
    ):
        assert internal not in timeline, internal
    assert "performed on:" in timeline


def test_revisions_name_fields_by_their_labels(client, coordinator):
    episode = episode_in(State.POST_OP, coordinator)
    record_procedure(
        coordinator,
        episode,
        date=days_ago(0),
        technique="aspiration",
        thrombolytic_agent=None,
        thrombolytic_dose=None,
        thrombolytic_dose_unit=None,
        reason="Aspiration only.",
    )
    timeline = text_of(page(client, coordinator, episode).split('id="timeline"')[1])
    assert "thrombus removal technique: pharmacomechanical → aspiration" in timeline
    assert "thrombolytic_agent" not in timeline and "technique:" in timeline


def test_required_clinical_choices_start_blank(client, coordinator):
    mdt = episode_in(State.MDT_DISCUSSION, coordinator)
    html = page(client, coordinator, mdt)
    decision = html.split('name="mdt-decision"')[1].split("</select>")[0]
    assert '<option value="" selected>— choose —</option>' in decision
    assert 'value="proceed" selected' not in decision

    procedure = episode_in(State.PROCEDURE, coordinator)
    html = page(client, coordinator, procedure)
    for name in (
        "procedure-technique",
        "procedure-completion_patent",
        "complication-kind_code",
        "complication-severity",
    ):
        select = html.split(f'name="{name}"')[1].split("</select>")[0]
        assert '<option value="" selected>— choose —</option>' in select, name


def test_a_blank_mdt_decision_is_refused_in_words(client, coordinator):
    episode = episode_in(State.MDT_DISCUSSION, coordinator)
    client.force_login(coordinator)
    response = client.post(
        record_url(episode, "mdt"),
        {
            "mdt-date": days_ago(0).isoformat(),
            "mdt-attendees": ["vascular_surgeon", "interventional_radiologist"],
        },
    )
    assert response.status_code == 400
    assert (
        "Choose the MDT decision (proceed, anticoagulation alone or defer); nothing was "
        "chosen." in response.content.decode()
    )
    assert not episode.mdt_decisions.exists()


def test_a_blank_complication_and_venogram_are_refused_in_words(client, coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    client.force_login(coordinator)
    html = client.post(
        record_url(episode, "complication"),
        {
            "complication-occurred_on": days_ago(0).isoformat(),
        },
    ).content.decode()
    assert "Choose the complication; nothing was chosen." in html
    assert "Choose the severity (SIR); nothing was chosen." in html
    html = client.post(
        record_url(episode, "procedure"),
        {
            "procedure-date": days_ago(0).isoformat(),
            "procedure-access_1_vein": "popliteal",
            "procedure-access_1_side": "left",
        },
    ).content.decode()
    assert "Choose the thrombus removal technique; nothing was chosen." in html
    assert "Choose whether the completion venogram is patent; nothing was chosen." in html


def test_a_procedure_dated_before_its_booking_says_an_admin_can_correct_the_booking(
    client, coordinator
):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP, on=days_ago(5))
    client.force_login(coordinator)
    response = client.post(
        record_url(episode, "procedure"),
        {
            "procedure-date": days_ago(7).isoformat(),
            "procedure-access_1_vein": "popliteal",
            "procedure-access_1_side": "left",
            "procedure-technique": "aspiration",
            "procedure-completion_patent": "yes",
            "procedure-reason": "The date was typed wrong.",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"This date is before the date it was booked ({days_ago(5).isoformat()})." in html
    assert "an admin can correct the booking" in html
    assert "Undo the last move (admin)" in html


def test_a_postop_check_before_the_corrected_procedure_date_is_a_warning(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE, on=days_ago(6))
    prepare_and_move(coordinator, episode, "complete_procedure", on=days_ago(6))
    client.force_login(coordinator)
    response = client.post(
        record_url(episode, "postop_check"),
        {
            "postop_check-at": f"{days_ago(5).isoformat()}T10:00",
            "postop_check-limb_perfusion": "normal",
            "postop_check-pain_score": "2",
        },
    )
    assert response.status_code == 302
    assert "Post-op checks after the procedure" not in page(client, coordinator, episode)

    record_procedure(coordinator, episode, date=days_ago(4), reason="Done two days later.")

    summary = text_of(
        page(client, coordinator, episode).split('id="summary"')[1].split("</section>")[0]
    )
    assert "Post-op checks after the procedure" in summary
    assert (
        f"A post-op check is dated before the procedure ({days_ago(4).isoformat()}): "
        f"{days_ago(5).isoformat()} 10:00."
    ) in summary


def test_the_page_costs_a_fixed_number_of_queries(
    client, coordinator, nurse, django_assert_max_num_queries
):
    episode = surveillance_200_days(coordinator)
    today = timezone.localdate()
    owed = list(episode.follow_ups.filter(kind="inr_check", due_on__lte=today)[:5])
    followup_record_result(
        actor=nurse, follow_up_id=owed[0].id, performed_on=owed[0].due_on, inr=Decimal("2.5")
    )
    client.force_login(coordinator)
    url = reverse("episode-page", args=[episode.id])
    with django_assert_max_num_queries(PAGE_BUDGET) as few:
        client.get(url)
    for fu in owed[1:]:
        followup_record_result(
            actor=nurse, follow_up_id=fu.id, performed_on=fu.due_on, inr=Decimal("2.5")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
