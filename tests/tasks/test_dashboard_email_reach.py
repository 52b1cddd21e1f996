"""Alerts that reached nobody by email: the person alerted had no address, so the delivery was
marked sent with only the in-app inbox to show it. The admin's dashboard counts the open ones
and names every active user in a role without an address, in the same few queries."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from tasks.models import Delivery
from tasks.services import delivery
from tests.factories import UserFactory
from tests.tasks.support import at, discharge, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date


def _nurse_without_email():
    nurse = UserFactory(username="nora-no-mail", first_name="Nora", last_name="Quill")
    nurse.groups.add(Group.objects.get(name="nurse"))
    return nurse


def _digests_on(clock, day):
    clock.move_to(at(day, hour=9))  # after the unit's digest hour (08:00)
    delivery.digests_send()


def test_a_digest_for_a_nurse_without_an_address_is_marked_as_reaching_nobody(coordinator, clock):
    nurse = _nurse_without_email()
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))  # three follow-ups due: the nurse's digest

    _digests_on(clock, D(2024, 2, 7))

    mine = Delivery.objects.filter(alert__recipient=nurse)
    assert mine.count() == 3
    assert set(mine.values_list("last_error", flat=True)) == {delivery.NO_ADDRESS}
    assert all(mine.values_list("sent_at", flat=True))


def test_the_dashboard_counts_open_alerts_that_reached_nobody_by_email(
    client, coordinator, admin_user, clock
):
    _nurse_without_email()
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    _digests_on(clock, D(2024, 2, 7))
    client.force_login(admin_user)

    response = client.get("/dashboard/")

    assert response.context["unemailed"] == 3
    html = response.content.decode()
    assert "Reached nobody by email (the person alerted has no address): <strong>3" in html


def test_alerts_emailed_to_an_address_are_not_counted(client, coordinator, admin_user, clock):
    user_in("nurse", "nina")  # has an address
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    _digests_on(clock, D(2024, 2, 7))
    client.force_login(admin_user)

    assert Delivery.objects.filter(sent_at__isnull=False).count() == 3
    assert client.get("/dashboard/").context["unemailed"] == 0


def test_the_dashboard_names_the_active_users_in_a_role_without_an_address(client, admin_user):
    _nurse_without_email()
    user_in("coordinator", "cody")  # has an address
    UserFactory(username="gone-no-mail", is_active=False).groups.add(
        Group.objects.get(name="nurse")
    )
    UserFactory(username="no-role-no-mail")  # holds no role: gets no alerts
    UserFactory(username="root-no-mail", is_superuser=True)  # counts as an admin
    admin_user.email = "ada@unit.example"
    admin_user.save()
    client.force_login(admin_user)

    response = client.get("/dashboard/")

    named = [u["username"] for u in response.context["without_email"]]
    assert named == ["nora-no-mail", "root-no-mail"]
    html = response.content.decode()
    assert "2 active people have no email address" in html
    assert "Nora Quill (nora-no-mail)" in html


def test_with_every_address_given_the_dashboard_names_nobody(client, admin_user):
    admin_user.email = "ada@unit.example"
    admin_user.save()
    client.force_login(admin_user)

    response = client.get("/dashboard/")

    assert response.context["without_email"] == []
    assert 'id="without-email"' not in response.content.decode()


def test_the_api_dashboard_says_the_same(as_admin, coordinator, clock):
    _nurse_without_email()
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    _digests_on(clock, D(2024, 2, 7))

    body = as_admin.get("/api/dashboard/").json()

    assert body["unemailed_alerts"] == 3
    named = {u["username"] for u in body["users_without_email"]}
    assert named == {"nora-no-mail", "admin-1", "coordinator-1"}


def test_the_dashboard_page_costs_the_same_few_queries_with_many_users_without_email(
    client, coordinator, admin_user, clock, django_assert_max_num_queries
):
    for n in range(5):
        UserFactory(username=f"no-mail-{n}").groups.add(Group.objects.get(name="nurse"))
    discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 7))
    _digests_on(clock, D(2024, 2, 7))
    client.force_login(admin_user)

    with django_assert_max_num_queries(10):
        response = client.get("/dashboard/")
    assert len(response.context["without_email"]) == 7  # five nurses, the coordinator, the admin
