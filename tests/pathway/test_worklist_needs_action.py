"""The worklist opens on what needs action: an urgent result nobody has acknowledged, a stalled
wait, a follow-up overdue or due, then the work-up (selection to post-op), and only then the
patients long in surveillance who are merely ready to finish. A search looks in every tab,
says where each match lies, and ignores accents and case ("zoe" finds Zoë)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from pathway.codes import State
from pathway.selectors.worklist import Need
from tasks import services as task_services
from tasks.models import FollowUp
from tests.factories import PatientFactory, days_ago, open_episode, walk_to

pytestmark = pytest.mark.django_db
URL = "/episodes/"


@pytest.fixture
def web(client, coordinator):
    client.force_login(coordinator)
    return client


def rows(response):
    return response.context["data"].rows


def families(response):
    return [r.patient.family_name for r in rows(response)]


def in_surveillance(coordinator, family_name, *, since_days):
    return walk_to(
        coordinator,
        PatientFactory(family_name=family_name),
        State.SURVEILLANCE,
        on=days_ago(since_days),
    )


def all_follow_ups_done(episode):
    """Years into surveillance every visit so far is behind the patient: nothing owed."""
    FollowUp.objects.filter(episode=episode).update(cancelled_at=timezone.now())


def test_todays_work_comes_before_surveillance_patients_merely_ready(web, coordinator, nurse):
    for n in range(3):  # the longest waiting of all, and nothing to do but finish one day
        all_follow_ups_done(in_surveillance(coordinator, f"Ready{n}", since_days=1500 + n))
    open_episode(coordinator, PatientFactory(family_name="Selection"))
    walk_to(coordinator, PatientFactory(family_name="Mdt"), State.MDT_DISCUSSION, on=days_ago(2))
    in_surveillance(coordinator, "Overdue", since_days=60)
    walk_to(coordinator, PatientFactory(family_name="Stalled"), State.IMAGING, on=days_ago(20))
    task_services.stalled_episodes_alert(today=days_ago(0))
    urgent = in_surveillance(coordinator, "Urgent", since_days=8)
    inr = urgent.follow_ups.filter(kind="inr_check").order_by("due_on").first()
    task_services.followup_record_result(
        actor=nurse, follow_up_id=inr.id, performed_on=days_ago(0), inr=Decimal("6.2")
    )

    response = web.get(URL)

    order = families(response)
    assert order[:3] == ["Urgent", "Stalled", "Overdue"]
    assert set(order[3:5]) == {"Selection", "Mdt"}
    assert order[5:] == ["Ready2", "Ready1", "Ready0"]  # the longest in their stage first
    needs = {r.patient.family_name: r.need_words for r in rows(response)}
    assert needs["Urgent"] == "Urgent result to acknowledge"
    assert needs["Stalled"] == "Stalled"
    assert needs["Overdue"] == "Follow-up overdue"
    assert needs["Selection"] == "Blocked"  # no selection assessment yet
    assert needs["Ready0"] == ""
    html = response.content.decode()
    assert "what needs action first" in html and "Follow-up overdue" in html


def test_an_acknowledged_urgent_result_no_longer_leads(web, coordinator, nurse):
    urgent = in_surveillance(coordinator, "Urgent", since_days=8)
    inr = urgent.follow_ups.filter(kind="inr_check").order_by("due_on").first()
    task_services.followup_record_result(
        actor=nurse, follow_up_id=inr.id, performed_on=days_ago(0), inr=Decimal("6.2")
    )
    [row] = rows(web.get(URL))
    assert row.need == Need.URGENT

    for alert in urgent.alerts.filter(kind="urgent_result"):
        task_services.alert_acknowledge(actor=alert.recipient, alert_id=alert.id)

    [row] = rows(web.get(URL))
    assert row.need != Need.URGENT


def test_a_follow_up_whose_window_is_open_is_due(web, coordinator):
    in_surveillance(coordinator, "Due", since_days=5)  # the first INR check: day 7 ± 3

    [row] = rows(web.get(URL))

    assert row.need_words == "Follow-up due"


# --- search across tabs ---------------------------------------------------------------------
def test_a_search_from_a_state_tab_looks_in_every_tab_and_says_where_the_match_lies(
    web, coordinator
):
    in_surveillance(coordinator, "Okonkwo", since_days=30)
    open_episode(coordinator, PatientFactory(family_name="Brown"))

    posted = web.post(f"{URL}?state=selection&mine=on", {"q": "okonkwo"})

    assert posted["Location"] == f"{URL}?mine=on"  # the tab is not kept, the filters are
    response = web.get(URL)  # (mine=on would hide her: she is nobody's yet)
    assert families(response) == ["Okonkwo"]
    html = response.content.decode()
    assert "The search matches" in html and "1 in Surveillance" in html
    assert "in Surveillance</td>" in html
    assert "No episode matches" not in html


def test_a_tab_without_the_match_points_to_where_it_lies(web, coordinator):
    in_surveillance(coordinator, "Okonkwo", since_days=30)
    web.post(URL, {"q": "okonkwo"})

    response = web.get(URL, {"state": "selection"})

    assert rows(response) == []
    html = response.content.decode()
    assert "No match in Selection" in html
    assert '<a href="?state=surveillance">1 in Surveillance</a>' in html


def test_a_search_finds_closed_episodes_too(web, coordinator):
    from tests.factories import EpisodeFactory

    EpisodeFactory(patient=PatientFactory(family_name="Gone"), state=State.COMPLETED)
    web.post(URL, {"q": "gone"})

    response = web.get(URL)

    assert families(response) == ["Gone"]
    assert "1 in Completed" in response.content.decode()


def test_nothing_anywhere_is_said_so(web, coordinator):
    open_episode(coordinator)
    web.post(URL, {"q": "nobody"})

    html = web.get(URL).content.decode()

    assert "No episode in any state matches the search." in html


@pytest.mark.parametrize("typed", ["zoe", "ZOE", "Zoë", "angstrom", "ÅNGSTRÖM", "ang"])
def test_a_search_ignores_accents_and_case(web, coordinator, typed):
    open_episode(coordinator, PatientFactory(given_name="Zoë", family_name="Ångström"))
    open_episode(coordinator, PatientFactory(given_name="Zola", family_name="Brown"))

    web.post(URL, {"q": typed})

    assert families(web.get(URL)) == ["Ångström"]


def test_a_short_word_still_starts_a_name_whatever_its_accents(web, coordinator):
    open_episode(coordinator, PatientFactory(given_name="Émile", family_name="Zoëlle"))
    open_episode(coordinator, PatientFactory(given_name="Ann", family_name="Lemaire"))

    web.post(URL, {"q": "em"})

    assert families(web.get(URL)) == ["Zoëlle"]  # "Lemaire" has "em" inside, not at the start
