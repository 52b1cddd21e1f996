"""Alerts that cannot be missed (pathway.md section 4): every alert reaches someone, an urgent
result nobody acknowledges is escalated once, and alerts of a follow-up that was completed or
cancelled leave every inbox, saying why."""

import datetime as dt

import pytest

from tasks import services
from tasks.models import Alert, Delivery, FollowUp, UnitSettings
from tasks.selectors import alert_inbox
from tests.factories import UserFactory
from tests.tasks.support import at, days, discharge, move, sweep_on, user_in

pytestmark = pytest.mark.django_db
D = dt.date
TWO_WEEKS = D(2024, 2, 14)  # the 2-week duplex of the patient discharged by support.discharge
OPENS, OVERDUE = D(2024, 2, 7), D(2024, 2, 22)


def the(episode, kind: str, due: dt.date) -> FollowUp:
    return episode.follow_ups.get(kind=kind, due_on=due)


def inbox(user) -> list[tuple]:
    return [(a.follow_up_id, a.kind) for a in alert_inbox(actor=user)]


# --- every alert reaches someone --------------------------------------------------------------
def test_with_no_nurse_in_the_unit_the_due_alert_goes_to_the_admins_marked_unrouted(
    coordinator, admin_user, clock
):
    episode = discharge(coordinator, clock)
    duplex = the(episode, "duplex", TWO_WEEKS)

    sweep_on(clock, OPENS)

    alert = Alert.objects.get(follow_up=duplex, kind="due")
    assert (alert.recipient, alert.unrouted) == (admin_user, True)
    assert (duplex.id, "due") in inbox(admin_user)


def test_an_inactive_nurse_does_not_swallow_the_alert(coordinator, admin_user, clock):
    user_in("nurse", "left-the-unit", is_active=False)
    episode = discharge(coordinator, clock)

    sweep_on(clock, OPENS)

    due = Alert.objects.filter(follow_up=the(episode, "duplex", TWO_WEEKS), kind="due")
    assert [(a.recipient, a.unrouted) for a in due] == [(admin_user, True)]


def test_a_nurse_in_the_role_gets_the_alert_and_it_is_routed(coordinator, nurse, admin_user, clock):
    episode = discharge(coordinator, clock)
    sweep_on(clock, OPENS)
    alert = Alert.objects.get(follow_up=the(episode, "duplex", TWO_WEEKS), kind="due")
    assert (alert.recipient, alert.unrouted) == (nurse, False)


def test_with_nobody_to_tell_the_sweep_keeps_the_alert_owed_until_someone_can_be_told(
    coordinator, clock
):
    """The defect: with no active nurse the sweep moved past the due and overdue stages and
    the alerts were never raised for anyone. Now, with neither a nurse nor an admin, the alert
    stays owed, and the first sweep after a nurse joins raises it for her."""
    episode = discharge(coordinator, clock)
    duplex = the(episode, "duplex", TWO_WEEKS)

    sweep_on(clock, OPENS)
    sweep_on(clock, OVERDUE)
    assert not Alert.objects.filter(follow_up=duplex, kind__in=["due", "overdue"]).exists()
    duplex.refresh_from_db()
    assert duplex.alert_stage == 0 and duplex.next_alert_on <= OVERDUE

    nurse = user_in("nurse", "new-nurse")
    sweep_on(clock, OVERDUE, hour=10)

    assert Alert.objects.get(follow_up=duplex, kind="overdue").recipient == nurse
    duplex.refresh_from_db()
    assert duplex.alert_stage == 2


def test_an_escalation_reaches_the_coordinator_even_while_the_overdue_alert_waits_for_a_nurse(
    coordinator, clock
):
    episode = discharge(coordinator, clock)
    duplex = the(episode, "duplex", TWO_WEEKS)

    sweep_on(clock, OVERDUE + days(14))

    assert [a.kind for a in Alert.objects.filter(follow_up=duplex)] == ["escalation"]
    sweep_on(clock, OVERDUE + days(14), hour=10)  # and not twice
    assert Alert.objects.filter(follow_up=duplex).count() == 1


