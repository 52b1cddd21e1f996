"""The clinical rules of pathway.md section 2, one function each, named as the rule.

Each takes an episode and returns None when the rule is met, or Unmet(rule, message) saying in
words why not. They read recorded facts only and change nothing, so they can guard FSM
transitions and also explain, on the episode view, what blocks each move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from pathway.codes import CROSS_SECTIONAL, Anticoagulant, MdtOutcome, MdtRole, Modality

SYMPTOM_WINDOW_DAYS = 21
SYMPTOM_WINDOW_LATE_DAYS = 14
INR_BOUNDS = (Decimal("1.5"), Decimal("4.5"))


@dataclass(frozen=True)
class Unmet:
    rule: str
    message: str


Rule = Callable[..., "Unmet | None"]


def _record(episode, name):
    try:
        return getattr(episode, name)
    except ObjectDoesNotExist:
        return None


def _unmet(rule: Rule, message: str) -> Unmet:
    return Unmet(rule.__name__, message)


def _selection(episode):
    return _record(episode, "selection")


def _latest_mdt(episode):
    return episode.mdt_decisions.order_by("-date", "-id").first()


def _studies(episode, *modalities):
    return episode.imaging_studies.filter(modality__in=modalities)


NO_SELECTION = "No selection assessment has been recorded."


# --- selection -> mdt_discussion -----------------------------------------------------------
def indication_documented(episode) -> Unmet | None:
    sel = _selection(episode)
    if sel is None:
        return _unmet(indication_documented, NO_SELECTION)
    if not sel.indications:
        return _unmet(indication_documented, "No indication for thrombectomy is documented.")
    return None


def no_absolute_contraindication(episode) -> Unmet | None:
    sel = _selection(episode)
    if sel is None:
        return _unmet(no_absolute_contraindication, NO_SELECTION)
    if sel.contraindications:
        listed = ", ".join(sorted(sel.contraindications))
        return _unmet(
            no_absolute_contraindication, f"Absolute contraindication recorded: {listed}."
        )
    return None


def fit_for_procedure(episode) -> Unmet | None:
    sel = _selection(episode)
    if sel is None:
        return _unmet(fit_for_procedure, NO_SELECTION)
    if not sel.fit_for_procedure:
        return _unmet(fit_for_procedure, "Fitness for a major procedure has not been confirmed.")
    return None


def symptom_days(sel) -> int:
    return (sel.assessed_on - sel.symptom_onset).days


def symptom_window(episode) -> Unmet | None:
    sel = _selection(episode)
    if sel is None:
        return _unmet(symptom_window, NO_SELECTION)
    days = symptom_days(sel)
    if days > SYMPTOM_WINDOW_DAYS and not (sel.symptom_window_override or "").strip():
        return _unmet(
            symptom_window,
            f"Symptom onset was {days} days before the assessment, beyond the "
            f"{SYMPTOM_WINDOW_DAYS}-day window, and no override reason is recorded.",
        )
    return None


# --- mdt_discussion -> imaging ---------------------------------------------------------------
def mdt_decision_recorded(episode) -> Unmet | None:
    mdt = _latest_mdt(episode)
    if mdt is None:
        return _unmet(mdt_decision_recorded, "No MDT decision has been recorded.")
    if mdt.decision != MdtOutcome.PROCEED:
        return _unmet(
            mdt_decision_recorded,
            f"The latest MDT decision is '{mdt.decision}', not 'proceed'.",
        )
    return None


def mdt_quorum(episode) -> Unmet | None:
    mdt = _latest_mdt(episode)
    if mdt is None:
        return _unmet(mdt_quorum, "No MDT decision has been recorded.")
    required = (MdtRole.VASCULAR_SURGEON, MdtRole.INTERVENTIONAL_RADIOLOGIST)
    missing = [r.value for r in required if r not in mdt.attendees]
    if missing:
        return _unmet(
            mdt_quorum, f"The MDT had no {' and no '.join(m.replace('_', ' ') for m in missing)}."
        )
    return None


# --- imaging -> procedure --------------------------------------------------------------------
def duplex_done(episode) -> Unmet | None:
    if not _studies(episode, Modality.DUPLEX).exists():
        return _unmet(duplex_done, "No venous duplex ultrasound has been recorded.")
    return None


def cross_sectional_done(episode) -> Unmet | None:
    if not _studies(episode, *CROSS_SECTIONAL).exists():
        return _unmet(cross_sectional_done, "No CT or MR venography has been recorded.")
    return None


def ivc_assessed(episode) -> Unmet | None:
    assessed = episode.imaging_studies.filter(ivc_anomaly__isnull=False, ivc_filter__isnull=False)
    if not assessed.exists():
        return _unmet(
            ivc_assessed, "No imaging study records whether there is an IVC anomaly or filter."
        )
    return None


def echo_if_pe(episode) -> Unmet | None:
    sel = _selection(episode)
    if sel is None or not sel.pe_suspected:
        return None
    if not _studies(episode, Modality.ECHOCARDIOGRAPHY).exists():
        return _unmet(echo_if_pe, "PE is suspected and no echocardiography has been recorded.")
    return None


def anticoagulated(episode) -> Unmet | None:
    ac = _record(episode, "anticoagulation")
    if ac is None:
        return _unmet(anticoagulated, "Therapeutic anticoagulation has not been started.")
    if ac.started_at > timezone.now():
        return _unmet(anticoagulated, "Therapeutic anticoagulation is recorded as not yet started.")
    return None


# --- procedure -> post_op --------------------------------------------------------------------
def procedure_recorded(episode) -> Unmet | None:
    note = episode.current_procedure_note()
    if note is None:
        return _unmet(procedure_recorded, "No procedure note has been recorded.")
    missing = []
    if not note.access:
        missing.append("access")
    if not note.technique:
        missing.append("thrombus-removal technique")
    if note.completion_patent is None:
        missing.append("completion venography result")
    if missing:
        return _unmet(procedure_recorded, f"The procedure note lacks: {', '.join(missing)}.")
    return None


# --- post_op -> surveillance -----------------------------------------------------------------
def predischarge_duplex(episode) -> Unmet | None:
    note = episode.current_procedure_note()
    completed = episode.last_move_into("post_op")
    if note is None or completed is None:
        return _unmet(predischarge_duplex, "The procedure has not been completed.")
    found = _studies(episode, Modality.DUPLEX).filter(
        recorded_at__gte=completed.recorded_at, date__gte=note.date
    )
    if not found.exists():
        return _unmet(
            predischarge_duplex,
            "No duplex has been recorded since the procedure was completed, dated on or after "
            "the procedure day.",
        )
    return None


def inr_range_problem(low: Decimal | None, high: Decimal | None) -> str | None:
    if low is None or high is None:
        return "A VKA needs a target INR range."
    if not (INR_BOUNDS[0] <= low < high <= INR_BOUNDS[1]):
        return (
            f"The target INR range must be a low below a high, both within "
            f"{INR_BOUNDS[0]}-{INR_BOUNDS[1]}."
        )
    return None


def discharge_plan_recorded(episode) -> Unmet | None:
    plan = _record(episode, "discharge_plan")
    if plan is None:
        return _unmet(discharge_plan_recorded, "No discharge anticoagulation plan is recorded.")
    if plan.anticoagulant == Anticoagulant.VKA:
        problem = inr_range_problem(plan.target_inr_low, plan.target_inr_high)
        if problem:
            return _unmet(discharge_plan_recorded, problem)
    if not plan.compression_stockings and not plan.compression_reason.strip():
        return _unmet(
            discharge_plan_recorded,
            "Compression stockings are not prescribed and no reason is recorded.",
        )
    return None


# --- surveillance -> completed ---------------------------------------------------------------
def surveillance_finished(episode) -> Unmet | None:
    """Follow-ups live in the tasks app; the episode counts those owed."""
    owed = episode.follow_ups_owed(today=timezone.localdate())
    if owed and not (episode.pending_reason or "").strip():
        return _unmet(
            surveillance_finished,
            f"{owed} follow-up(s) are due or overdue; record them or give a reason to complete.",
        )
    return None


# --- correct ---------------------------------------------------------------------------------
def correctable_move(episode) -> Unmet | None:
    if episode.last_correctable_move() is None:
        return _unmet(correctable_move, "There is no move left to correct.")
    return None


# --- warnings: allowed, but worth seeing -----------------------------------------------------
def warnings(episode) -> list[Unmet]:
    found = []
    sel = _selection(episode)
    if sel is not None and episode.state == "selection":
        days = symptom_days(sel)
        if SYMPTOM_WINDOW_LATE_DAYS <= days <= SYMPTOM_WINDOW_DAYS:
            found.append(
                _unmet(
                    symptom_window, f"Late referral: symptom onset {days} days before assessment."
                )
            )
        elif days > SYMPTOM_WINDOW_DAYS and (sel.symptom_window_override or "").strip():
            found.append(
                _unmet(symptom_window, f"Outside the window ({days} days); override recorded.")
            )
    mdt = _latest_mdt(episode)
    if mdt is not None and episode.state == "mdt_discussion":
        recommended = (MdtRole.HAEMATOLOGIST, MdtRole.ANAESTHETIST)
        absent = [r.value.replace("_", " ") for r in recommended if r not in mdt.attendees]
        if absent:
            found.append(
                _unmet(mdt_quorum, f"Recommended but absent from the MDT: {', '.join(absent)}.")
            )
    return found


def guard(rule: Rule) -> Callable[..., bool]:
    """Wrap a rule as an FSM condition; the wrapper keeps the rule so it can be explained."""

    def condition(episode) -> bool:
        return rule(episode) is None

    condition.__name__ = rule.__name__
    condition.rule = rule
    return condition


def date_problem(value: dt.date | None) -> str | None:
    if value is not None and value > timezone.localdate():
        return "This date is in the future."
    return None
