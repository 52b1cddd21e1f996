"""The first `make run` (load_demo on an empty database) loads years of history. Its alerts wait
in the inboxes, but none is news: no email is owed at once for any of them (the coordinator got
548 emails, 509 of them urgent, for synthetic results years old), each saying why. The nurse,
whose inbox holds due and overdue alerts, gets them in her daily digest at the digest hour."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

from demo.cohort import DEMO_USERS
from demo.synthetic.cohort import HISTORY
from tasks import selectors, services
from tasks.models import Alert, Delivery, UnitSettings
from tests.module_rows import rows_for_the_module

pytestmark = pytest.mark.django_db


def at_hour(hour: int) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=5, second=0, microsecond=0)


def _load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", cohort=40, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _loaded_rows(django_db_setup, django_db_blocker, _app_role):
    """The first run, made once for the module's tests (each undoes its own writes)."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        yield from rows_for_the_module(django_db_blocker, _load_demo)


@pytest.fixture
def loaded(_loaded_rows, db):
    return _loaded_rows


def test_the_first_run_owes_no_email_at_once_and_its_alerts_wait_in_the_inbox(loaded):
    immediate = Delivery.objects.filter(digest=False)
    withheld = immediate.filter(last_error=HISTORY)
    coordinator = get_user_model().objects.get(username=DEMO_USERS["coordinator"])

    assert not immediate.filter(sent_at__isnull=True).exists()  # nothing for a worker to send
    assert withheld.count() == immediate.count() > 0
    assert withheld.filter(alert__kind=Alert.Kind.URGENT_RESULT).exists()
    assert withheld.filter(alert__kind=Alert.Kind.ESCALATION).exists()
    assert not services.deliveries_requeue_stale(now=timezone.now() + dt.timedelta(hours=1))
    inbox = list(selectors.alert_inbox(actor=coordinator))
    assert inbox and {a.delivery.last_error for a in inbox} == {HISTORY}


def found_on(alert: Alert) -> dt.date:
    if alert.postop_check_id:
        return timezone.localdate(alert.postop_check.at)
    return (alert.follow_up or alert.visit).performed_on


def test_only_recent_urgent_findings_of_the_history_are_left_to_escalate(loaded):
    """Older ones were seen at the time: else, a day after the first run, every coordinator
    and admin would be emailed an escalation of a post-op finding years old."""
    unseen = Alert.objects.filter(kind=Alert.Kind.URGENT_RESULT, acknowledged_at__isnull=True)
    recent = timezone.localdate() - dt.timedelta(days=2)

    assert [
        a.id
        for a in unseen.select_related("postop_check", "follow_up", "visit")
        if found_on(a) < recent
    ] == []


def test_the_nurse_gets_her_due_alerts_in_one_digest_at_the_digest_hour(loaded, mailoutbox):
    users = get_user_model().objects.filter(username__in=DEMO_USERS.values())
    nurse = users.get(username=DEMO_USERS["nurse"])
    owed = Delivery.objects.filter(
        digest=True, sent_at__isnull=True, alert__recipient=nurse
    ).count()
    hour = UnitSettings.current().digest_hour

    assert all(user.email for user in users)
    assert owed > 0
    assert f"wait for her daily digest email, sent from {hour:02d}:00" in loaded
    assert services.digests_send(now=at_hour(hour - 1)) == 0  # not before the digest hour

    assert services.digests_send(now=at_hour(hour)) == owed

    (digest,) = mailoutbox
    assert digest.to == [nurse.email]
    assert digest.body.count("/episodes/") == digest.body.count("- Episode ")
    assert not Delivery.objects.filter(digest=True, sent_at__isnull=True).exists()
