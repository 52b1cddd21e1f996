"""Query budgets: a list costs the same for 3 rows as for 30, and an episode the same with a
short history as with a long one."""

import pytest

from pathway import services
from pathway.codes import State
from tests import factories as f
from tests.api import support as s

pytestmark = pytest.mark.django_db

LIST_BUDGET = 6  # token, permissions (2), count, page; one to spare
# A VKA episode in surveillance: 26 (one of them the segments its stents span, one the post-op
# checks the "post-op checks after the procedure" warning reads), plus its INR readings for "ttr".
EPISODE_BUDGET = 27
HISTORY_BUDGET = 7  # 6, and the access log's row (patients.PatientAccess)


def _cost(client, url, budget, assert_max_queries) -> tuple[int, dict | list]:
    with assert_max_queries(budget) as captured:
        response = client.get(url)
    return len(captured), s.ok(response)


def _add_episodes(n: int, coordinator, nurse) -> None:
    """n episodes, each opened by the service, with staff assigned to every other one."""
    for i in range(n):
        episode = f.open_episode(coordinator, f.PatientFactory(family_name="Okafor"))
        if i % 2:
            episode.assigned_coordinator = coordinator
            episode.assigned_nurse = nurse
            episode.save(update_fields=["assigned_coordinator", "assigned_nurse"])


@pytest.mark.parametrize("url", ["/api/episodes/", "/api/episodes/?state=selection"])
def test_the_episode_list_costs_the_same_for_3_or_30_episodes(
    url, coordinator, nurse, as_nurse, django_assert_max_num_queries
):
    _add_episodes(3, coordinator, nurse)
    few, page = _cost(as_nurse, url, LIST_BUDGET, django_assert_max_num_queries)
    assert page["count"] == 3

    _add_episodes(27, coordinator, nurse)
    many, page = _cost(as_nurse, url, LIST_BUDGET, django_assert_max_num_queries)
    assert page["count"] == 30 and len(page["results"]) == 30

    assert many == few


@pytest.mark.parametrize("url", ["/api/patients/", "/api/patients/?search=okaf"])
def test_the_patient_list_costs_the_same_for_3_or_30_patients(
    url, coordinator, nurse, as_nurse, django_assert_max_num_queries
):
    _add_episodes(3, coordinator, nurse)  # patients with an episode each
    few, page = _cost(as_nurse, url, LIST_BUDGET, django_assert_max_num_queries)
    assert page["count"] == 3

    f.PatientFactory.create_batch(27, family_name="Okafor")
    many, page = _cost(as_nurse, url, LIST_BUDGET, django_assert_max_num_queries)
    assert page["count"] == 30 and len(page["results"]) == 30

    assert many == few


def _postpone_and_rebook(episode, coordinator, times: int) -> None:
    """Lengthen the history: postpone the procedure and book it again, with a new duplex each
    time, `times` times; the episode ends where it began, in procedure."""
    for _ in range(times):
        services.episode_transition(
            episode_id=episode.id, name="postpone", actor=coordinator, reason="Theatre list full."
        )
        f.record_imaging(coordinator, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
        services.episode_transition(
            episode_id=episode.id, name="schedule_procedure", actor=coordinator
        )


@pytest.mark.parametrize(
    ("tail", "budget"),
    [("", EPISODE_BUDGET), ("history/", HISTORY_BUDGET)],
    ids=["detail", "history"],
)
def test_an_episode_with_a_long_history_costs_no_more_to_read(
    tail, budget, coordinator, as_nurse, django_assert_max_num_queries
):
    episode = f.episode_in(State.PROCEDURE, coordinator)
    url = s.episode_url(episode.id, tail)
    short, _ = _cost(as_nurse, url, budget, django_assert_max_num_queries)

    _postpone_and_rebook(episode, coordinator, times=12)
    long, body = _cost(as_nurse, url, budget, django_assert_max_num_queries)

    moves = body if tail else s.ok(as_nurse.get(s.episode_url(episode.id, "history/")))
    assert len(moves) == 4 + 24
    if not tail:
        assert body["state"] == "procedure"
        assert len(body["records"]["imaging_studies"]) == 2 + 12
    assert long == short
