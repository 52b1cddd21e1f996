"""Warnings: what a move allows but a clinician should see (pathway.md sections 2, 3, 6, 7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from pathway.codes import (
    ACTIVE,
    COURSE_CLASS,
    CROSS_SECTIONAL,
    DEFAULT_TARGET_INR,
    CourseAgent,
    CourseClass,
    Inflow,
    LimbPerfusion,
    MdtRole,
    Modality,
    State,
    Thrombophilia,
)
from pathway.rules.base import (
    Unmet,
    age_on,
    latest_mdt,
    move_day,
    selection_of,
    since_onset,
    studies,
    unmet,
)
from pathway.rules.guards import (
    SYMPTOM_WINDOW_DAYS,
    SYMPTOM_WINDOW_LATE_DAYS,
    mdt_quorum,
    no_absolute_contraindication,
    symptom_days,
    symptom_window,
    thrombus_age,
)
from pathway.rules.suitability import anticoagulant_suitable

if TYPE_CHECKING:
    from pathway.models import (
        AnticoagulationCourse,
        Episode,
        ImagingStudy,
        MdtDecision,
        PostopCheck,
    )

BEFORE_THE_PROCEDURE = (State.SELECTION, State.MDT_DISCUSSION, State.IMAGING, State.PROCEDURE)


# --- warnings: allowed, but worth seeing -----------------------------------------------------
def warnings(episode: Episode) -> list[Unmet]:
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
    if sel is not None and episode.state in ACTIVE:  # every open episode shows one recorded
        later.append(no_absolute_contraindication)
    if episode.state in BEFORE_THE_PROCEDURE:
        later.append(imaging_findings_reviewed)
    if episode.state == State.IMAGING:
        later += [imaging_current, thrombus_age_warning]
    if episode.state == State.POST_OP:
        later += [thrombophilia_assessed, postop_checks_recorded]
    if episode.state in (State.PROCEDURE, State.POST_OP, State.SURVEILLANCE):
        later += [completion_venogram, inflow]
    if episode.state in (State.POST_OP, State.SURVEILLANCE):
        later += [bridging_complete, postop_checks_after_procedure]
    found += [u for u in (rule(episode) for rule in later) if u is not None]
    if episode.state in ACTIVE:  # the VKA or DOAC being given: at any course change, discharge
        found += anticoagulant_suitable(episode)
    mdt = latest_mdt(episode)
    if mdt is not None and episode.state == "mdt_discussion":
        recommended = (MdtRole.HAEMATOLOGIST, MdtRole.ANAESTHETIST)
        absent = [r.value.replace("_", " ") for r in recommended if r not in mdt.attendees]
        if absent:
            found.append(
                unmet(mdt_quorum, f"Recommended but absent from the MDT: {', '.join(absent)}.")
            )
    if (age := plausible_age(episode)) is not None:
        found.append(age)
    return found


# --- before the procedure (pathway.md section 6) ---------------------------------------------
FINDINGS = (
    ("ivc_anomaly", "an IVC anomaly"),
    ("ivc_filter", "an IVC filter"),
    ("right_heart_strain", "right-heart strain"),
)
MODALITY_WORDS: dict[str, str] = {
    Modality.DUPLEX: "venous duplex",
    Modality.CT_VENOGRAPHY: "CT venography",
    Modality.MR_VENOGRAPHY: "MR venography",
    Modality.ECHOCARDIOGRAPHY: "echocardiography",
}


def _reviewed(study: ImagingStudy, decisions: Iterable[MdtDecision]) -> bool:
    """An MDT decision dated after the study, or the same day and recorded after it."""
    return any(
        d.date > study.date or (d.date == study.date and d.recorded_at > study.recorded_at)
        for d in decisions
    )


def imaging_findings_reviewed(episode: Episode) -> Unmet | None:
    """A warning: imaging showed an IVC anomaly, an IVC filter or right-heart strain and no MDT
    decision has been made since that study."""
    decisions = list(episode.mdt_decisions.all())
    unseen = []
    for study in episode.imaging_studies.order_by("date", "id"):
        shown = [words for name, words in FINDINGS if getattr(study, name)]
        if shown and not _reviewed(study, decisions):
            what = MODALITY_WORDS.get(study.modality, study.modality)
            unseen.append(f"{what} of {study.date.isoformat()} shows {' and '.join(shown)}")
    if unseen:
        said = "; ".join(unseen)
        return unmet(
            imaging_findings_reviewed,
            f"{said[0].upper()}{said[1:]}. No MDT decision has been recorded since.",
        )
    return None


IMAGING_CURRENT_DAYS = 14


def imaging_current(episode: Episode) -> Unmet | None:
    """A warning at booking: the latest study counting for an imaging guard is older than 14
    days on the move's date (the clot may have changed since)."""
    sel = selection_of(episode)
    needed = [
        studies(episode, Modality.DUPLEX),
        studies(episode, *CROSS_SECTIONAL),
        episode.imaging_studies.filter(ivc_anomaly__isnull=False, ivc_filter__isnull=False),
    ]
    if sel is not None and sel.pe_suspected:
        needed.append(studies(episode, Modality.ECHOCARDIOGRAPHY))
    day = move_day(episode)
    stale = {}
    for found in needed:
        latest = since_onset(episode, found).order_by("-date", "-id").first()
        if latest is not None and (day - latest.date).days > IMAGING_CURRENT_DAYS:
            stale[latest.id] = latest
    if not stale:
        return None
    listed = ", ".join(
        f"{MODALITY_WORDS.get(s.modality, s.modality)} of {s.date.isoformat()} "
        f"({(day - s.date).days} days old)"
        for s in sorted(stale.values(), key=lambda s: (s.date, s.id))
    )
    return unmet(
        imaging_current, f"Imaging older than {IMAGING_CURRENT_DAYS} days at booking: {listed}."
    )


