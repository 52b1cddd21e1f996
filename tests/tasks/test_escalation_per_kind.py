"""A missed INR check is escalated sooner (pathway.md section 6): the coordinator hears of it 3
days after its window closes, of a duplex or a review after the unit's 14; each kind's delay is
a setting, and every user of the delay reads the kind's."""

import datetime as dt
import json

import pytest

from tasks import services
from tasks.models import Alert, FollowUp, ScheduleRule, UnitSettings
from tests.factories import UserFactory
from tests.tasks.support import discharge, sweep_on

pytestmark = pytest.mark.django_db
D = dt.date


def the(episode, kind, due_on) -> FollowUp:
    return FollowUp.objects.get(episode=episode, kind=kind, due_on=due_on)


def escalated(follow_up, coordinator) -> bool:
    return Alert.objects.filter(
        follow_up=follow_up, kind="escalation", recipient=coordinator
    ).exists()


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_a_missed_inr_check_reaches_the_coordinator_three_days_after_its_window_a_duplex_fourteen(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    inr = the(episode, "inr_check", D(2024, 2, 10))  # window closes 13 Feb
    duplex = the(episode, "duplex", D(2024, 2, 14))  # window closes 21 Feb

    sweep_on(clock, D(2024, 2, 16))
    assert not escalated(inr, coordinator)
    sweep_on(clock, D(2024, 2, 17))
    assert escalated(inr, coordinator)

    sweep_on(clock, D(2024, 3, 6))
    assert not escalated(duplex, coordinator)
    sweep_on(clock, D(2024, 3, 7))
    assert escalated(duplex, coordinator)


def test_a_kind_without_a_delay_of_its_own_takes_the_units(coordinator, nurse, clock):
    ScheduleRule.objects.filter(kind="inr_check").update(escalation_days=None)
    episode = discharge(coordinator, clock)
    inr = the(episode, "inr_check", D(2024, 2, 10))

    sweep_on(clock, D(2024, 2, 27))
    assert not escalated(inr, coordinator)
    sweep_on(clock, D(2024, 2, 28))  # 14 days after the window closed on 13 Feb
    assert escalated(inr, coordinator)


def test_the_units_new_delay_re_dates_only_the_kinds_without_one_of_their_own(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 22))  # both overdue, neither escalated yet
    duplex = the(episode, "duplex", D(2024, 2, 14))
    inr = the(episode, "inr_check", D(2024, 2, 17))  # window closed 20 Feb
    assert (duplex.next_alert_on, inr.next_alert_on) == (D(2024, 3, 7), D(2024, 2, 24))

    unit = UnitSettings.current()
    unit.escalation_days = 7
    services.unit_settings_save(unit=unit)

    duplex.refresh_from_db()
    inr.refresh_from_db()
    assert (duplex.next_alert_on, inr.next_alert_on) == (D(2024, 2, 29), D(2024, 2, 24))


def test_a_shorter_delay_for_inr_checks_set_in_the_admin_is_heard_sooner(
    coordinator, nurse, staff_client, clock
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 21))
    inr = the(episode, "inr_check", D(2024, 2, 17))  # window closed 20 Feb: overdue
    rule = ScheduleRule.objects.get(kind="inr_check")
    assert staff_client.get("/admin/tasks/schedulerule/").content.count(b"escalation") >= 1

    page = staff_client.post(
        f"/admin/tasks/schedulerule/{rule.id}/change/",
        {
            "kind": rule.kind,
            "anchor": rule.anchor,
            "first_offsets": json.dumps(rule.first_offsets),
            "then_every": rule.then_every,
            "window_days": rule.window_days,
            "escalation_days": 1,
            "vka_only": "on",
            "active": "on",
        },
    )

    assert page.status_code == 302, page.content
    inr.refresh_from_db()
    assert inr.next_alert_on == D(2024, 2, 22)
    sweep_on(clock, D(2024, 2, 22))
    assert escalated(inr, coordinator)


def test_the_unit_settings_page_edits_the_stall_limits_and_the_delay_through_the_service(
    coordinator, nurse, staff_client, clock
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, D(2024, 2, 22))
    duplex = the(episode, "duplex", D(2024, 2, 14))
    url = f"/admin/tasks/unitsettings/{UnitSettings.current().pk}/change/"
    form = staff_client.get(url).content.decode()
    for name in (
        "stalled_mdt_defer_days",
        "stalled_imaging_days",
        "stalled_procedure_days",
        "thrombophilia_pending_days",
    ):
        assert f'name="{name}"' in form

    page = staff_client.post(
        url,
        {
            "horizon_months": 60,
            "escalation_days": 7,
            "digest_hour": 8,
            "default_inr_low": "2.0",
            "default_inr_high": "3.0",
            "urgent_escalation_hours": 24,
            "stalled_mdt_defer_days": 10,
            "stalled_imaging_days": 21,
            "stalled_procedure_days": 5,
            "thrombophilia_pending_days": 60,
            "bulk_export_expiry_hours": 24,  # the FHIR export files' (issue 20)
        },
    )

    assert page.status_code == 302, page.content
    unit = UnitSettings.current()
    assert (unit.stalled_mdt_defer_days, unit.stalled_imaging_days) == (10, 21)
    assert (unit.stalled_procedure_days, unit.thrombophilia_pending_days) == (5, 60)
    duplex.refresh_from_db()
    assert duplex.next_alert_on == D(2024, 2, 29)  # re-dated by unit_settings_save
