"""A demo cohort: real episodes walked along the pathway through the services, every guard met
on the way, so what a first run shows is what the rules allow. Also used by the tests."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.roles import ROLES
from pathway import services
from pathway.codes import State
from pathway.models import Episode
from patients.models import Patient
from tasks.services import followups_sweep


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def record_selection(actor, episode, **overrides):
    data = dict(
        assessed_on=days_ago(2),
        symptom_onset=days_ago(7),
        indications=["severe_swelling", "high_pts_risk"],
        contraindications=[],
        fit_for_procedure=True,
        thrombus_segments=["left_common_iliac", "left_external_iliac", "ivc"],
        pe_suspected=False,
        symptom_window_override=None,
    )
    data.update(overrides)
    return services.selection_record(actor=actor, episode_id=episode.id, **data)


def record_mdt(actor, episode, **overrides):
    data = dict(
        date=days_ago(1),
        attendees=[
            "vascular_surgeon",
            "interventional_radiologist",
            "haematologist",
            "anaesthetist",
        ],
        decision="proceed",
        rationale="Extensive iliocaval DVT, high PTS risk.",
    )
    data.update(overrides)
    return services.mdt_decision_add(actor=actor, episode_id=episode.id, **data)


def record_imaging(actor, episode, modality, **overrides):
    data = dict(modality=modality, date=days_ago(0), ivc_anomaly=False, ivc_filter=False)
    data.update(overrides)
    return services.imaging_study_add(actor=actor, episode_id=episode.id, **data)


def record_anticoagulation(actor, episode, **overrides):
    data = dict(agent="ufh_infusion", started_at=timezone.now() - dt.timedelta(hours=6))
    data.update(overrides)
    return services.anticoagulation_record(actor=actor, episode_id=episode.id, **data)


def record_procedure(actor, episode, **overrides):
    data = dict(
        date=days_ago(0),
        access=[{"vein": "popliteal", "side": "left", "ultrasound_guided": True}],
        technique="pharmacomechanical",
        device="AngioJet",
        thrombolytic_agent="alteplase",
        thrombolytic_dose=Decimal("10"),
        thrombolytic_dose_unit="mg",
        angioplasty=True,
        stents=[
            {
                "product": "Wallstent",
                "diameter_mm": 16,
                "length_mm": 90,
                "segment": "left_common_iliac",
            },
        ],
        ivus=True,
        completion_venography={"patent": True, "residual_stenosis_pct": 10, "dissection": False},
    )
    data.update(overrides)
    if data.get("thrombolytic_dose") is not None:
        data["thrombolytic_dose"] = Decimal(str(data["thrombolytic_dose"]))
    return services.procedure_note_record(actor=actor, episode_id=episode.id, **data)


def record_discharge_plan(actor, episode, **overrides):
    data = dict(
        anticoagulant="vka",
        target_inr_low=None,
        target_inr_high=None,
        planned_duration_months=6,
        compression_stockings=True,
        compression_reason="",
    )
    data.update(overrides)
    return services.discharge_plan_record(actor=actor, episode_id=episode.id, **data)


def prepare_and_move(actor, episode, name: str, on: dt.date | None = None) -> Episode:
    """Record what the move `name` needs, dated `on` (today by default), then make it."""
    day = on or days_ago(0)
    if name == "refer_to_mdt":
        record_selection(actor, episode, assessed_on=day, symptom_onset=day - dt.timedelta(days=5))
    elif name == "approve":
        record_mdt(actor, episode, date=day)
    elif name == "schedule_procedure":
        record_imaging(actor, episode, "duplex", date=day, ivc_anomaly=None, ivc_filter=None)
        record_imaging(actor, episode, "ct_venography", date=day)
        started = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
        record_anticoagulation(actor, episode, started_at=min(started, timezone.now()))
    elif name == "complete_procedure":
        record_procedure(actor, episode, date=day)
    elif name == "discharge":
        record_imaging(actor, episode, "duplex", date=day, ivc_anomaly=None, ivc_filter=None)
        record_discharge_plan(actor, episode)
    return services.episode_transition(
        episode_id=episode.id, name=name, actor=actor, effective_on=on
    )


ROUTE = {
    State.SELECTION: [],
    State.MDT_DISCUSSION: ["refer_to_mdt"],
    State.IMAGING: ["refer_to_mdt", "approve"],
    State.PROCEDURE: ["refer_to_mdt", "approve", "schedule_procedure"],
    State.POST_OP: ["refer_to_mdt", "approve", "schedule_procedure", "complete_procedure"],
    State.SURVEILLANCE: [
        "refer_to_mdt",
        "approve",
        "schedule_procedure",
        "complete_procedure",
        "discharge",
    ],
}


def walk_to(actor, patient: Patient, state: str, on: dt.date | None = None) -> Episode:
    """Open an episode for `patient` and walk it to `state`, every guard met on the way;
    with `on`, everything is dated that day (a back-dated episode)."""
    episode = services.episode_open(actor=actor, patient_id=patient.id, opened_on=on)
    for name in ROUTE[state]:
        episode = prepare_and_move(actor, episode, name, on)
    return episode


# --- the first-run demo ----------------------------------------------------------------------
DEMO_USERS = {"coordinator": "demo-coordinator", "nurse": "demo-nurse", "admin": "demo-admin"}
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
    ("Ada", "Hughes"), ("Ben", "Okafor"), ("Chloe", "Martin"), ("Dev", "Patel"),
    ("Elena", "Rossi"), ("Femi", "Adeyemi"), ("Grace", "Lee"), ("Hugo", "Schmidt"),
    ("Iris", "Novak"), ("Jon", "Evans"), ("Kira", "Tanaka"), ("Luis", "Garcia"),
]  # fmt: skip


def demo_users_reset() -> dict[str, str]:
    """Create (or reset) one demo user per role; return username -> new password."""
    User = get_user_model()
    passwords = {}
    for role in ROLES:
        username = DEMO_USERS[role]
        user, _ = User.objects.get_or_create(username=username)
        user.email = f"{username}@unit.example"  # the console email backend shows their alerts
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        passwords[username] = password
    return passwords


@transaction.atomic
def demo_cohort_load() -> tuple[int, int]:
    """Load the demo cohort once (three patients discharged 10, 45 and 200 days ago, so their
    follow-ups are due or overdue); return how many episodes and alerts were created."""
    if Patient.objects.filter(mrn__startswith="DEMO").exists():
        return 0, 0
    actor = get_user_model().objects.get(username=DEMO_USERS["coordinator"])
    for i, ((state, twist), (given, family)) in enumerate(zip(COHORT, NAMES, strict=True)):
        patient = Patient.objects.create(
            mrn=f"DEMO{i + 1:04d}",
            given_name=given,
            family_name=family,
            birth_date=dt.date(1950 + 3 * i, 1 + i % 12, 1 + i),
            sex="female" if i % 2 == 0 else "male",
        )
        back_dated = days_ago(twist) if isinstance(twist, int) else None
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
    return len(COHORT), sweep.alerts
