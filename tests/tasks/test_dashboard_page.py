"""The admin's dashboard page: today's counts in words, and where to change the unit's settings."""

import datetime as dt

import pytest

from tests.tasks.support import discharge, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date


def test_an_admin_sees_todays_counts(client, coordinator, nurse, admin_user, clock):
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    client.force_login(admin_user)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert ("Surveillance", 1, "/episodes/?state=surveillance") in response.context["by_state"]
    follow_ups = {label: n for label, n, _ in response.context["follow_ups"]}
    assert follow_ups["Due now (window open)"] == 3  # duplex, review and the first INR check
    assert {label: n for label, n, _ in response.context["alerts"]}["Due"] == 3
    assert response.context["unrouted"] == 0
    html = response.content.decode()
    assert "Patients by stage" in html and "Open follow-ups" in html and "Open alerts" in html
    assert "/admin/tasks/unitsettings/1/change/" in html
    assert 'href="/users/"' in html


def test_unrouted_alerts_are_counted(client, coordinator, admin_user, clock):
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))  # no nurse: the admins get the nurses' alerts
    client.force_login(admin_user)

    response = client.get("/dashboard/")

    assert response.context["unrouted"] == 3


@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_the_dashboard_is_for_admins_only(client, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get("/dashboard/").status_code == 403


def test_every_number_links_to_the_list_it_counts(client, coordinator, nurse, admin_user, clock):
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    client.force_login(admin_user)

    html = client.get("/dashboard/").content.decode()

    assert (
        '<a href="/episodes/?state=surveillance">1<span class="vh"> patient in '
        "Surveillance: open the list</span></a>"
    ) in html
    assert (
        '<a href="/inbox/">3<span class="vh"> follow-ups due now (window open): open the '
        "inbox</span></a>"
    ) in html
    assert '<a href="/inbox/">3<span class="vh"> due alerts: open the inbox</span></a>' in html
    worklist = client.get("/episodes/?state=surveillance")
    assert worklist.status_code == 200  # an admin may open the list the number links to
    assert client.get("/inbox/").status_code == 200
