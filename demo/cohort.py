"""The first-run demo: one user per role and a small cohort across the pathway, three of them
discharged 10, 45 and 200 days ago so that follow-ups are due and overdue."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core.roles import ROLES
from demo.synthetic.cohort import history_withhold, mrn_prefix
from demo.walk import days_ago, record_mdt, record_selection, walk_to
from pathway import services
from patients.models import Patient
from tasks.models import Delivery, UnitSettings
from tasks.services import SweepResult, followups_sweep

DEMO_USERS = {"coordinator": "demo-coordinator", "nurse": "demo-nurse", "admin": "demo-admin"}
DEMO_MRN = "DEMO"
COHORT = [
    ("selection", None),
    ("selection", "late"),
    ("mdt_discussion", None),
    ("mdt_discussion", None),
    ("imaging", None),
    ("procedure", None),
    ("post_op", None),
    ("surveillance", 200),
    ("surveillance", 45),
    ("surveillance", 10),
    ("mdt_discussion", "exclude"),
    ("selection", "withdraw"),
]
NAMES = [
    ("Ada", "Hughes"),
    ("Ben", "Okafor"),
    ("Chloe", "Martin"),
    ("Dev", "Patel"),
    ("Elena", "Rossi"),
    ("Femi", "Adeyemi"),
    ("Grace", "Lee"),
    ("Hugo", "Schmidt"),
    ("Iris", "Novak"),
    ("Jon", "Evans"),
    ("Kira", "Tanaka"),
    ("Luis", "Garcia"),
]


def _demo_password(user) -> str:
    """A random password that passes the password rules for this user: a random one is, now
    and then, refused (one was "too similar to the username" in a run of the suite)."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            password_validation.validate_password(password, user)
        except ValidationError:
            continue
        return password


def demo_users_reset() -> dict[str, str]:
    """Create (or reset) one demo user per role; return username -> new password."""
    User = get_user_model()
    passwords = {}
    for role in ROLES:
        username = DEMO_USERS[role]
        user, _ = User.objects.get_or_create(username=username)
        user.email = f"{username}@unit.example"  # the console email backend shows their alerts
        password = _demo_password(user)
        user.set_password(password)
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        passwords[username] = password
    return passwords


def database_empty() -> bool:
    """The first run: no patient at all yet (the synthetic cohort is loaded only then)."""
    return not Patient.objects.exists()


@transaction.atomic
def demo_cohort_load() -> tuple[int, int]:
    """Load the demo cohort once (three patients discharged 10, 45 and 200 days ago, so their
    follow-ups are due or overdue); return how many episodes and alerts were created."""
    if Patient.objects.filter(mrn__startswith=DEMO_MRN).exists():
        return 0, 0
    actor = get_user_model().objects.get(username=DEMO_USERS["coordinator"])
    for i, ((state, twist), (given, family)) in enumerate(zip(COHORT, NAMES, strict=True)):
        patient = Patient.objects.create(
            mrn=f"{DEMO_MRN}{i + 1:04d}",
            given_name=given,
            family_name=family,
            birth_date=dt.date(1950 + 3 * i, 1 + i % 12, 1 + i),
            sex="female" if i % 2 == 0 else "male",
        )
        back_dated = days_ago(twist) if isinstance(twist, int) else None
        if twist == "late":
            back_dated = days_ago(1)  # referred yesterday, 18 days after the symptoms began
        episode = walk_to(actor, patient, state, on=back_dated)
        if twist == "late":
            record_selection(actor, episode, symptom_onset=days_ago(19), assessed_on=days_ago(1))
        elif twist == "exclude":
            record_mdt(actor, episode, decision="anticoagulation_alone")
            services.episode_transition(episode_id=episode.id, name="exclude", actor=actor)
        elif twist == "withdraw":
            services.episode_transition(
                episode_id=episode.id, name="withdraw", actor=actor, reason="Patient declined."
            )
    sweep = followups_sweep()
    history_withhold(patients=Q(mrn__startswith=DEMO_MRN))
    return len(COHORT), sweep.alerts


@transaction.atomic
def history_sweep(*, seed: int) -> SweepResult:
    """The first run's sweep after the synthetic cohort: it raises what that history owes
    today (overdue follow-ups escalated...), in the inbox; none is emailed at once."""
    sweep = followups_sweep()
    history_withhold(patients=Q(mrn__startswith=mrn_prefix(seed)))
    return sweep


def digest_owed(*, username: str = DEMO_USERS["nurse"]) -> tuple[int, int]:
    """How many routine alerts wait for the nurse's daily digest email, and the unit's digest
    hour, from which it goes out (once a day: the start of her shift, not any minute)."""
    owed = Delivery.objects.filter(
        digest=True, sent_at__isnull=True, alert__recipient__username=username
    ).count()
    return owed, UnitSettings.current().digest_hour
