"""Walking real episodes along the pathway through the services, every guard met on the way:
the demo cohort and the tests build on it, so what they show is what the rules allow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pathway import services
from pathway.codes import State
from pathway.models import Episode
from patients.models import Patient


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def record_selection(actor, episode, **overrides):
    data = dict(
        assessed_on=days_ago(0),
        symptom_onset=days_ago(5),
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
        date=days_ago(0),
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
    now = timezone.now()
    today = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time()))
    data = dict(agent="ufh_infusion", started_at=max(now - dt.timedelta(hours=6), today))
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


ROUTE: dict[str, list[str]] = {
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
