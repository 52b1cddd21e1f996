"""Writes on episodes: opening one, moving it, and recording what its guards read.

Every move goes through episode_transition, which locks the row, runs the FSM transition, saves
and appends the history row in one transaction, so a move is either whole or absent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, MoveRefused, NotFound
from pathway import machine
from pathway.codes import (
    DEFAULT_TARGET_INR,
    TERMINAL,
    THROMBOLYTIC_UNIT,
    Anticoagulant,
    MdtOutcome,
    State,
    Technique,
)
from pathway.models import (
    DischargePlan,
    Episode,
    ImagingStudy,
    MdtDecision,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
    Stent,
    Transition,
)
from pathway.rules import date_problem, inr_range_problem
from patients.models import Patient
from tasks.services import followups_after_move

MAX_DOSE = {"mg": Decimal("100"), "IU": Decimal("10000000")}


# --- opening an episode ----------------------------------------------------------------------
def episode_open(*, actor, patient_id: int, opened_on: dt.date | None = None) -> Episode:
    """Open an episode in selection; `opened_on` (the referral date) may be back-dated."""
    roles.require(actor, roles.OPEN_EPISODES, "open episodes")
    _no_future(opened_on=opened_on)
    with transaction.atomic():
        try:
            patient = Patient.objects.select_for_update().get(id=patient_id)
        except Patient.DoesNotExist:
            raise InvalidInput({"patient": "No such patient."}) from None
        if opened_on is not None and opened_on < patient.birth_date:
            raise InvalidInput({"opened_on": "This date is before the patient's birth."})
        if patient.episodes.exclude(state__in=TERMINAL).exists():
            raise Conflict("The patient already has an episode that is not finished.")
        episode = Episode.objects.create(patient=patient)
        Transition.objects.create(
            episode=episode,
            name="open",
            source="",
            target=episode.state,
            actor=actor,
            effective_on=opened_on or timezone.localdate(),
        )
    return episode


# --- who looks after it ----------------------------------------------------------------------
def _staff_in(role: str, user_id: int | None, field: str):
    if user_id is None:
        return None
    user = get_user_model().objects.filter(id=user_id, is_active=True, groups__name=role).first()
    if user is None:
        raise InvalidInput({field: f"No active user with the {role} role has that id."})
    return user


def episode_assign(*, actor, episode_id: int, **assigned: int | None) -> Episode:
    """Name the nurse and coordinator who get this episode's alerts (None: the whole role)."""
    roles.require(actor, roles.RUN_TRANSITIONS, "assign episodes")
    users = {
        field: _staff_in(role, assigned[field], field)
        for field, role in (
            ("assigned_nurse", roles.NURSE),
            ("assigned_coordinator", roles.COORDINATOR),
        )
        if field in assigned
    }
    with transaction.atomic():
        episode = _lock(episode_id)
        if episode.state in TERMINAL:
            raise Conflict(f"The episode is closed ('{episode.state}').")
        for field, user in users.items():
            setattr(episode, field, user)
        if users:
            episode.save(update_fields=list(users))
    return episode


# --- moving an episode -----------------------------------------------------------------------
def _lock(episode_id: int) -> Episode:
    try:
        return (
            Episode.objects.select_for_update(of=("self",))
            .select_related("patient")
            .get(id=episode_id)
        )
    except Episode.DoesNotExist:
        raise NotFound("No such episode.") from None


def _effective_on(move: machine.Move, value: dt.date | None, previous: Transition) -> dt.date:
    today = timezone.localdate()
    if value is None:
        if move.effective_on_required:
            raise InvalidInput({"effective_on": "The date of death is required."})
        return today
    if value > today:
        raise InvalidInput({"effective_on": "The effective date cannot be in the future."})
    if value < previous.effective_on:
        raise InvalidInput(
            {
                "effective_on": "The effective date cannot be before the previous move's "
                f"({previous.effective_on.isoformat()})."
            }
        )
    return value


