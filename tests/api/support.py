"""What the API tests share: valid request bodies, the record of everything saved, and the
checks on a 400 that names its field."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from pathway.codes import State
from pathway.models import (
    AnticoagulationCourse,
    Complication,
    DischargePlan,
    Episode,
    ImagingStudy,
    MdtDecision,
    PostopCheck,
    PreProcedureAnticoagulation,
    ProcedureNote,
    Reintervention,
    SelectionAssessment,
    Stent,
    Transition,
)
from patients.models import Patient
from tasks.models import Alert, DuplexSegmentResult, FollowUp, Visit
from tests import factories as f


def iso(day: dt.date) -> str:
    return day.isoformat()


def today() -> dt.date:
    return timezone.localdate()


def ago(n: int) -> str:
    return iso(today() - dt.timedelta(days=n))


def ahead(n: int) -> str:
    return iso(today() + dt.timedelta(days=n))


def episode_url(episode_id: int, tail: str = "") -> str:
    return f"/api/episodes/{episode_id}/{tail}"


# --- valid request bodies, one per write endpoint -------------------------------------------
def patient_body(**overrides) -> dict:
    body = {
        "mrn": "RX-1001",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1968-03-02",
        "sex": "female",
    }
    return {**body, **overrides}


def user_body(**overrides) -> dict:
    body = {
        "username": "new-staff",
        "password": "a-long-secret-pw1",
        "role": "nurse",
        "email": "new-staff@unit.example",
        "full_name": "Nell Staffer",
    }
    return {**body, **overrides}


def selection_body(**overrides) -> dict:
    body = {
        "assessed_on": ago(0),
        "symptom_onset": ago(6),
        "indications": ["phlegmasia_cerulea_dolens"],
        "contraindications": [],
        "fit_for_procedure": True,
        "thrombus_segments": ["ivc", "right_common_iliac"],
        "pe_suspected": False,
        "symptom_window_override": None,
    }
    return {**body, **overrides}


def mdt_body(**overrides) -> dict:
    body = {
        "date": ago(0),
        "attendees": ["vascular_surgeon", "interventional_radiologist", "haematologist"],
        "decision": "proceed",
        "rationale": "Iliocaval thrombus with severe swelling.",
    }
    return {**body, **overrides}


def imaging_body(**overrides) -> dict:
    body = {
        "modality": "ct_venography",
        "date": ago(0),
        "ivc_anomaly": False,
        "ivc_filter": False,
        "findings": "Occlusive thrombus from IVC to right common iliac.",
    }
    return {**body, **overrides}


def anticoagulation_body(**overrides) -> dict:
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time()))
    started = max(now - dt.timedelta(hours=2), midnight)  # on the referral day
    body = {"agent": "lmwh", "started_at": started.isoformat()}
    return {**body, **overrides}


def stent(**overrides) -> dict:
    body = {
        "product": "Venovo",
        "diameter_mm": 14,
        "length_mm": 120,
        "segment": "right_common_iliac",
    }
    return {**body, **overrides}


def stent_kept(written: dict | None = None) -> dict:
    """A stent written with one segment, as a read or a revision shows it: with the segments
    it spans, its lot and UDI."""
    written = written or stent()
    return {"lot": "", "udi": "", **written, "segments": [written["segment"]]}


def procedure_body(**overrides) -> dict:
    body = {
        "date": ago(0),
        "access": [{"vein": "femoral", "side": "right", "ultrasound_guided": True}],
        "technique": "rheolytic",
        "device": "AngioJet",
        "thrombolytic_agent": None,
        "thrombolytic_dose": None,
        "thrombolytic_dose_unit": None,
        "angioplasty": True,
        "stents": [stent()],
        "ivus": True,
        "completion_venography": {"patent": True, "residual_stenosis_pct": 5, "dissection": False},
    }
    return {**body, **overrides}


def discharge_plan_body(**overrides) -> dict:
    body = {
        "anticoagulant": "doac",
        "target_inr_low": None,
        "target_inr_high": None,
        "planned_duration_months": 12,
        "compression_stockings": True,
        "compression_reason": "",
    }
    return {**body, **overrides}


# --- what is saved --------------------------------------------------------------------------
SAVED = (
    get_user_model(),
    Patient,
    Episode,
    Transition,
    SelectionAssessment,
    MdtDecision,
    ImagingStudy,
    PreProcedureAnticoagulation,
    ProcedureNote,
    Stent,
    DischargePlan,
    Complication,
    PostopCheck,
    AnticoagulationCourse,
    Reintervention,
    FollowUp,
    Visit,
    DuplexSegmentResult,
    Alert,
)


def saved() -> dict:
    """Every row of every model a request could write, to show that nothing changed: per
    model, a digest of its rows as `m.objects.values()` reads them, in pk order, every
    column of every row, so two are equal exactly when the rows are. One statement for all
    the models (the permission matrix asks twice per role and row), not a query each with
    every row brought into Python."""
    parts, params = [], []
    for m in SAVED:
        sql, more = m.objects.order_by().values().query.sql_with_params()
        pk = connection.ops.quote_name(m._meta.pk.column)
        rows = f"string_agg(q::text, E'\\n' ORDER BY q.{pk})"
        parts.append(f"(SELECT md5(coalesce({rows}, '')) FROM ({sql}) q)")
        params += more
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip((m.__name__ for m in SAVED), cursor.fetchone(), strict=True))


# --- answers --------------------------------------------------------------------------------
def names(response, *path, status: int = 400):
    """Assert the answer has `status` and its JSON body names the field at `path`
    (e.g. "stents", 0, "diameter_mm"); return what it says there."""
    assert response.status_code == status, (response.status_code, response.content)
    found = response.json()
    for step in path:
        if isinstance(step, int) and isinstance(found, dict):  # DRF keys list items by index
            step = str(step)
        if isinstance(step, int):
            assert isinstance(found, list) and len(found) > step, (path, response.json())
        else:
            assert isinstance(found, dict) and step in found, (path, response.json())
        found = found[step]
    assert found, (path, response.json())
    return found


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


# --- episodes ready for a move ----------------------------------------------------------------
BEFORE = {
    "refer_to_mdt": State.SELECTION,
    "approve": State.MDT_DISCUSSION,
    "schedule_procedure": State.IMAGING,
    "complete_procedure": State.PROCEDURE,
    "discharge": State.POST_OP,
}


def ready_for(move: str, actor) -> Episode:
    """An episode one step before `move`, with every record that move's guards read."""
    episode = f.episode_in(BEFORE[move], actor)
    if move == "refer_to_mdt":
        f.record_selection(actor, episode)
    elif move == "approve":
        f.record_mdt(actor, episode)
    elif move == "schedule_procedure":
        f.record_imaging(actor, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
        f.record_imaging(actor, episode, "ct_venography")
        f.record_anticoagulation(actor, episode)
    elif move == "complete_procedure":
        f.record_procedure(actor, episode)
    elif move == "discharge":
        f.record_imaging(actor, episode, "duplex", ivc_anomaly=None, ivc_filter=None)
        f.record_discharge_plan(actor, episode)
    return episode
