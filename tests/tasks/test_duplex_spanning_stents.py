"""A stent across two segments stents both (issue 18): the duplex asks for each of them, the
service wants each reported, and a finding on either counts for patency and the urgent alert."""

import datetime as dt

import pytest

from demo import walk as demo
from pathway import services
from pathway.codes import State
from tasks.models import Alert, DuplexSegmentResult, Kind
from tests.factories import PatientFactory
from tests.tasks.support import DISCHARGED_ON, PROCEDURE_ON, at, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date
SPANNED = ["left_common_iliac", "left_external_iliac"]


@pytest.fixture
def episode(coordinator, clock):
    """A Venovo from the left common into the external iliac vein, discharged on 3 Feb."""
    clock.move_to(at(PROCEDURE_ON))
    episode = demo.walk_to(coordinator, PatientFactory(), State.POST_OP)
    demo.record_procedure(
        coordinator,
        episode,
        reason="One long stent, not the Wallstent.",
        stents=[
            {
                "product": "Venovo",
                "diameter_mm": 14,
                "length_mm": 150,
                "segments": SPANNED,
                "lot": "VN-88",
            }
        ],
    )
    clock.move_to(at(DISCHARGED_ON))
    demo.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
    demo.record_discharge_plan(coordinator, episode)
    services.episode_transition(episode_id=episode.id, name="discharge", actor=coordinator)
    sweep_on(clock, D(2024, 2, 7))
    clock.move_to(at(D(2024, 2, 14), 11))
    return episode


def test_the_duplex_form_asks_for_both_segments_a_stent_spans(client, nurse, episode):
    duplex = episode.follow_ups.get(kind=Kind.DUPLEX, due_on=D(2024, 2, 14))
    client.force_login(nurse)

    form = client.get(f"/inbox/follow-ups/{duplex.id}/record/")

    html = form.content.decode()
    assert 'name="segment_left_common_iliac"' in html
    assert 'name="segment_left_external_iliac"' in html


def test_a_duplex_reporting_only_the_first_spanned_segment_is_refused(as_nurse, episode):
    duplex = episode.follow_ups.get(kind=Kind.DUPLEX, due_on=D(2024, 2, 14))
    body = {
        "performed_on": "2024-02-14",
        "segments": [{"segment": "left_common_iliac", "result": "patent"}],
    }

    response = as_nurse.post(f"/api/follow-ups/{duplex.id}/result/", body, format="json")

    assert response.status_code == 400
    assert response.json()["segments"] == [
        "Report every stented segment; missing: left_external_iliac."
    ]


def test_a_stenosis_in_the_second_spanned_segment_is_urgent(as_nurse, episode):
    duplex = episode.follow_ups.get(kind=Kind.DUPLEX, due_on=D(2024, 2, 14))
    body = {
        "performed_on": "2024-02-14",
        "segments": [
            {"segment": "left_common_iliac", "result": "patent"},
            {"segment": "left_external_iliac", "result": "stenosis"},
        ],
    }

    response = as_nurse.post(f"/api/follow-ups/{duplex.id}/result/", body, format="json")

    assert response.status_code == 200, response.content
    assert DuplexSegmentResult.objects.filter(follow_up=duplex).count() == 2
    assert Alert.objects.filter(episode=episode, kind="urgent_result").exists()
