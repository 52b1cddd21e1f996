"""The guards of pathway.md section 2, one function each, named as the rule.

Each takes an episode and returns None when the rule is met, or Unmet(rule, message) saying in
words why not. They read recorded facts only and change nothing, so they can guard FSM
transitions and also explain, on the episode view, what blocks each move.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from pathway.codes import (
    CROSS_SECTIONAL,
    Anticoagulant,
    Contraindication,
    MdtOutcome,
    MdtRole,
    Modality,
)
from pathway.rules.base import (
    NO_SELECTION,
    Unmet,
    latest_mdt,
    move_day,
    record_of,
    selection_of,
    since_onset,
    studies,
    unmet,
)

if TYPE_CHECKING:
    from pathway.models import Episode, ImagingStudy, SelectionAssessment

SYMPTOM_WINDOW_DAYS = 21
SYMPTOM_WINDOW_LATE_DAYS = 14
INR_BOUNDS = (Decimal("1.5"), Decimal("4.5"))  # a target range
# An INR reading: the API and the inbox form take these. Above 15 is a typing slip ('20' for
# 2.0), not a reading; every INR from 5.0 up is already critical (pathway.md section 6).
INR_READING_BOUNDS = (Decimal("0.5"), Decimal("15"))


# --- selection -> mdt_discussion -----------------------------------------------------------
def indication_documented(episode: Episode) -> Unmet | None:
    sel = selection_of(episode)
    if sel is None:
        return unmet(indication_documented, NO_SELECTION)
    if not sel.indications:
        return unmet(indication_documented, "No indication for thrombectomy is documented.")
    return None


def no_absolute_contraindication(episode: Episode) -> Unmet | None:
    sel = selection_of(episode)
    if sel is None:
        return unmet(no_absolute_contraindication, NO_SELECTION)
    if sel.contraindications:
        listed = ", ".join(sorted(Contraindication(c).label.lower() for c in sel.contraindications))
        return unmet(no_absolute_contraindication, f"Absolute contraindication recorded: {listed}.")
    return None


def fit_for_procedure(episode: Episode) -> Unmet | None:
    sel = selection_of(episode)
    if sel is None:
        return unmet(fit_for_procedure, NO_SELECTION)
    if not sel.fit_for_procedure:
        return unmet(fit_for_procedure, "Fitness for a major procedure has not been confirmed.")
    return None


def symptom_days(sel: SelectionAssessment) -> int:
    return (sel.assessed_on - sel.symptom_onset).days


def symptom_window(episode: Episode) -> Unmet | None:
    sel = selection_of(episode)
    if sel is None:
        return unmet(symptom_window, NO_SELECTION)
    days = symptom_days(sel)
    if days > SYMPTOM_WINDOW_DAYS and not (sel.symptom_window_override or "").strip():
        return unmet(
            symptom_window,
            f"Symptom onset was {days} days before the assessment, beyond the "
            f"{SYMPTOM_WINDOW_DAYS}-day window, and no override reason is recorded.",
        )
    return None


# --- mdt_discussion -> imaging ---------------------------------------------------------------
def mdt_decision_recorded(episode: Episode) -> Unmet | None:
    mdt = latest_mdt(episode)
    if mdt is None:
        return unmet(mdt_decision_recorded, "No MDT decision has been recorded.")
    if mdt.decision != MdtOutcome.PROCEED:
        return unmet(
            mdt_decision_recorded,
            f"The latest MDT decision is '{mdt.decision}', not 'proceed'.",
        )
    return None


def mdt_quorum(episode: Episode) -> Unmet | None:
    mdt = latest_mdt(episode)
    if mdt is None:
        return unmet(mdt_quorum, "No MDT decision has been recorded.")
    required = (MdtRole.VASCULAR_SURGEON, MdtRole.INTERVENTIONAL_RADIOLOGIST)
    missing = [r.value for r in required if r not in mdt.attendees]
    if missing:
        return unmet(
            mdt_quorum, f"The MDT had no {' and no '.join(m.replace('_', ' ') for m in missing)}."
        )
    return None


# --- imaging -> procedure --------------------------------------------------------------------
def _none_current(none: str, what: str, episode: Episode, found: QuerySet[ImagingStudy]) -> str:
    """Why no study counts: none at all (`none`), or only ones from before the symptom onset."""
    sel = selection_of(episode)
    older = found.order_by("-date").first()
    if sel is None or older is None:
        return none
    return (
        f"No {what} has been recorded since the symptom onset "
        f"({sel.symptom_onset.isoformat()}); the older study of {older.date.isoformat()} does "
        "not count, as it cannot show this clot."
    )


def duplex_done(episode: Episode) -> Unmet | None:
    found = studies(episode, Modality.DUPLEX)
    if not since_onset(episode, found).exists():
        return unmet(
            duplex_done,
            _none_current(
                "No venous duplex ultrasound has been recorded.",
                "venous duplex ultrasound",
                episode,
                found,
            ),
        )
    return None


def cross_sectional_done(episode: Episode) -> Unmet | None:
    found = studies(episode, *CROSS_SECTIONAL)
    if not since_onset(episode, found).exists():
        return unmet(
            cross_sectional_done,
            _none_current(
                "No CT or MR venography has been recorded.", "CT or MR venography", episode, found
            ),
        )
    return None


def ivc_assessed(episode: Episode) -> Unmet | None:
    found = episode.imaging_studies.filter(ivc_anomaly__isnull=False, ivc_filter__isnull=False)
    if not since_onset(episode, found).exists():
        none = "No imaging study records whether there is an IVC anomaly or filter."
        what = "imaging study of whether there is an IVC anomaly or filter"
        return unmet(ivc_assessed, _none_current(none, what, episode, found))
    return None


def echo_if_pe(episode: Episode) -> Unmet | None:
    sel = selection_of(episode)
    if sel is None or not sel.pe_suspected:
        return None
    found = studies(episode, Modality.ECHOCARDIOGRAPHY)
    if not since_onset(episode, found).exists():
        none = "PE is suspected and no echocardiography has been recorded."
        what = "echocardiography (PE is suspected)"
        return unmet(echo_if_pe, _none_current(none, what, episode, found))
    return None


def thrombus_age(episode: Episode) -> Unmet | None:
    """The symptom window measured again at booking, from the onset to the move's date."""
    sel = selection_of(episode)
    if sel is None:
        return unmet(thrombus_age, NO_SELECTION)
    day = move_day(episode)
    days = (day - sel.symptom_onset).days
    if days > SYMPTOM_WINDOW_DAYS and not (sel.symptom_window_override or "").strip():
        return unmet(
            thrombus_age,
            f"Symptom onset was {days} days before the booking ({day.isoformat()}), beyond the "
            f"{SYMPTOM_WINDOW_DAYS}-day window, and no override reason is recorded on the "
            "selection.",
        )
    return None