def _default_reason(episode: Episode, name: str) -> str:
    if name == "exclude":
        mdt = episode.mdt_decisions.order_by("-date", "-id").first()
        if mdt is not None and mdt.decision == MdtOutcome.ANTICOAGULATION_ALONE:
            return "MDT decision: anticoagulation alone."
    return ""


def episode_transition(
    *,
    episode_id: int,
    name: str,
    actor,
    reason: str = "",
    effective_on: dt.date | None = None,
    expected_state: str | None = None,
) -> Episode:
    spec = machine.by_name(name)
    if spec is None:
        raise InvalidInput(
            {"transition": f"Unknown transition. Known: {', '.join(machine.NAMES)}."}
        )
    if spec.admin_only:
        roles.require(actor, roles.CORRECT_TRANSITIONS, "correct a transition")
    else:
        roles.require(actor, roles.RUN_TRANSITIONS, "move patients along the pathway")
    reason = (reason or "").strip()

    with transaction.atomic():
        episode = _lock(episode_id)
        reason = reason or _default_reason(episode, name)
        if spec.reason_required and not reason:
            raise InvalidInput({"reason": f"A reason is required to {name.replace('_', ' ')}."})
        if expected_state and expected_state != episode.state:
            raise MoveRefused(f"The episode changed: it is now in '{episode.state}'.")
        move = machine.move_from(episode.state, name)
        if move is None:
            raise MoveRefused(
                f"'{name}' is not a move from '{episode.state}' (the episode may just have "
                "been moved by someone else)."
            )
        episode.pending_reason = reason
        unmet = move.unmet(episode)
        if unmet:
            raise MoveRefused(f"'{name}' is blocked by the pathway rules.", unmet)
        previous = episode.history.order_by("-id").first()
        effective = _effective_on(move, effective_on, previous)

        undone = None
        if name == "correct":
            undone = episode.last_correctable_move()
            episode.correct(undone.source)
        else:
            getattr(episode, name)()
        try:
            with transaction.atomic():
                episode.save(update_fields=["state"])
        except IntegrityError:
            raise Conflict(
                "The patient already has another episode that is not finished."
            ) from None
        row = Transition.objects.create(
            episode=episode,
            name=name,
            source=move.source if move.source != "*" else previous.target,
            target=episode.state,
            actor=actor,
            effective_on=effective,
            reason=reason,
            corrects=undone,
        )
        followups_after_move(episode=episode, move=row)
    episode.pending_reason = None
    return episode


# --- pathway records -------------------------------------------------------------------------
def _editable(episode_id: int, actor, *, states=None, dates=None) -> Episode:
    """Lock the episode for a record write; refuse a closed episode, a state the record does
    not belong to, and dates before the patient was born."""
    roles.require(actor, roles.RECORD_PATHWAY_DATA, "record pathway data")
    episode = _lock(episode_id)
    born = episode.patient.birth_date
    early = {k: "This date is before the patient's birth." for k, v in (dates or {}).items()
             if v is not None and v < born}  # fmt: skip
    if early:
        raise InvalidInput(early)
    if episode.state in TERMINAL:
        raise Conflict(f"The episode is closed ('{episode.state}'); its records cannot change.")
    if states and episode.state not in states:
        raise Conflict(
            f"This record can be written only in {', '.join(states)}; the episode is in "
            f"'{episode.state}'."
        )
    return episode


def _no_future(**dates) -> None:
    errors = {k: p for k, v in dates.items() if (p := date_problem(v))}
    if errors:
        raise InvalidInput(errors)


def _unique(values) -> list:
    return list(dict.fromkeys(values))


