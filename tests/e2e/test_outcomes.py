"""An admin opens the outcomes from the dashboard, filters them by lesion and downloads a CSV;
a coordinator may not see them."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tests.e2e.conftest import accessible, person, shot, signed_in
from tests.factories import PatientFactory, days_ago, prepare_and_move, record_procedure, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def discharged(actor, on, lesion=None):
    episode = walk_to(actor, PatientFactory(), State.PROCEDURE, on=on)
    record_procedure(actor, episode, date=on, underlying_lesion=lesion)
    services.episode_transition(
        episode_id=episode.id, name="complete_procedure", actor=actor, effective_on=on
    )
    return prepare_and_move(actor, episode, "discharge", on)


def duplex(nurse, episode, on, result="patent"):
    task_services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=on,
        segments=[{"segment": "left_common_iliac", "result": result}],
    )


def test_an_admin_filters_the_outcomes_and_downloads_a_csv(page):
    admin = person("admin", "ada")
    coordinator = person("coordinator", "cora")
    nurse = person("nurse", "nina")
    for i in range(4):
        start = days_ago(300 + 120 * i)
        episode = discharged(coordinator, start, "compression" if i % 2 else "post_thrombotic")
        duplex(nurse, episode, start + dt.timedelta(days=30))
        duplex(nurse, episode, start + dt.timedelta(days=250), "stenosis" if i == 1 else "patent")

    signed_in(page, admin)
    page.goto("/")  # where the sign-in lands: the dashboard
    page.get_by_role("link", name="Outcomes: patency, PTS, complications, TTR").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    expect(page.get_by_text("4 episodes with an index procedure.")).to_be_visible()
    chart = "Primary patency: Kaplan-Meier curve with its 95% confidence band"
    expect(page.get_by_role("img", name=chart, exact=True)).to_be_visible()
    at_risk = "Primary patency: numbers at risk, events and censored (KMunicate)"
    expect(page.get_by_role("table", name=at_risk, exact=True)).to_be_visible()

    page.get_by_label("Underlying lesion").select_option("compression")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/dashboard/outcomes/\?.*lesion=compression"))
    expect(page.get_by_text("2 episodes with an index procedure.")).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download patency (CSV)").click()
    download = info.value
    assert download.suggested_filename == "outcomes-patency.csv"
    raw = open(download.path(), "rb").read()
    assert raw.startswith("\ufeff".encode()), "a byte order mark, for Excel"
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Patency,Months,Estimate (%)")
    assert len(lines) == 10
    accessible(page)
    shot(page, "outcomes")


def test_a_coordinator_gets_the_403_page(page):
    signed_in(page, person("coordinator", "cora"))
    response = page.goto("/dashboard/outcomes/")
    assert response.status == 403
    expect(page.get_by_role("link", name="Outcomes")).to_have_count(0)
