"""Thin pages: each record writer says where it is open and which move relies on it, and the
page and the API read that instead of their own tables; a move's rules are judged once per
request (the page posting a move leaves them to the move service)."""

import pytest
from django.urls import reverse

from core.errors import Conflict
from pathway import api, machine, services
from pathway.codes import ACTIVE, State
from pathway.forms.records import RECORD_FORMS
from tests.factories import PatientFactory, days_ago, episode_in, open_episode, walk_to
from tests.pathway.test_episode_page import move_code, signed_in

pytestmark = pytest.mark.django_db


def test_every_record_form_has_a_writer_open_where_the_page_offers_it():
    assert set(RECORD_FORMS) <= set(services.WRITERS)
    for writer in services.WRITERS.values():
        assert set(writer.offered) <= set(writer.open_in) <= set(ACTIVE)
        if writer.relied_on_by is not None:
            assert machine.by_name(writer.relied_on_by) is not None


def test_each_record_endpoint_replaces_a_single_record_and_adds_the_others():
    for view in api.RECORD_VIEWS:
        assert view.writer().single is issubclass(view, api.ReplaceApi), view.__name__


def test_a_record_changed_after_the_move_that_relied_on_it_asks_for_a_reason_from_then_on():
    selection = services.WRITERS["selection"]
    assert not selection.relied_on_in(State.SELECTION)
    assert selection.relied_on_in(State.MDT_DISCUSSION)
    assert selection.relied_on_in(State.SURVEILLANCE)
    plan = services.WRITERS["discharge_plan"]
    assert not plan.relied_on_in(State.POST_OP) and plan.relied_on_in(State.SURVEILLANCE)
    assert not services.WRITERS["imaging"].relied_on_in(State.SURVEILLANCE)


def test_the_service_refuses_a_record_where_its_writer_is_not_open(coordinator):
    episode = episode_in(State.IMAGING, coordinator)
    assert State.IMAGING not in services.WRITERS["mdt"].open_in
    with pytest.raises(Conflict):
        services.mdt_decision_add(
            actor=coordinator,
            episode_id=episode.id,
            date=days_ago(0),
            attendees=["x"],
            decision="thrombectomy",
        )


@pytest.fixture
def judged(monkeypatch):
    """The names of the moves whose rules were judged, once per judgement."""
    names = []
    unmet = machine.Move.unmet

    def spy(move, episode):
        names.append(move.name)
        return unmet(move, episode)

    monkeypatch.setattr(machine.Move, "unmet", spy)
    return names


def test_the_page_judges_each_move_leaving_the_stage_once(client, coordinator, judged):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP, on=days_ago(5))
    judged.clear()  # the walk's own moves
    signed_in(client, coordinator).get(reverse("episode-page", args=[episode.id]))
    leaving = [m.name for m in machine.moves_from(State.POST_OP)]
    assert sorted(judged) == sorted(leaving)


def test_posting_a_move_judges_only_that_move_and_only_in_the_service(client, coordinator, judged):
    episode = open_episode(coordinator)
    c = signed_in(client, coordinator)
    judged.clear()
    r = c.post(
        reverse("episode-move", args=[episode.id]), {"transition": move_code("refer_to_mdt")}
    )
    assert r.status_code == 302
    assert judged == ["refer_to_mdt"]  # refused by the rules, judged by the service alone