def anticoagulated(episode: Episode) -> Unmet | None:
    """An anticoagulant course running today (pathway.md section 7: the courses, which the
    pre-procedure anticoagulation record also writes)."""
    today = timezone.localdate()
    courses = list(episode.courses.all())
    if any(c.running_on(today) for c in courses):
        return None
    if any(c.started_on > today for c in courses):
        return unmet(anticoagulated, "Therapeutic anticoagulation is recorded as not yet started.")
    if courses:
        return unmet(anticoagulated, "Every anticoagulant course recorded has stopped.")
    return unmet(anticoagulated, "Therapeutic anticoagulation has not been started.")


# --- procedure -> post_op --------------------------------------------------------------------
def procedure_recorded(episode: Episode) -> Unmet | None:
    note = episode.current_procedure_note()
    if note is None:
        return unmet(procedure_recorded, "No procedure note has been recorded.")
    missing = []
    if not note.access:
        missing.append("access")
    if not note.technique:
        missing.append("thrombus-removal technique")
    if note.completion_patent is None:
        missing.append("completion venography result")
    if missing:
        return unmet(procedure_recorded, f"The procedure note lacks: {', '.join(missing)}.")
    return None


# --- post_op -> surveillance -----------------------------------------------------------------
def predischarge_duplex(episode: Episode) -> Unmet | None:
    note = episode.current_procedure_note()
    completed = episode.last_move_into("post_op")
    if note is None or completed is None:
        return unmet(predischarge_duplex, "The procedure has not been completed.")
    found = studies(episode, Modality.DUPLEX).filter(
        recorded_at__gte=completed.recorded_at, date__gte=note.date
    )
    if not found.exists():
        return unmet(
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


def discharge_plan_recorded(episode: Episode) -> Unmet | None:
    plan = record_of(lambda: episode.discharge_plan)
    if plan is None:
        return unmet(discharge_plan_recorded, "No discharge anticoagulation plan is recorded.")
    if plan.anticoagulant == Anticoagulant.VKA:
        problem = inr_range_problem(plan.target_inr_low, plan.target_inr_high)
        if problem:
            return unmet(discharge_plan_recorded, problem)
    if not plan.compression_stockings and not plan.compression_reason.strip():
        return unmet(
            discharge_plan_recorded,
            "Compression stockings are not prescribed and no reason is recorded.",
        )
    return None


# --- surveillance -> completed ---------------------------------------------------------------
def _unseen_urgent_findings(episode: Episode) -> list[str]:
    """What each urgent finding of the episode that nobody has acknowledged found, in words: a
    finding (a follow-up's, a visit's or a post-op check's) is seen once any of its alerts is
    acknowledged; resolved ones (by an exit since corrected) are moot. The facts come from the
    tasks app's reader (pathway/hooks.py), the episode's or the prefetched ones."""
    findings: dict[tuple[object, ...], list[Any]] = {}
    for alert in episode.urgent_findings():
        findings.setdefault(alert.finding, []).append(alert)
    unseen = []
    for same in findings.values():
        if any(a.acknowledged for a in same):
            continue
        alert = same[0]
        unseen.append(f"{alert.text} ({alert.source})" if alert.text else alert.source)
    return unseen


def _failed_stents_unanswered(episode: Episode) -> str | None:
    """The latest duplex's stenosed or occluded stented segments, in words, unless a
    re-intervention that stands was made on or after the day of that duplex."""
    latest = episode.latest_duplex_failures()
    if latest is None or not latest[1]:
        return None
    done_on, failed = latest
    after = episode.effective_history().filter(name="reintervene", effective_on__gte=done_on)
    if after.exists():
        return None
    return ", ".join(f"{segment.replace('_', ' ')} {result}" for segment, result in failed)


def surveillance_finished(episode: Episode) -> Unmet | None:
    """Ending surveillance is a decision (the move always takes a reason; lifelong surveillance
    is the default), never taken over an urgent finding nobody has seen nor over a failing
    stent nobody has treated (pathway.md section 6). Follow-ups live in the tasks app; the
    episode counts those owed, and a reason covers them."""
    problems = []
    owed = episode.follow_ups_owed(today=timezone.localdate())
    if owed and not (episode.pending_reason or "").strip():
        problems.append(
            f"{owed} follow-up(s) are due or overdue; record them or give a reason to complete."
        )
    unseen = _unseen_urgent_findings(episode)
    if unseen:
        problems.append(
            f"An urgent result nobody has acknowledged: {'; '.join(unseen)}. Acknowledge it "
            "before finishing surveillance."
        )
    failed = _failed_stents_unanswered(episode)
    if failed:
        problems.append(
            f"The latest duplex shows {failed}, with no re-intervention since. Re-intervene, "
            "or record a duplex showing the stents patent, before finishing surveillance."
        )
    if problems:
        return unmet(surveillance_finished, " ".join(problems))
    return None


# --- correct ---------------------------------------------------------------------------------
def correctable_move(episode: Episode) -> Unmet | None:
    if episode.last_correctable_move() is None:
        return unmet(correctable_move, "There is no move left to correct.")
    return None