# --- urgent results nobody acknowledges ---------------------------------------------------------
def _occluded(nurse, episode, clock):
    duplex = the(episode, "duplex", TWO_WEEKS)
    clock.move_to(at(TWO_WEEKS))
    services.followup_record_result(
        actor=nurse,
        follow_up_id=duplex.id,
        performed_on=TWO_WEEKS,
        segments=[{"segment": "left_common_iliac", "result": "occluded"}],
    )
    return duplex


def test_an_urgent_result_nobody_acknowledges_is_escalated_once_after_24_hours(
    coordinator, nurse, admin_user, clock
):
    other = user_in("coordinator", "second-coordinator")
    episode = discharge(coordinator, clock)
    duplex = _occluded(nurse, episode, clock)
    urgent = list(Alert.objects.filter(follow_up=duplex, kind="urgent_result"))
    assert {a.recipient for a in urgent} == {coordinator, other}

    clock.move_to(at(TWO_WEEKS, hour=8) + dt.timedelta(days=1))  # 23 hours later
    assert services.followups_sweep().escalations == 0
    clock.move_to(at(TWO_WEEKS, hour=10) + dt.timedelta(days=1))  # 25 hours later
    assert services.followups_sweep().escalations == 3

    escalations = Alert.objects.filter(kind="escalation", escalates__isnull=False)
    assert {a.recipient for a in escalations} == {coordinator, other, admin_user}
    assert {a.escalates_id for a in escalations} <= {a.id for a in urgent}
    assert all(a.follow_up_id == duplex.id for a in escalations)
    assert not Delivery.objects.filter(alert__in=escalations, digest=True).exists()

    clock.move_to(at(TWO_WEEKS, hour=10) + dt.timedelta(days=3))
    assert services.followups_sweep().escalations == 0
    assert escalations.count() == 3


def test_an_urgent_result_acknowledged_in_time_is_not_escalated(
    coordinator, nurse, admin_user, clock
):
    episode = discharge(coordinator, clock)
    duplex = _occluded(nurse, episode, clock)
    urgent = Alert.objects.get(follow_up=duplex, kind="urgent_result")
    services.alert_acknowledge(actor=coordinator, alert_id=urgent.id)

    clock.move_to(at(TWO_WEEKS) + dt.timedelta(days=2))
    services.followups_sweep()

    assert not Alert.objects.filter(kind="escalation").exists()


def test_the_unit_sets_how_long_an_urgent_result_may_wait(coordinator, nurse, admin_user, clock):
    unit = UnitSettings.current()
    unit.urgent_escalation_hours = 4
    services.unit_settings_save(unit=unit)
    episode = discharge(coordinator, clock)
    _occluded(nurse, episode, clock)

    clock.move_to(at(TWO_WEEKS, hour=14))  # five hours later
    assert services.followups_sweep().escalations == 2  # the coordinator and the admin


