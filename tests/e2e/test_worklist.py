"""A coordinator works from the worklist: sees the episodes, searches without the search
reaching the URL, registers a patient, opens an episode and lands on its page."""

import pytest

from pathway.codes import State
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory, days_ago, record_selection, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_coordinator_searches_the_worklist_and_opens_a_new_episode(page):
    coordinator = person("coordinator", "cora")
    ada = PatientFactory(mrn="RX100001", given_name="Ada", family_name="Okafor")
    okafor = walk_to(coordinator, ada, State.SELECTION)
    record_selection(coordinator, okafor)
    walk_to(
        coordinator,
        PatientFactory(mrn="RX100002", given_name="Ben", family_name="Brown"),
        State.MDT_DISCUSSION,
        on=days_ago(9),
    )
    walk_to(
        coordinator,
        PatientFactory(mrn="RX100003", given_name="Chen", family_name="Li"),
        State.IMAGING,
        on=days_ago(4),
    )

    signed_in(page, coordinator)
    page.goto("/")  # where the sign-in lands

    assert page.url.endswith("/episodes/")
    assert page.get_by_role("heading", name="Worklist", level=1).is_visible()
    assert page.get_by_role("link", name="All open (3)").is_visible()
    assert page.get_by_role("link", name="Okafor, Ada").is_visible()
    assert page.get_by_role("cell", name="MDT decision to proceed").first.is_visible()
    accessible(page)
    shot(page, "worklist")

    page.get_by_label("MRN or name").fill("RX100002")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    assert "RX100002" not in page.url
    assert page.get_by_role("link", name="Brown, Ben").is_visible()
    assert page.get_by_role("link", name="Okafor, Ada").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Clear search").click()
    assert page.get_by_role("link", name="Okafor, Ada").is_visible()

    page.get_by_role("link", name="New patient").click()
    page.get_by_label("MRN").fill("RX100001")  # taken: said beside the field
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Birth date").fill("1960-01-02")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Register the patient").click()
    assert page.get_by_text("A patient with this MRN already exists.").is_visible()
    accessible(page)
    shot(page, "new-patient")

    page.get_by_label("MRN").fill("RX100004")
    with page.expect_navigation():
        page.get_by_role("button", name="Register the patient").click()
    assert "/episodes/new/" in page.url
    assert page.get_by_label("Patient").input_value()  # the new patient is chosen
    page.get_by_label("Referral date").fill(days_ago(2).isoformat())
    accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Open the episode").click()

    assert page.url.rstrip("/").split("/")[-1].isdigit()
    assert "/episodes/" in page.url
