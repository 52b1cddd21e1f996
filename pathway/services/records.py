"""The records the guards read before the procedure: selection, MDT, imaging, anticoagulation.

Each write keeps the earlier version as a revision (common.record_write); a record that a
standing move relied on changes only with a reason; every date fits the episode's timeline.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from pathway.codes import Pregnancy, State, Thrombophilia
from pathway.models import (
    ImagingStudy,
    MdtDecision,
    PreProcedureAnticoagulation,
    SelectionAssessment,
)
from pathway.services.common import (
    Writer,
    after_referral,
    editable,
    no_future,
    not_after,
    not_before,
    record_write,
    relied_on_by,
    unique,
)
from pathway.services.course_sync import courses_follow_preop_record


def _one(model, episode):
    return model.objects.filter(episode=episode).first() or model(episode=episode)


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
    thrombophilia: str = Thrombophilia.NOT_TESTED,
    thrombophilia_finding: str = "",
    comorbidities: str = "",
    active_cancer: bool = False,
    uncontrolled_hypertension: bool = False,
    anaemia: bool = False,
    prior_bleeding: bool = False,
    pregnancy: str = "",
    contraception: bool | None = None,
    reason: str = "",
) -> SelectionAssessment:
    """The assessment at selection, with the facts VTE-BLEED reads (active cancer, uncontrolled
    hypertension, anaemia, prior bleeding) and the pregnancy and contraception status that a
    VKA or a DOAC calls for (blank and None: not recorded)."""
    no_future(assessed_on=assessed_on, symptom_onset=symptom_onset)
    pregnancy = pregnancy or ""
    if pregnancy and pregnancy not in Pregnancy.values:
        raise InvalidInput({"pregnancy": f"One of: {', '.join(Pregnancy.values)}."})
    if symptom_onset > assessed_on:
        raise InvalidInput({"symptom_onset": "Symptom onset cannot be after the assessment."})
    thrombophilia_finding = (thrombophilia_finding or "").strip()
    if thrombophilia == Thrombophilia.POSITIVE and not thrombophilia_finding:
        raise InvalidInput(
            {"thrombophilia_finding": "Name the thrombophilia found (e.g. factor V Leiden)."}
        )
    with transaction.atomic():
        episode = editable(
            episode_id,
            actor,
            states=WRITERS["selection"].open_in,
            dates={"assessed_on": assessed_on, "symptom_onset": symptom_onset},
        )
        after_referral(episode, assessed_on=assessed_on)
        mdt = episode.mdt_decisions.order_by("date").first()
        not_after(mdt.date if mdt else None, "the MDT that discussed it", assessed_on=assessed_on)
        record, _ = record_write(
            _one(SelectionAssessment, episode),
            episode=episode,
            actor=actor,
            reason=reason,
            relied_on=lambda: relied_on_by(episode, WRITERS["selection"].relied_on_by),
            values=dict(
                assessed_on=assessed_on,
                symptom_onset=symptom_onset,
                indications=unique(indications),
                contraindications=unique(contraindications),
                fit_for_procedure=fit_for_procedure,
                thrombus_segments=unique(thrombus_segments),
                pe_suspected=pe_suspected,
                symptom_window_override=(symptom_window_override or "").strip() or None,
                thrombophilia=thrombophilia,
                thrombophilia_finding=thrombophilia_finding,
                comorbidities=comorbidities,
                active_cancer=active_cancer,
                uncontrolled_hypertension=uncontrolled_hypertension,
                anaemia=anaemia,
                prior_bleeding=prior_bleeding,
                pregnancy=pregnancy,
                contraception=contraception,
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
    reason: str = "",
) -> MdtDecision:
    no_future(date=date)
    if not attendees:
        raise InvalidInput({"attendees": "List who attended the MDT."})
    with transaction.atomic():
        episode = editable(episode_id, actor, states=WRITERS["mdt"].open_in, dates={"date": date})
        after_referral(episode, date=date)
        selection = SelectionAssessment.objects.filter(episode=episode).first()
        not_before(
            selection.assessed_on if selection else None, "the selection assessment", date=date
        )
        record, _ = record_write(
            MdtDecision(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            values=dict(
                date=date,
                attendees=unique(attendees),
                decision=decision,
                rationale=rationale,
                anaesthetic_risk=anaesthetic_risk,
            ),
        )
        return record


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
    reason: str = "",
) -> ImagingStudy:
    """Imaging may predate the referral: the scan that found the clot."""
    no_future(date=date)
    with transaction.atomic():
        episode = editable(
            episode_id, actor, states=WRITERS["imaging"].open_in, dates={"date": date}
        )
        record, _ = record_write(
            ImagingStudy(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            values=dict(
                modality=modality,
                date=date,
                ivc_anomaly=ivc_anomaly,
                ivc_filter=ivc_filter,
                right_heart_strain=right_heart_strain,
                thrombus_segments=unique(thrombus_segments or []),
                findings=findings,
            ),
        )
        return record


def anticoagulation_record(
    *, actor, episode_id: int, agent: str, started_at: dt.datetime, reason: str = ""
) -> PreProcedureAnticoagulation:
    if started_at > timezone.now():
        raise InvalidInput({"started_at": "The start time cannot be in the future."})
    started_on = timezone.localdate(started_at)
    with transaction.atomic():
        episode = editable(
            episode_id,
            actor,
            states=WRITERS["anticoagulation"].open_in,
            dates={"started_at": started_on},
        )
        after_referral(episode, started_at=started_on)
        record, _ = record_write(
            _one(PreProcedureAnticoagulation, episode),
            episode=episode,
            actor=actor,
            reason=reason,
            relied_on=lambda: relied_on_by(episode, WRITERS["anticoagulation"].relied_on_by),
            values=dict(agent=agent, started_at=started_at),
        )
        courses_follow_preop_record(actor=actor, episode=episode, record=record, reason=reason)
    return record


# What the page and the API read of these writers (common.Writer). The selection stays open all
# along: its VTE-BLEED and pregnancy facts are updated while on treatment.
WRITERS = {
    "selection": Writer(
        selection_record, relied_on_by="refer_to_mdt", record="selection", single=True
    ),
    "mdt": Writer(mdt_decision_add, open_in=(State.MDT_DISCUSSION,), record="mdt_decisions"),
    "imaging": Writer(
        imaging_study_add,
        offered_in=(State.IMAGING, State.PROCEDURE, State.POST_OP),
        record="imaging_studies",
    ),
    "anticoagulation": Writer(
        anticoagulation_record,
        offered_in=(State.IMAGING, State.PROCEDURE),
        relied_on_by="schedule_procedure",
        record="anticoagulation",
        single=True,
    ),
}
