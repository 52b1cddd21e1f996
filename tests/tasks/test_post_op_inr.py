"""INR readings on the ward (pathway.md section 7): while warfarin is started under a heparin in
post-op, the nurse records INR readings, judged against the range of the VKA course running
that day; from the API and from a plain form linked on the episode page."""

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput
from tasks.models import Alert
from tasks.services import visit_record
from tests.conftest import client_for
from tests.tasks.course_support import in_post_op, start
from tests.tasks.support import PROCEDURE_ON, at

pytestmark = pytest.mark.django_db
D = dt.date


def inr(nurse, episode, day, value):
    return visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="inr_check",
        performed_on=day,
        inr=Decimal(value),
    )


def on_warfarin_in_post_op(coordinator, clock, **course):
    episode = in_post_op(coordinator, clock)  # operated on 31 Jan 2024
    start(coordinator, episode, "enoxaparin", PROCEDURE_ON)
    start(coordinator, episode, "warfarin", PROCEDURE_ON, **course)
    clock.move_to(at(D(2024, 2, 2)))
    return episode


def test_a_nurse_records_an_inr_in_post_op_judged_against_the_warfarin_range(
    coordinator, nurse, clock
):
    episode = on_warfarin_in_post_op(
        coordinator, clock, target_inr_low=Decimal("2.5"), target_inr_high=Decimal("3.5")
    )

    visit = inr(nurse, episode, D(2024, 2, 2), "2.2")

    assert visit.result == {"inr": "2.2", "target": ["2.5", "3.5"]}
    assert visit.late_reason == ""
    assert visit.urgent is not None  # below the course's own range, not the default 2.0-3.0
    assert Alert.objects.filter(episode=episode, kind="urgent_result").count() >= 1


def test_an_inr_in_range_on_the_ward_alerts_nobody(coordinator, nurse, clock):
    episode = on_warfarin_in_post_op(coordinator, clock)

    visit = inr(nurse, episode, D(2024, 2, 2), "2.4")

    assert visit.result["target"] == ["2.0", "3.0"]
    assert visit.urgent is None
    assert not Alert.objects.filter(episode=episode).exists()


def test_an_inr_on_heparin_alone_is_kept_and_judged_against_nothing(coordinator, nurse, clock):
    episode = in_post_op(coordinator, clock)
    start(coordinator, episode, "enoxaparin", PROCEDURE_ON)
    clock.move_to(at(D(2024, 2, 1)))

    visit = inr(nurse, episode, D(2024, 2, 1), "1.1")

    assert visit.result == {"inr": "1.1", "target": None, "anticoagulant": "parenteral"}
    assert visit.urgent is None


def test_an_inr_dated_before_post_op_began_is_refused_with_the_day_it_began(
    coordinator, nurse, clock
):
    episode = on_warfarin_in_post_op(coordinator, clock)

    with pytest.raises(InvalidInput) as refused:
        inr(nurse, episode, D(2024, 1, 30), "2.4")

    assert "went into post-op on 2024-01-31" in str(refused.value.detail)
    assert not episode.visits.exists()


def test_a_duplex_visit_is_still_refused_in_post_op(coordinator, nurse, clock):
    episode = on_warfarin_in_post_op(coordinator, clock)

    with pytest.raises(Conflict):
        visit_record(
            actor=nurse,
            episode_id=episode.id,
            kind="duplex",
            performed_on=D(2024, 2, 2),
            segments=[{"segment": "left_common_iliac", "result": "patent"}],
        )


def test_the_api_takes_an_inr_visit_in_post_op(coordinator, nurse, clock):
    episode = on_warfarin_in_post_op(coordinator, clock)

    response = client_for(nurse).post(
        f"/api/episodes/{episode.id}/visits/",
        {"kind": "inr_check", "performed_on": "2024-02-02", "inr": "2.6"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["result"]["target"] == ["2.0", "3.0"]


def test_the_episode_page_links_the_nurse_to_an_inr_form_that_returns_to_the_episode(
    coordinator, nurse, clock, client
):
    episode = on_warfarin_in_post_op(coordinator, clock)
    client.force_login(nurse)

    page = client.get(f"/episodes/{episode.id}/").content.decode()
    form_url = f"/inbox/episodes/{episode.id}/visits/inr_check/"
    assert "Record an INR reading" in page

    form = client.get(form_url)
    assert form.status_code == 200, form.content
    assert "INR reading in post-op" in form.content.decode()
    assert f'href="/episodes/{episode.id}/"' in form.content.decode()
