"""The access log: who read which patient's record, written by the read itself."""

import pytest

from pathway.codes import State
from patients.models import PatientAccess
from tests.factories import PatientFactory, walk_to

pytestmark = pytest.mark.django_db


def accesses():
    return list(PatientAccess.objects.values_list("user__username", "patient_id", "what"))


def test_a_nurse_reading_an_episode_is_logged_with_her_name_and_the_patient(
    coordinator, as_nurse, nurse
):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)

    assert as_nurse.get(f"/api/episodes/{episode.id}/").status_code == 200
    assert accesses() == [(nurse.username, episode.patient_id, "api:episode")]


def test_the_episode_page_the_gp_summary_and_the_patient_record_are_logged(coordinator, client):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    client.force_login(coordinator)

    client.get(f"/episodes/{episode.id}/")
    client.get(f"/episodes/{episode.id}/print/")

    assert [w for _, _, w in accesses()] == ["page:episode", "page:print"]


def test_lists_searches_and_refused_reads_are_not_logged(coordinator, as_coordinator, as_nurse):
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION)
    as_coordinator.get("/api/episodes/")
    as_coordinator.get("/api/patients/", {"search": episode.patient.family_name})
    as_coordinator.get("/api/episodes/999999/")
    as_nurse.patch(f"/api/episodes/{episode.id}/", {}, format="json")  # refused: 403

    assert accesses() == []


def test_reading_a_patient_through_the_api_is_logged(as_coordinator, coordinator, patient):
    as_coordinator.get(f"/api/patients/{patient.id}/")
    assert accesses() == [(coordinator.username, patient.id, "api:patient")]


@pytest.mark.parametrize(
    "path, what",
    [
        ("history/", "api:history"),
        ("revisions/", "api:revisions"),
        ("selection/", "api:selection"),
        ("follow-ups/", "api:follow-ups"),
        ("visits/", "api:visits"),
    ],
)
def test_reading_an_episodes_records_is_logged_each_time(coordinator, as_nurse, nurse, path, what):
    episode = walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)

    assert as_nurse.get(f"/api/episodes/{episode.id}/{path}").status_code == 200
    assert accesses() == [(nurse.username, episode.patient_id, what)]


def test_a_record_not_yet_written_is_not_a_read(coordinator, as_nurse):
    episode = walk_to(coordinator, PatientFactory(), State.SELECTION)

    assert as_nurse.get(f"/api/episodes/{episode.id}/procedure/").status_code == 404
    assert accesses() == []