def selection_record(
    *,
    actor,
    episode_id: int,
    assessed_on: dt.date,
    symptom_onset: dt.date,
    indications: list[str],
    contraindications: list[str],
    fit_for_procedure: bool,
    thrombus_segments: list[str],
    pe_suspected: bool = False,
    symptom_window_override: str | None = None,
    thrombophilia: str = "",
    comorbidities: str = "",
) -> SelectionAssessment:
    _no_future(assessed_on=assessed_on, symptom_onset=symptom_onset)
    if symptom_onset > assessed_on:
        raise InvalidInput({"symptom_onset": "Symptom onset cannot be after the assessment."})
    with transaction.atomic():
        episode = _editable(
            episode_id, actor, dates={"assessed_on": assessed_on, "symptom_onset": symptom_onset}
        )
        record, _ = SelectionAssessment.objects.update_or_create(
            episode=episode,
            defaults=dict(
                assessed_on=assessed_on,
                symptom_onset=symptom_onset,
                indications=_unique(indications),
                contraindications=_unique(contraindications),
                fit_for_procedure=fit_for_procedure,
                thrombus_segments=_unique(thrombus_segments),
                pe_suspected=pe_suspected,
                symptom_window_override=(symptom_window_override or "").strip() or None,
                thrombophilia=thrombophilia,
                comorbidities=comorbidities,
                recorded_by=actor,
                recorded_at=timezone.now(),
            ),
        )
    return record


def mdt_decision_add(
    *,
    actor,
    episode_id: int,
    date: dt.date,
    attendees: list[str],
    decision: str,
    rationale: str = "",
    anaesthetic_risk: str = "",
) -> MdtDecision:
    _no_future(date=date)
    if not attendees:
        raise InvalidInput({"attendees": "List who attended the MDT."})
    with transaction.atomic():
        episode = _editable(episode_id, actor, states=[State.MDT_DISCUSSION], dates={"date": date})
        return MdtDecision.objects.create(
            episode=episode,
            date=date,
            attendees=_unique(attendees),
            decision=decision,
            rationale=rationale,
            anaesthetic_risk=anaesthetic_risk,
            recorded_by=actor,
        )


def imaging_study_add(
    *,
    actor,
    episode_id: int,
    modality: str,
    date: dt.date,
    ivc_anomaly: bool | None = None,
    ivc_filter: bool | None = None,
    right_heart_strain: bool | None = None,
    thrombus_segments: list[str] | None = None,
    findings: str = "",
) -> ImagingStudy:
    _no_future(date=date)
    with transaction.atomic():
        episode = _editable(episode_id, actor, dates={"date": date})
        return ImagingStudy.objects.create(
            episode=episode,
            modality=modality,
            date=date,
            ivc_anomaly=ivc_anomaly,
            ivc_filter=ivc_filter,
            right_heart_strain=right_heart_strain,
            thrombus_segments=_unique(thrombus_segments or []),
            findings=findings,
            recorded_by=actor,
        )


def anticoagulation_record(
    *, actor, episode_id: int, agent: str, started_at: dt.datetime
) -> PreProcedureAnticoagulation:
    if started_at > timezone.now():
        raise InvalidInput({"started_at": "The start time cannot be in the future."})
    with transaction.atomic():
        episode = _editable(episode_id, actor, dates={"started_at": timezone.localdate(started_at)})
        record, _ = PreProcedureAnticoagulation.objects.update_or_create(
            episode=episode,
            defaults=dict(
                agent=agent, started_at=started_at, recorded_by=actor, recorded_at=timezone.now()
            ),
        )
    return record


def _check_thrombolysis(technique, agent, dose, unit) -> None:
    if agent is None:
        if technique == Technique.PHARMACOMECHANICAL:
            raise InvalidInput(
                {"thrombolytic_agent": "Pharmacomechanical thrombolysis needs the agent."}
            )
        if dose is not None or unit:
            field = "thrombolytic_dose" if dose is not None else "thrombolytic_dose_unit"
            raise InvalidInput({field: "A dose was given without an agent."})
        return
    expected = THROMBOLYTIC_UNIT[agent]
    if dose is None:
        raise InvalidInput({"thrombolytic_dose": "Give the dose of the thrombolytic agent."})
    if unit != expected:
        raise InvalidInput(
            {"thrombolytic_dose_unit": f"The dose of {agent} is given in {expected}."}
        )
    if not (Decimal(0) < dose <= MAX_DOSE[expected]):
        limit = f"{MAX_DOSE[expected]} {unit}"
        raise InvalidInput({"thrombolytic_dose": f"Give a dose above 0 and at most {limit}."})