def thrombus_age_warning(episode: Episode) -> Unmet | None:
    """A warning under the name thrombus_age: booked 14-21 days after the symptom onset, or
    beyond 21 days on the strength of the override recorded on the selection."""
    sel = selection_of(episode)
    if sel is None:
        return None
    day = move_day(episode)
    days = (day - sel.symptom_onset).days
    if SYMPTOM_WINDOW_LATE_DAYS <= days <= SYMPTOM_WINDOW_DAYS:
        return unmet(
            thrombus_age, f"Late booking: symptom onset {days} days before {day.isoformat()}."
        )
    if days > SYMPTOM_WINDOW_DAYS and (sel.symptom_window_override or "").strip():
        return unmet(
            thrombus_age,
            f"Symptom onset {days} days before {day.isoformat()}, beyond the "
            f"{SYMPTOM_WINDOW_DAYS}-day window; the override recorded on the selection allows it.",
        )
    return None


AGE_PLAUSIBLE = (16, 100)


def plausible_age(episode: Episode) -> Unmet | None:
    """A warning: an age at referral under 16 or over 100 is more often a mistyped birth date
    than a patient of this pathway."""
    born = episode.patient.birth_date
    age = age_on(born, episode.opened_on())
    low, high = AGE_PLAUSIBLE
    if age < low or age > high:
        return unmet(
            plausible_age,
            f"Age at referral {age} (born {born.isoformat()}), outside {low}-{high}: check the "
            "birth date.",
        )
    return None


def thrombophilia_assessed(episode: Episode) -> Unmet | None:
    """A warning before discharge: failing to identify thrombophilia is a common mistake."""
    sel = selection_of(episode)
    if sel is None or sel.thrombophilia == Thrombophilia.NOT_TESTED:
        return unmet(
            thrombophilia_assessed,
            "Thrombophilia has not been tested; missing it is one of the guide's common mistakes.",
        )
    return None


def postop_checks_recorded(episode: Episode) -> Unmet | None:
    """A warning before discharge: no vital-sign and limb check since the procedure."""
    completed = episode.last_move_into("post_op")
    checks = episode.postop_checks.all()
    if completed is not None:
        checks = checks.filter(recorded_at__gte=completed.recorded_at)
    if not checks.exists():
        return unmet(postop_checks_recorded, "No post-op check has been recorded.")
    return None


def postop_checks_after_procedure(episode: Episode) -> Unmet | None:
    """A warning: a post-op check of the current procedure dated before its (perhaps
    corrected) date; a check is not refused when the procedure date is corrected later, so the
    page says which ones no longer fit."""
    note = episode.current_procedure_note()
    if note is None:
        return None
    booked = episode.last_move_into(State.PROCEDURE)  # the checks since this procedure's booking
    checks = episode.postop_checks.all()
    if booked is not None:
        checks = checks.filter(recorded_at__gte=booked.recorded_at)
    early = sorted(timezone.localtime(c.at) for c in checks if timezone.localdate(c.at) < note.date)
    if not early:
        return None
    when = ", ".join(f"{at:%Y-%m-%d %H:%M}" for at in early)
    checks_word = "A post-op check is" if len(early) == 1 else f"{len(early)} post-op checks are"
    return unmet(
        postop_checks_after_procedure,
        (
            f"{checks_word} dated before the procedure ({note.date.isoformat()}): {when}. "
            "Correct the procedure date or the check."
        ),
    )


