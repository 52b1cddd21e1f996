"""The records the guards read before the procedure: selection, MDT, imaging, anticoagulation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from pathway.codes import State
from pathway.models import (
    ImagingStudy,
    MdtDecision,
    PreProcedureAnticoagulation,
    SelectionAssessment,
)
from pathway.services.common import editable, no_future, unique


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
    no_future(assessed_on=assessed_on, symptom_onset=symptom_onset)
    if symptom_onset > assessed_on:
        raise InvalidInput({"symptom_onset": "Symptom onset cannot be after the assessment."})
    with transaction.atomic():
        episode = editable(
            episode_id, actor, dates={"assessed_on": assessed_on, "symptom_onset": symptom_onset}
        )
        record, _ = SelectionAssessment.objects.update_or_create(
            episode=episode,
            defaults=dict(
                assessed_on=assessed_on,
                symptom_onset=symptom_onset,
                indications=unique(indications),
                contraindications=unique(contraindications),
                fit_for_procedure=fit_for_procedure,
                thrombus_segments=unique(thrombus_segments),
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
    no_future(date=date)
    if not attendees:
        raise InvalidInput({"attendees": "List who attended the MDT."})
    with transaction.atomic():
        episode = editable(episode_id, actor, states=[State.MDT_DISCUSSION], dates={"date": date})
        return MdtDecision.objects.create(
            episode=episode,
            date=date,
            attendees=unique(attendees),
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
    no_future(date=date)
    with transaction.atomic():
        episode = editable(episode_id, actor, dates={"date": date})
        return ImagingStudy.objects.create(
            episode=episode,
            modality=modality,
            date=date,
            ivc_anomaly=ivc_anomaly,
            ivc_filter=ivc_filter,
            right_heart_strain=right_heart_strain,
            thrombus_segments=unique(thrombus_segments or []),
            findings=findings,
            recorded_by=actor,
        )


def anticoagulation_record(
    *, actor, episode_id: int, agent: str, started_at: dt.datetime
) -> PreProcedureAnticoagulation:
    if started_at > timezone.now():
        raise InvalidInput({"started_at": "The start time cannot be in the future."})
    with transaction.atomic():
        episode = editable(episode_id, actor, dates={"started_at": timezone.localdate(started_at)})
        record, _ = PreProcedureAnticoagulation.objects.update_or_create(
            episode=episode,
            defaults=dict(
                agent=agent, started_at=started_at, recorded_by=actor, recorded_at=timezone.now()
            ),
        )
    return record