# --- completing or cancelling resolves the alerts ---------------------------------------------
def test_completing_a_follow_up_takes_its_alerts_out_of_every_inbox_saying_why(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    duplex = the(episode, "duplex", TWO_WEEKS)
    sweep_on(clock, OPENS)
    assert (duplex.id, "due") in inbox(nurse)

    clock.move_to(at(TWO_WEEKS))
    services.followup_record_result(
        actor=nurse,
        follow_up_id=duplex.id,
        performed_on=TWO_WEEKS,
        segments=[{"segment": "left_common_iliac", "result": "patent"}],
    )

    assert (duplex.id, "due") not in inbox(nurse)
    alert = Alert.objects.get(follow_up=duplex, kind="due")
    assert alert.resolved_at is not None and "completed" in alert.resolved_reason
    assert alert.acknowledged_at is None  # nobody acknowledged it: it was resolved


def test_an_exit_resolves_the_open_alerts_and_an_admin_correction_brings_them_back(
    coordinator, nurse, admin_user, clock
):
    episode = discharge(coordinator, clock)
    duplex = the(episode, "duplex", TWO_WEEKS)
    sweep_on(clock, OPENS)

    withdrawn = move(coordinator, episode, "withdraw", reason="Moved abroad.")
    withdraw = withdrawn.history.get(name="withdraw")
    alert = Alert.objects.get(follow_up=duplex, kind="due")
    assert (alert.resolved_by, inbox(nurse)) == (withdraw, [])
    assert "withdraw" in alert.resolved_reason

    move(admin_user, episode, "correct", reason="Withdrawn in error.")
    alert.refresh_from_db()
    assert alert.resolved_at is None
    assert (duplex.id, "due") in inbox(nurse)


def test_an_urgent_result_stays_in_the_inbox_when_its_follow_up_is_completed(
    coordinator, nurse, clock
):
    episode = discharge(coordinator, clock)
    duplex = _occluded(nurse, episode, clock)
    assert (duplex.id, "urgent_result") in inbox(coordinator)


# --- the inbox says who, which test and when ----------------------------------------------------
def test_the_inbox_names_the_patient_the_test_and_the_date_in_a_fixed_number_of_queries(
    coordinator, nurse, clock, as_nurse, django_assert_max_num_queries
):
    for _ in range(3):
        discharge(coordinator, clock)
    sweep_on(clock, OPENS)

    with django_assert_max_num_queries(6):
        rows = as_nurse.get("/api/alerts/").json()

    assert len(rows) == 3 * 3  # the 2-week duplex and review, and the first INR check, of each
    row = next(r for r in rows if r["follow_up_kind"] == "duplex")
    assert row["patient_name"] and row["mrn"]
    assert row["subject"] == f"Duplex ultrasound due {TWO_WEEKS.isoformat()}"
    assert row["due_on"] == TWO_WEEKS.isoformat()
    assert row["unrouted"] is False


def test_a_user_in_no_role_is_never_an_alert_recipient(coordinator, admin_user, clock):
    UserFactory(username="no-role")
    episode = discharge(coordinator, clock)
    sweep_on(clock, OPENS)
    recipients = set(
        Alert.objects.filter(episode=episode).values_list("recipient__username", flat=True)
    )
    assert recipients == {admin_user.username}


def test_a_digest_does_not_list_an_alert_resolved_before_it_went_out(
    coordinator, clock, mailoutbox
):
    nurse = user_in("nurse", "ward-nurse")  # with an email address
    episode = discharge(coordinator, clock)
    duplex = the(episode, "duplex", TWO_WEEKS)
    sweep_on(clock, OPENS, hour=6)  # before the 08:00 digest
    services.followup_record_result(
        actor=nurse,
        follow_up_id=duplex.id,
        performed_on=OPENS,
        segments=[{"segment": "left_common_iliac", "result": "patent"}],
    )

    clock.move_to(at(OPENS, hour=9))
    services.digests_send()

    assert len(mailoutbox) == 1
    assert "Duplex" not in mailoutbox[0].body
    assert "review" in mailoutbox[0].body


def test_the_dashboard_counts_unrouted_alerts_and_not_resolved_ones(
    coordinator, admin_user, clock, as_admin
):
    episode = discharge(coordinator, clock)
    sweep_on(clock, OPENS)  # no nurse: the three due alerts go to the admin, unrouted
    body = as_admin.get("/api/dashboard/").json()
    assert (body["open_alerts"]["due"], body["unrouted_alerts"]) == (3, 3)

    move(coordinator, episode, "withdraw", reason="Moved abroad.")

    body = as_admin.get("/api/dashboard/").json()
    assert (body["open_alerts"]["due"], body["unrouted_alerts"]) == (0, 0)
