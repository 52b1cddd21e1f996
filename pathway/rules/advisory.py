"""Warnings: what a move allows but a clinician should see (pathway.md sections 2 and 3)."""

from __future__ import annotations

from pathway.codes import Inflow, LimbPerfusion, MdtRole, State, Thrombophilia
from pathway.rules.base import Unmet, latest_mdt, selection_of, unmet
from pathway.rules.guards import (
    SYMPTOM_WINDOW_DAYS,
    SYMPTOM_WINDOW_LATE_DAYS,
    mdt_quorum,
    symptom_days,
    symptom_window,
)


# --- warnings: allowed, but worth seeing -----------------------------------------------------
def warnings(episode) -> list[Unmet]:
    found = []
    sel = selection_of(episode)
    if sel is not None and episode.state == "selection":
        days = symptom_days(sel)
        if SYMPTOM_WINDOW_LATE_DAYS <= days <= SYMPTOM_WINDOW_DAYS:
            found.append(
                unmet(
                    symptom_window, f"Late referral: symptom onset {days} days before assessment."
                )
            )
        elif days > SYMPTOM_WINDOW_DAYS and (sel.symptom_window_override or "").strip():
            found.append(
                unmet(symptom_window, f"Outside the window ({days} days); override recorded.")
            )
    later = []
    if episode.state == State.POST_OP:
        later += [thrombophilia_assessed, postop_checks_recorded]
    if episode.state in (State.PROCEDURE, State.POST_OP, State.SURVEILLANCE):
        later += [completion_venogram, inflow]
    found += [u for u in (rule(episode) for rule in later) if u is not None]
    mdt = latest_mdt(episode)
    if mdt is not None and episode.state == "mdt_discussion":
        recommended = (MdtRole.HAEMATOLOGIST, MdtRole.ANAESTHETIST)
        absent = [r.value.replace("_", " ") for r in recommended if r not in mdt.attendees]
        if absent:
            found.append(
                unmet(mdt_quorum, f"Recommended but absent from the MDT: {', '.join(absent)}.")
            )
    return found


def thrombophilia_assessed(episode) -> Unmet | None:
    """A warning before discharge: failing to identify thrombophilia is a common mistake."""
    sel = selection_of(episode)
    if sel is None or sel.thrombophilia == Thrombophilia.NOT_TESTED:
        return unmet(
            thrombophilia_assessed,
            "Thrombophilia has not been tested; missing it is one of the guide's common mistakes.",
        )
    return None


def postop_checks_recorded(episode) -> Unmet | None:
    """A warning before discharge: no vital-sign and limb check since the procedure."""
    completed = episode.last_move_into("post_op")
    checks = episode.postop_checks.all()
    if completed is not None:
        checks = checks.filter(recorded_at__gte=completed.recorded_at)
    if not checks.exists():
        return unmet(postop_checks_recorded, "No post-op check has been recorded.")
    return None


RESIDUAL_STENOSIS_LIMIT = 50


def completion_venogram(episode) -> Unmet | None:
    """A warning: the completion venogram of the current procedure is not satisfactory."""
    note = episode.current_procedure_note()
    if note is None:
        return None
    problems = []
    if note.completion_patent is False:
        problems.append("not patent")
    if note.dissection:
        problems.append("a dissection")
    if (note.residual_stenosis_pct or 0) >= RESIDUAL_STENOSIS_LIMIT:
        problems.append(f"{note.residual_stenosis_pct}% residual stenosis")
    if problems:
        return unmet(completion_venogram, f"Completion venogram: {', '.join(problems)}.")
    return None


def inflow(episode) -> Unmet | None:
    """A warning: poor inflow to the stented segment is a known cause of stent failure."""
    note = episode.current_procedure_note()
    if note is not None and note.inflow == Inflow.POOR:
        return unmet(inflow, "Poor inflow to the stented segment, a known cause of stent failure.")
    return None


def postop_check_alarming(check) -> bool:
    """An impaired limb, compartment signs or bleeding: the coordinator is told at once."""
    return (
        check.limb_perfusion == LimbPerfusion.IMPAIRED
        or check.compartment_signs
        or check.access_bleeding
    )
