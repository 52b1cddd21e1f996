"""Test data. Records go through the services, so tests see what a real client would make."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from pathway import services
from pathway.codes import State
from pathway.models import Episode
from patients.models import Patient


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    birth_date = dt.date(1970, 5, 17)
    sex = Patient.Sex.FEMALE


class EpisodeFactory(factory.django.DjangoModelFactory):
    """An episode set straight into a state: for lists and counts, not for pathway rules."""

    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    state = State.SELECTION


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


# What each step records by default: enough to meet every guard of the move out of it.
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
    data = dict(modality=modality, date=today(), ivc_anomaly=False, ivc_filter=False)
    data.update(overrides)
    return services.imaging_study_add(actor=actor, episode_id=episode.id, **data)


def record_anticoagulation(actor, episode, **overrides):
    data = dict(agent="ufh_infusion", started_at=timezone.now() - dt.timedelta(hours=6))
    data.update(overrides)
    return services.anticoagulation_record(actor=actor, episode_id=episode.id, **data)


def record_procedure(actor, episode, **overrides):
    data = dict(
        date=today(),
        access=[{"vein": "popliteal", "side": "left", "ultrasound_guided": True}],
        technique="pharmacomechanical",
        device="AngioJet",
        thrombolytic_agent="alteplase",
        thrombolytic_dose="10",
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
    from decimal import Decimal

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


def prepare_and_move(actor, episode, name: str) -> Episode:
    """Record what `name` needs, then make the move."""
    if name == "refer_to_mdt":
        record_selection(actor, episode)
    elif name == "approve":
        record_mdt(actor, episode)
    elif name == "schedule_procedure":
        record_imaging(actor, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
        record_imaging(actor, episode, "ct_venography")
        record_anticoagulation(actor, episode)
    elif name == "complete_procedure":
        record_procedure(actor, episode)
    elif name == "discharge":
        record_imaging(actor, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
        record_discharge_plan(actor, episode)
    return services.episode_transition(episode_id=episode.id, name=name, actor=actor)


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


def open_episode(actor, patient=None) -> Episode:
    return services.episode_open(actor=actor, patient_id=(patient or PatientFactory()).id)


def episode_in(state: str, actor, patient=None) -> Episode:
    """A real episode walked along the pathway to `state`, every guard met on the way."""
    episode = open_episode(actor, patient)
    for name in ROUTE[state]:
        episode = prepare_and_move(actor, episode, name)
    return episode