def procedure_note_record(
    *,
    actor,
    episode_id: int,
    date: dt.date,
    access: list[dict],
    technique: str,
    completion_venography: dict,
    stents: list[dict],
    device: str = "",
    thrombolytic_agent: str | None = None,
    thrombolytic_dose: Decimal | None = None,
    thrombolytic_dose_unit: str | None = None,
    angioplasty: bool = False,
    ivus: bool = False,
    complications: str = "",
) -> ProcedureNote:
    """Write the note of the current procedure (after re-intervention, a new one)."""
    _no_future(date=date)
    if not access:
        raise InvalidInput({"access": "Record at least one access vein."})
    _check_thrombolysis(technique, thrombolytic_agent, thrombolytic_dose, thrombolytic_dose_unit)
    with transaction.atomic():
        episode = _editable(
            episode_id,
            actor,
            states=[State.PROCEDURE, State.POST_OP, State.SURVEILLANCE],
            dates={"date": date},
        )
        reintervention = episode.current_reintervention()
        if reintervention is not None and date < reintervention.effective_on:
            raise InvalidInput({"date": "A re-intervention cannot be dated before it was decided."})
        note, _ = ProcedureNote.objects.update_or_create(
            episode=episode,
            reintervention=reintervention,
            defaults=dict(
                date=date,
                access=access,
                technique=technique,
                device=device,
                thrombolytic_agent=thrombolytic_agent,
                thrombolytic_dose=thrombolytic_dose,
                thrombolytic_dose_unit=thrombolytic_dose_unit,
                angioplasty=angioplasty,
                ivus=ivus,
                completion_patent=completion_venography["patent"],
                residual_stenosis_pct=completion_venography.get("residual_stenosis_pct"),
                dissection=completion_venography.get("dissection", False),
                complications=complications,
                recorded_by=actor,
                recorded_at=timezone.now(),
            ),
        )
        note.full_clean()
        note.stents.all().delete()
        for stent in stents:
            Stent(note=note, **stent).full_clean(exclude=["note"])
        Stent.objects.bulk_create(Stent(note=note, **s) for s in stents)
    return note


def discharge_plan_record(
    *,
    actor,
    episode_id: int,
    anticoagulant: str,
    compression_stockings: bool,
    target_inr_low: Decimal | None = None,
    target_inr_high: Decimal | None = None,
    planned_duration_months: int | None = None,
    compression_reason: str = "",
) -> DischargePlan:
    if anticoagulant == Anticoagulant.VKA:
        if target_inr_low is None and target_inr_high is None:
            target_inr_low, target_inr_high = (Decimal(v) for v in DEFAULT_TARGET_INR)
        problem = inr_range_problem(target_inr_low, target_inr_high)
        if problem:
            field = "target_inr_high" if target_inr_high is None else "target_inr_low"
            raise InvalidInput({field: problem})
    elif target_inr_low is not None or target_inr_high is not None:
        field = "target_inr_low" if target_inr_low is not None else "target_inr_high"
        raise InvalidInput({field: "A target INR range applies only to a VKA."})
    compression_reason = (compression_reason or "").strip()
    if not compression_stockings and not compression_reason:
        raise InvalidInput(
            {"compression_reason": "Say why compression stockings are not prescribed."}
        )
    if planned_duration_months is not None and not (1 <= planned_duration_months <= 600):
        raise InvalidInput(
            {"planned_duration_months": "Give 1 to 600 months, or null for lifelong."}
        )
    with transaction.atomic():
        episode = _editable(episode_id, actor)
        record, _ = DischargePlan.objects.update_or_create(
            episode=episode,
            defaults=dict(
                anticoagulant=anticoagulant,
                target_inr_low=target_inr_low,
                target_inr_high=target_inr_high,
                planned_duration_months=planned_duration_months,
                compression_stockings=compression_stockings,
                compression_reason=compression_reason,
                recorded_by=actor,
                recorded_at=timezone.now(),
            ),
        )
    return record
