"""Section 7 on the episode page: the selection form's VTE-BLEED and pregnancy facts, the
renal function and weight form with its clearance, the VTE-BLEED table with its parts, the
anticoagulant_suitable warnings and a bleed on treatment with its ISTH class."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from pathway import services
from pathway.codes import State
from pathway.models import Complication, Measurement, SelectionAssessment
from tests.factories import PatientFactory, episode_in, record_selection, walk_to

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 6, 15)


@pytest.fixture(autouse=True)
def clock():
    noon = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    with time_machine.travel(noon, tick=False) as traveller:
        yield traveller


def aged(years: int, sex: str):
    return PatientFactory(birth_date=dt.date(TODAY.year - years, 1, 1), sex=sex)


def page_of(episode):
    return reverse("episode-page", args=[episode.id])


def record_url(episode, kind):
    return reverse("episode-record", args=[episode.id, kind])


def signed_in(client, user):
    client.force_login(user)
    return client


def selection_form(**extra) -> dict:
    return {
        "selection-symptom_onset": (TODAY - dt.timedelta(days=5)).isoformat(),
        "selection-assessed_on": TODAY.isoformat(),
        "selection-indications": ["severe_swelling"],
        "selection-thrombus_segments": ["left_common_iliac"],
        "selection-fit_for_procedure": "on",
        "selection-thrombophilia": "not_tested",
        **extra,
    }


def test_the_selection_form_records_the_bleeding_risk_and_pregnancy(client, coordinator):
    episode = episode_in(State.SELECTION, coordinator, aged(30, "female"))

    r = signed_in(client, coordinator).post(
        record_url(episode, "selection"),
        selection_form(
            **{
                "selection-active_cancer": "on",
                "selection-anaemia": "on",
                "selection-pregnancy": "not_pregnant",
                "selection-contraception": "yes",
            }
        ),
    )

    assert r.status_code == 302
    saved = SelectionAssessment.objects.get(episode=episode)
    assert (saved.active_cancer, saved.anaemia, saved.prior_bleeding) == (True, True, False)
    assert (saved.pregnancy, saved.contraception) == ("not_pregnant", True)
    html = client.get(page_of(episode)).content.decode()
    assert 'value="not_pregnant" selected' in html  # the form shows what is recorded


def test_the_page_shows_vte_bleed_with_its_parts_in_words(client, nurse, coordinator):
    episode = episode_in(State.SELECTION, coordinator, aged(65, "male"))
    record_selection(coordinator, episode, assessed_on=TODAY, active_cancer=True, anaemia=True)

    html = signed_in(client, nurse).get(page_of(episode)).content.decode()

    table = html[html.index('id="bleeding-risk"') :]
    table = table[: table.index("</section>")]
    assert "At selection, 2024-06-15: 5.0 points" in table and "high risk" in table
    for factor, points in (("Active cancer", "2.0"), ("Anaemia", "1.5"), ("Age 60 or over", "1.5")):
        assert f"<td>{factor}</td><td>{points}</td>" in table
    assert "Not known: creatinine clearance" in table
    assert "active_cancer" not in table and "age_60_or_over" not in table


def test_a_measurement_is_added_on_the_page_with_its_cockcroft_gault_clearance(client, coordinator):
    episode = episode_in(State.SELECTION, coordinator, aged(70, "female"))
    c = signed_in(client, coordinator)

    r = c.post(
        record_url(episode, "measurement"),
        {
            "measurement-measured_on": TODAY.isoformat(),
            "measurement-weight_kg": "60",
            "measurement-creatinine_umol_l": "90",
        },
    )

    assert r.status_code == 302
    assert Measurement.objects.filter(episode=episode).count() == 1
    html = c.get(page_of(episode)).content.decode()
    assert "<td>48.5 (Cockcroft–Gault)</td>" in html


def test_a_measurement_with_no_value_is_refused_on_the_page(client, coordinator):
    episode = episode_in(State.SELECTION, coordinator)

    r = signed_in(client, coordinator).post(
        record_url(episode, "measurement"),
        {
            "measurement-measured_on": TODAY.isoformat(),
        },
    )

    assert r.status_code == 400
    assert "Give the weight, the creatinine or the creatinine clearance." in r.content.decode()
    assert not Measurement.objects.exists()


def test_a_warning_about_the_anticoagulant_shows_on_the_page(client, nurse, coordinator):
    episode = episode_in(State.SELECTION, coordinator)
    record_selection(
        coordinator,
        episode,
        thrombophilia="positive",
        thrombophilia_finding="Antiphospholipid syndrome",
    )
    services.course_add(
        actor=coordinator, episode_id=episode.id, agent="apixaban", started_on=TODAY
    )

    html = signed_in(client, nurse).get(page_of(episode)).content.decode()

    said = "<strong>Anticoagulant suitable</strong>: A DOAC (apixaban) with antiphospholipid"
    assert said in html


def test_the_pregnancy_status_can_be_recorded_in_surveillance_with_a_reason(client, coordinator):
    episode = walk_to(coordinator, aged(30, "female"), State.SURVEILLANCE, on=TODAY)
    c = signed_in(client, coordinator)
    assert 'id="selection"' in c.get(page_of(episode)).content.decode()

    refused = c.post(
        record_url(episode, "selection"),
        selection_form(**{"selection-pregnancy": "not_applicable"}),
    )
    saved = c.post(
        record_url(episode, "selection"),
        selection_form(
            **{
                "selection-pregnancy": "not_applicable",
                "selection-reason": "Hysterectomy in 2019.",
            }
        ),
    )

    assert refused.status_code == 400
    assert saved.status_code == 302
    assert SelectionAssessment.objects.get(episode=episode).pregnancy == "not_applicable"


def test_a_gastrointestinal_bleed_needs_its_isth_class_on_the_page(client, coordinator):
    episode = episode_in(State.POST_OP, coordinator)
    c = signed_in(client, coordinator)
    form = {
        "complication-kind_code": "gastrointestinal_bleeding",
        "complication-occurred_on": TODAY.isoformat(),
        "complication-severity": "severe",
    }

    refused = c.post(record_url(episode, "complication"), form)
    saved = c.post(
        record_url(episode, "complication"), {**form, "complication-bleeding_class": "major"}
    )

    assert refused.status_code == 400 and "Say whether the bleeding" in refused.content.decode()
    assert saved.status_code == 302
    assert Complication.objects.get(episode=episode).bleeding_class == "major"
    assert "gastrointestinal bleeding" in c.get(page_of(episode)).content.decode()
