"""The coordinator's worklist page: tabs with counts, search kept out of the URL, filters,
pagination, a fixed number of queries, and the new patient and new episode forms."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from pathway import machine, services
from pathway.codes import ACTIVE, State
from pathway.models import Episode
from pathway.selectors.worklist import FORWARD, forward_blockers
from patients.models import Patient
from tests.factories import (
    EpisodeFactory,
    PatientFactory,
    UserFactory,
    days_ago,
    episode_in,
    open_episode,
    record_selection,
    walk_to,
)

pytestmark = pytest.mark.django_db
URL = "/episodes/"


@pytest.fixture
def web(client, coordinator):
    client.force_login(coordinator)
    return client


def rows(response):
    return response.context["data"].rows


def names(response):
    return {r.patient.family_name for r in rows(response)}


# --- who may open it --------------------------------------------------------------------------
def test_a_nurse_gets_the_403_page(client, nurse):
    client.force_login(nurse)
    assert client.get(URL).status_code == 403


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_admin_may_open_the_worklist(client, admin_user):
    client.force_login(admin_user)
    assert client.get(URL).status_code == 200


# --- tabs and rows -----------------------------------------------------------------------------
def test_the_coordinator_sees_a_tab_per_state_with_its_count(web, coordinator):
    open_episode(coordinator)
    open_episode(coordinator)
    episode_in(State.MDT_DISCUSSION, coordinator)
    EpisodeFactory(state=State.EXCLUDED)

    response = web.get(URL)

    html = response.content.decode()
    assert 'All open <span class="count">(3)</span>' in html
    assert 'Selection <span class="count">(2)</span>' in html
    assert 'MDT discussion <span class="count">(1)</span>' in html
    assert 'Excluded <span class="count">(1)</span>' in html
    assert 'Deceased <span class="count">(0)</span>' in html
    assert len(rows(response)) == 3  # open episodes by default, not the excluded one


def test_a_state_tab_lists_that_state_only_including_terminal_ones(web, coordinator):
    open_episode(coordinator)
    excluded = EpisodeFactory(state=State.EXCLUDED)

    response = web.get(URL, {"state": "excluded"})

    assert [r.episode.id for r in rows(response)] == [excluded.id]


def test_each_row_says_the_state_days_in_stage_next_step_and_blockers_in_words(web, coordinator):
    nurse_user = _staff("nurse", "nora")
    episode = walk_to(
        coordinator, PatientFactory(family_name="Okafor"), State.MDT_DISCUSSION, on=days_ago(10)
    )
    services.episode_assign(
        actor=coordinator,
        episode_id=episode.id,
        assigned_nurse=nurse_user.id,
        assigned_coordinator=coordinator.id,
    )

    response = web.get(URL)

    row = rows(response)[0]
    assert row.days_in_stage == 10
    html = response.content.decode()
    assert "MDT discussion" in html and "mdt_discussion</td>" not in html
    assert "MDT approved: start the work-up" in html  # the next move, in words
    assert "MDT decision to proceed" in html and "MDT quorum" in html  # what blocks it
    assert "refer_to_mdt" not in html and "mdt_decision_recorded" not in html
    assert "Nora" in html
    assert reverse("episode-page", args=[episode.id]) in html


def _staff(role, username):
    user = UserFactory(username=username, first_name=username.title())
    user.groups.add(Group.objects.get(name=role))
    return user


# --- search -----------------------------------------------------------------------------------
def test_search_by_mrn_is_posted_kept_in_the_session_and_never_in_the_url(web, coordinator):
    wanted = open_episode(coordinator, PatientFactory(mrn="RX123456", family_name="Adeyemi"))
    open_episode(coordinator, PatientFactory(family_name="Brown"))

    posted = web.post(URL, {"q": "RX123456"})

    assert posted.status_code == 302
    assert "RX123456" not in posted["Location"]
    response = web.get(posted["Location"])
    assert [r.episode.id for r in rows(response)] == [wanted.id]
    assert "RX123456" not in response.request["QUERY_STRING"]


def test_search_by_name_finds_given_or_family_names(web, coordinator):
    open_episode(coordinator, PatientFactory(given_name="Ama", family_name="Mensah"))
    open_episode(coordinator, PatientFactory(given_name="Tom", family_name="Mensahson"))
    open_episode(coordinator, PatientFactory(given_name="Lee", family_name="Brown"))

    web.post(URL, {"q": "mensah"})
    assert names(web.get(URL)) == {"Mensah", "Mensahson"}

    web.post(URL, {"q": "ama"})
    assert names(web.get(URL)) == {"Mensah"}


def test_clearing_the_search_lists_everyone_again(web, coordinator):
    open_episode(coordinator, PatientFactory(family_name="Mensah"))
    open_episode(coordinator, PatientFactory(family_name="Brown"))
    web.post(URL, {"q": "Mensah"})

    web.post(URL, {"clear": "1"})

    assert names(web.get(URL)) == {"Mensah", "Brown"}


def test_a_search_keeps_the_filters_it_was_posted_from_but_not_the_tab(web, coordinator):
    posted = web.post(f"{URL}?state=imaging&blocked=on", {"q": "someone"})
    assert posted["Location"] == f"{URL}?blocked=on"  # a search looks in every tab


# --- filters ----------------------------------------------------------------------------------
def test_assigned_to_me_lists_only_my_episodes(web, coordinator):
    mine = open_episode(coordinator, PatientFactory(family_name="Mine"))
    open_episode(coordinator, PatientFactory(family_name="Theirs"))
    services.episode_assign(
        actor=coordinator, episode_id=mine.id, assigned_coordinator=coordinator.id
    )

    assert names(web.get(URL, {"mine": "on"})) == {"Mine"}


def test_blocked_lists_only_episodes_whose_next_move_has_unmet_rules(web, coordinator):
    ready = open_episode(coordinator, PatientFactory(family_name="Ready"))
    record_selection(coordinator, ready)
    open_episode(coordinator, PatientFactory(family_name="Waiting"))  # no selection yet

    assert names(web.get(URL, {"blocked": "on"})) == {"Waiting"}
    assert names(web.get(URL)) == {"Ready", "Waiting"}


def test_days_in_stage_keeps_those_at_least_that_long_in_their_stage(web, coordinator):
    walk_to(coordinator, PatientFactory(family_name="Old"), State.IMAGING, on=days_ago(12))
    walk_to(coordinator, PatientFactory(family_name="New"), State.IMAGING, on=days_ago(2))

    assert names(web.get(URL, {"min_days": "10"})) == {"Old"}
    assert names(web.get(URL, {"min_days": "2"})) == {"Old", "New"}


def test_a_bad_filter_value_is_said_and_ignored(web, coordinator):
    open_episode(coordinator)
    response = web.get(URL, {"min_days": "-3", "state": "nowhere"})
    assert response.status_code == 200
    assert len(rows(response)) == 1
    assert "greater than or equal to 0" in response.content.decode()


# --- pagination -------------------------------------------------------------------------------
def test_the_list_is_paginated_25_a_page(web):
    for _ in range(30):
        EpisodeFactory()

    first = web.get(URL)
    second = web.get(URL, {"page": 2})

    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert "Page 1 of 2" in first.content.decode()
    assert {r.episode.id for r in rows(first)}.isdisjoint({r.episode.id for r in rows(second)})


# --- queries ----------------------------------------------------------------------------------
def _cohort(coordinator, n):
    """n episodes across the active states, surveillance first."""
    for i in range(n):
        episode_in(ACTIVE[-1 - i % len(ACTIVE)], coordinator)  # surveillance first


# The worklist's query budget for 5 or 40 episodes: tests/pathway/test_worklist_cost.py.


def test_the_prefetched_blockers_are_what_the_rules_say(coordinator):
    _cohort(coordinator, 12)
    blocked = open_episode(coordinator)
    record_selection(coordinator, blocked, fit_for_procedure=False)
    episodes = list(Episode.objects.all())

    found = forward_blockers(episodes)

    for episode in Episode.objects.all():
        move = FORWARD.get(episode.state)
        expected = machine.by_name(move.name).unmet(episode) if move else []
        assert found[episode.id][1] == expected, episode.state
    assert found[blocked.id][1]


# --- new patient, new episode -----------------------------------------------------------------
PATIENT = {
    "mrn": "NEW0001",
    "given_name": "Grace",
    "family_name": "Hopper",
    "birth_date": "1960-01-02",
    "sex": "female",
}


def test_a_new_patient_is_registered_and_the_new_episode_form_follows(web):
    response = web.post(reverse("new-patient"), PATIENT)

    patient = Patient.objects.get(mrn="NEW0001")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('new-episode')}?patient={patient.id}"
    form = web.get(response["Location"]).context["form"]
    assert str(form["patient"].value()) == str(patient.id)


def test_a_duplicate_mrn_is_said_beside_the_field(web):
    PatientFactory(mrn="NEW0001")

    response = web.post(reverse("new-patient"), PATIENT)

    assert response.status_code == 400
    assert response.context["form"].errors["mrn"] == ["A patient with this MRN already exists."]
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_birth_date_in_the_future_is_said_beside_the_field(web):
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = web.post(reverse("new-patient"), {**PATIENT, "birth_date": future})
    assert response.status_code == 400
    assert "birth_date" in response.context["form"].errors


def test_a_new_episode_opens_and_lands_on_its_page(web, coordinator):
    patient = PatientFactory()

    response = web.post(
        reverse("new-episode"), {"patient": patient.id, "opened_on": days_ago(3).isoformat()}
    )

    episode = Episode.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("episode-page", args=[episode.id])
    assert episode.opened_on() == days_ago(3)
    assert episode.state == State.SELECTION


def test_a_referral_date_in_the_future_is_said_beside_the_field(web):
    patient = PatientFactory()
    future = (days_ago(0) + dt.timedelta(days=2)).isoformat()

    response = web.post(reverse("new-episode"), {"patient": patient.id, "opened_on": future})

    assert response.status_code == 400
    assert response.context["form"].errors["opened_on"] == ["This date is in the future."]
    assert not Episode.objects.filter(patient=patient).exists()


def test_a_patient_with_an_open_episode_cannot_be_chosen_again(web, coordinator):
    episode = open_episode(coordinator)

    response = web.post(
        reverse("new-episode"),
        {"patient": episode.patient_id, "opened_on": days_ago(0).isoformat()},
    )

    assert response.status_code == 400
    assert "patient" in response.context["form"].errors


def test_every_form_has_a_csrf_token_and_labels(web):
    for url in (URL, reverse("new-patient"), reverse("new-episode")):
        html = web.get(url).content.decode()
        assert "csrfmiddlewaretoken" in html
        assert "<label for=" in html


def test_a_nurse_may_not_register_patients_from_these_pages(client, nurse):
    client.force_login(nurse)
    assert client.get(reverse("new-patient")).status_code == 403
    assert client.get(reverse("new-episode")).status_code == 403
