"""The summary for the patient and their GP (issue 18, /episodes/<id>/print/): the diagnosis and
its extent, the procedure and discharge dates, the drug actually taken (not "VKA (e.g.
warfarin)"), the next three appointments only, whom to call at the unit, and the guide's advice
in plain words."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from pathway import services
from pathway.codes import State
from tests.factories import PatientFactory, days_ago, walk_to
from tests.pathway import handover_case as case

pytestmark = pytest.mark.django_db


clock, grace = case.clock, case.grace  # the hand-built case's fixtures


@pytest.fixture
def bridged(clock, grace):
    """Operated on 6 January 2025, warfarin 5 mg for 6 months bridged with enoxaparin,
    discharged on the 8th by Grace Hopper; seen on the 24th."""
    return case.bridged_to_warfarin(clock, grace)


def summary_of(client, user, episode) -> str:
    client.force_login(user)
    response = client.get(reverse("episode-print", args=[episode.id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_summary_names_the_diagnosis_and_its_extent_and_the_dates(client, bridged, grace):
    html = summary_of(client, grace, bridged)

    assert "Ada Lovelace" in html and "MRN-0042" in html and "12 April 1961" in html
    assert (
        "Deep vein thrombosis (DVT): a blood clot in the inferior vena cava (IVC) and the "
        "left common iliac and external iliac veins"
    ) in html
    assert re.search(r"held open with 1 stent on 6 January 2025", html)
    assert "Wallstent 16 × 90 mm (left common iliac)" in html
    assert "<dt>Discharged</dt><dd>8 January 2025</dd>" in html


def test_the_summary_names_the_drug_taken_its_dose_and_target(client, bridged, grace):
    html = summary_of(client, grace, bridged)

    assert (
        "<strong>Warfarin 5 mg once daily, target INR 2.0–3.0</strong>: for 6 months, "
        "to 8 July 2025." in html
    )
    assert (
        "<strong>Enoxaparin 1 mg/kg twice daily</strong>: until the unit tells you to stop" in html
    )
    assert html.index("Warfarin 5 mg") < html.index("Enoxaparin 1 mg/kg")  # long-term first
    assert "VKA (e.g. warfarin)" not in html
    assert "go to every INR test" in html
    assert "Compression stockings:</strong> prescribed: wear them every day" in html


def test_the_summary_lists_the_next_three_appointments_not_years_of_them(client, bridged, grace):
    owed = bridged.follow_ups.open().order_by("due_on", "id")
    assert owed.count() > 3
    html = summary_of(client, grace, bridged)

    table = html[html.index("<h2>Your next appointments</h2>") : html.index("<h2>Contact")]
    assert table.count("<tr><td>") == 3
    for follow_up in owed[:3]:
        assert f"{follow_up.due_on.day} {follow_up.due_on:%B %Y}" in table
    fourth = owed[3].due_on
    assert f"<td>{fourth.day} {fourth:%B %Y}</td>" not in table
    assert "INR blood test" in table and "Inr check" not in html
    assert "the unit will send you the dates" in table
    assert "missed" not in table


def test_an_appointment_missed_is_still_listed_and_says_so(client, clock, bridged, grace):
    clock.move_to(case.at(case.NEXT_INR + dt.timedelta(days=5)))  # its window closed on 1 Feb
    html = summary_of(client, grace, bridged)
    table = html[html.index("<h2>Your next appointments</h2>") : html.index("<h2>Contact")]
    row = next(r for r in table.split("<tr>") if "<td>29 January 2025</td>" in r)
    assert "INR blood test" in row and "missed, call the unit to book it" in row


def test_the_summary_names_whom_to_call(client, clock, bridged, grace, coordinator):
    html = summary_of(client, coordinator, bridged)
    assert "Grace Hopper (discharging clinician), " in html
    assert '<a href="mailto:grace@unit.example">grace@unit.example</a>' in html

    ada = case.staff("coordinator", "ada", "Ada", "Byron")
    services.episode_assign(actor=grace, episode_id=bridged.id, assigned_coordinator=ada.id)
    html = summary_of(client, coordinator, bridged)
    assert "Ada Byron (coordinator), " in html and "ada@unit.example" in html


def test_the_summary_gives_the_guides_advice_in_plain_words(client, bridged, grace):
    html = summary_of(client, grace, bridged)
    advice = html[html.index('id="advice-warning"') :]
    for words in (
        "The stent may be blocking",  # stent thrombosis
        "Bleeding:",
        "urine is red or dark brown",
        "Call 999",
        "Wear your compression stockings",
        "Do not sit or stand still for long.",
        "Take your anticoagulant every day",
        "When to call the unit",
    ):
        assert words in advice, words


def test_a_doac_patient_is_told_the_doac_and_no_inr_tests(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP, on=days_ago(3))
    for course in episode.courses.filter(stopped_on__isnull=True):
        services.course_change(
            actor=coordinator,
            episode_id=episode.id,
            course_id=course.id,
            stopped_on=days_ago(1),
            reason="Apixaban now.",
        )
    services.course_add(
        actor=coordinator,
        episode_id=episode.id,
        agent="apixaban",
        started_on=days_ago(1),
        dose=Decimal("5"),
        dose_unit="mg",
        frequency="twice daily",
        reason="Long-term.",
    )

    html = summary_of(client, coordinator, episode)

    assert "<strong>Apixaban 5 mg twice daily</strong>: long-term: no end date is planned" in html
    assert "INR" not in html[html.index("Your anticoagulant") : html.index("Compression")]
    assert "Not yet discharged." in html


def test_an_episode_before_its_procedure_says_what_is_not_done_yet(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.IMAGING)
    html = summary_of(client, coordinator, episode)
    assert "<dt>Procedure</dt><dd>Not done yet.</dd>" in html
    assert "None booked yet" in html


def test_nurses_print_it_strangers_sign_in_and_browsers_keep_no_copy(client, bridged, nurse):
    url = reverse("episode-print", args=[bridged.id])
    assert client.get(url).status_code == 302
    client.force_login(nurse)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_summary_costs_a_fixed_number_of_queries(
    client, clock, grace, django_assert_max_num_queries
):
    episode = case.bridged_to_warfarin(clock, grace)
    client.force_login(grace)
    url = reverse("episode-print", args=[episode.id])
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