RESIDUAL_STENOSIS_LIMIT = 50


def completion_venogram(episode: Episode) -> Unmet | None:
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


def inflow(episode: Episode) -> Unmet | None:
    """A warning: poor inflow to the stented segment is a known cause of stent failure."""
    note = episode.current_procedure_note()
    if note is not None and note.inflow == Inflow.POOR:
        return unmet(inflow, "Poor inflow to the stented segment, a known cause of stent failure.")
    return None


# --- the anticoagulation journey (pathway.md section 7) --------------------------------------
BRIDGING_DAYS = 5  # a parenteral course runs at least this long alongside a new VKA


def _agent_words(agent: str) -> str:
    return "the VKA" if agent == CourseAgent.VKA else CourseAgent(agent).label.lower()


def _alongside(parenteral: AnticoagulationCourse, vka: AnticoagulationCourse) -> bool:
    """The parenteral course ran on at least one day of the (running) VKA course."""
    return parenteral.stopped_on is None or parenteral.stopped_on >= vka.started_on


def _in_range_24h_apart(
    readings: Iterable[tuple[dt.date, Decimal]], vka: AnticoagulationCourse, until: dt.date
) -> bool:
    """Two INR readings in the VKA's target range, from its start to `until`, on different
    days (a reading is dated, not timed: a day apart is at least 24 hours)."""
    low, high = vka.target_inr_low, vka.target_inr_high
    if low is None or high is None:
        low, high = (Decimal(v) for v in DEFAULT_TARGET_INR)
    days = {on for on, inr in readings if vka.started_on <= on <= until and low <= inr <= high}
    return len(days) >= 2


def bridging_complete(episode: Episode) -> Unmet | None:
    """A warning: a VKA started while a parenteral course (UFH, LMWH, fondaparinux) runs needs
    that course for at least 5 days alongside and until two INR readings at least 24 hours
    apart are in the VKA's range; one stopped earlier, or a VKA started before discharge with
    no parenteral course alongside at all, leaves the stent under-anticoagulated ("insufficient
    anticoagulation post-procedure", a common mistake). A VKA started in surveillance without
    one (a switch from a DOAC) is not bridged. Only for a VKA course still running."""
    courses = list(episode.courses.all())
    vkas = [c for c in courses if COURSE_CLASS[c.agent] == CourseClass.VKA and not c.stopped_on]
    if not vkas:
        return None
    parenteral = [c for c in courses if COURSE_CLASS[c.agent] == CourseClass.PARENTERAL]
    discharge = episode.last_move_into(State.SURVEILLANCE)
    readings: list[tuple[dt.date, Decimal]] | None = None
    problems = []
    for vka in vkas:
        name = _agent_words(vka.agent)
        alongside = [p for p in parenteral if _alongside(p, vka)]
        if not alongside:
            if discharge is None or vka.started_on <= discharge.effective_on:
                problems.append(
                    f"{name[:1].upper()}{name[1:]} started on {vka.started_on.isoformat()} with "
                    "no parenteral anticoagulant alongside"
                )
            continue
        stops = [p.stopped_on for p in alongside if p.stopped_on is not None]
        if len(stops) < len(alongside):
            continue  # still bridging
        stopped = max(stops)
        together = (stopped - max(vka.started_on, min(p.started_on for p in alongside))).days
        if together + 1 >= BRIDGING_DAYS:
            if readings is None:  # read only when they decide
                readings = episode.inr_readings()
            if _in_range_24h_apart(readings, vka, stopped):
                continue
        day = (stopped - vka.started_on).days + 1
        problems.append(f"Bridging stopped on day {day} of {name}")
    if not problems:
        return None
    return unmet(
        bridging_complete,
        f"{'; '.join(problems)}; at least {BRIDGING_DAYS} days and two INRs in range 24 h apart "
        "are needed.",
    )


def postop_check_alarming(check: PostopCheck) -> bool:
    """An impaired limb, compartment signs or bleeding: the coordinator is told at once."""
    return (
        check.limb_perfusion == LimbPerfusion.IMPAIRED
        or check.compartment_signs
        or check.access_bleeding
    )
