"""The summary for the patient and their GP (issue 18): the diagnosis and its extent, the
procedure and discharge dates, the anticoagulant actually taken (its courses, pathway.md
section 7), the compression decision, the next few appointments and whom to call at the unit.
The advice printed under it is the guide's, in the template. A fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects

from pathway import hooks, labels
from pathway.codes import CourseClass, Segment
from pathway.models import AnticoagulationCourse
from pathway.selectors.journey import Contact, _contact, _episode, _journey
from pathway.selectors.prefetched import prefetched
from patients.models import Patient

APPOINTMENTS_SHOWN = 3  # the next few, not five years of follow-ups

# A course's agent as a patient and GP read it; the products go by their own names.
UNNAMED = {
    "lmwh": "A low-molecular-weight heparin (LMWH) injection",
    "vka": "A vitamin K antagonist (VKA)",
    "doac": "A direct oral anticoagulant (DOAC)",
    "ufh_infusion": "Heparin infusion (UFH)",
}
# The follow-ups in the patient's words.
APPOINTMENT_WORDS = {
    "duplex": "Ultrasound scan of the stents (duplex)",
    "anticoagulation_review": "Review of your anticoagulant",
    "inr_check": "INR blood test",
}
_VEIN_ORDER = ("common_iliac", "external_iliac", "common_femoral", "femoral", "popliteal")


def _listed(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def extent_words(segments: list[str]) -> str:
    """The thrombus extent in words, by side: `ivc`, `left_common_iliac`, `left_femoral` ->
    "the inferior vena cava (IVC) and the left common iliac and femoral veins"."""
    chosen = set(segments or ())
    parts = []
    if Segment.IVC in chosen:
        parts.append("the inferior vena cava (IVC)")
    for side in ("left", "right"):
        veins = [v.replace("_", " ") for v in _VEIN_ORDER if f"{side}_{v}" in chosen]
        if veins:
            plural = "veins" if len(veins) > 1 else "vein"
            parts.append(f"the {side} {_listed(veins)} {plural}")
    return _listed(parts)


def _number(value) -> str:
    """A decimal without trailing zeros: 5.00 -> "5", 1.50 -> "1.5"."""
    text = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    return text


@dataclass(frozen=True)
class Medicine:
    """An anticoagulant course the patient takes now, in words."""

    words: str  # "Warfarin 5 mg once daily, target INR 2.0–3.0"
    agent_class: str
    duration: str  # "for 6 months, to 8 July 2025" / "long-term: no end date is planned"
    bridging: bool = False


def medicine_words(course: AnticoagulationCourse) -> str:
    words = UNNAMED.get(course.agent, course.get_agent_display())
    if course.dose is not None:
        words += f" {_number(course.dose)} {course.dose_unit}".rstrip()
    if course.frequency:
        words += f" {course.frequency}"
    if course.agent_class == CourseClass.VKA and course.target_inr_low is not None:
        words += f", target INR {course.target_inr_low}–{course.target_inr_high}"
    return words


def _duration(course: AnticoagulationCourse, bridging: bool) -> str:
    if bridging:
        return "until the unit tells you to stop it (while the tablets start to work)"
    if course.planned_duration_months:
        end = course.planned_end
        return f"for {course.planned_duration_months} months, to {end.day} {end:%B %Y}"
    return "long-term: no end date is planned; do not stop it unless the unit tells you to"


@dataclass(frozen=True)
class Appointment:
    what: str
    due_on: dt.date
    opens: dt.date
    closes: dt.date
    overdue: bool = False  # its window has closed: still owed


@dataclass
class PatientSummary:
    episode: object
    patient: Patient
    extent: str  # "" when no selection is recorded
    symptom_onset: dt.date | None
    procedure_on: dt.date | None  # the index procedure
    reintervention_on: list[dt.date] = field(default_factory=list)
    stents: list = field(default_factory=list)  # of the latest procedure
    discharged_on: dt.date | None = None
    medicines: list[Medicine] = field(default_factory=list)
    plan_words: str = ""  # the discharge plan's anticoagulant when no course names it
    compression: bool | None = None
    compression_reason: str = ""
    appointments: list[Appointment] = field(default_factory=list)
    more_appointments: int = 0
    contact: Contact | None = None
    contact_role: str = ""

    @property
    def on_vka(self) -> bool:
        return any(m.agent_class == CourseClass.VKA for m in self.medicines) or (
            not self.medicines and self.plan_words.startswith("A vitamin K")
        )


PLAN_WORDS = {"vka": UNNAMED["vka"], "doac": UNNAMED["doac"], "lmwh": UNNAMED["lmwh"]}


def episode_patient_summary(*, actor, episode_id: int) -> PatientSummary:
    """What the patient and their GP are given on one or two printed pages (about 12
    queries, whatever the number of follow-ups, courses and procedures)."""
    episode = _episode(actor, episode_id)
    (seen,) = prefetched([episode])
    prefetch_related_objects([episode], "procedure_notes__stents")
    journey = _journey(episode)
    selection = episode.selection if _has(episode, "selection") else None
    plan = episode.discharge_plan if _has(episode, "discharge_plan") else None
    notes = list(episode.procedure_notes.all())  # by date
    index = next((n for n in notes if n.reintervention_id is None), None)
    latest = seen.current_procedure_note() or index
    discharge = seen.standing_move("discharge")
    bridging = {b.parenteral.id for b in journey.bridging}
    medicines = [
        Medicine(medicine_words(c), c.agent_class, _duration(c, c.id in bridging), c.id in bridging)
        for c in journey.current
    ]
    medicines.sort(key=lambda m: m.bridging)  # the long-term one first
    owed, total = hooks.read("open_follow_ups", episode_id=episode.id, limit=APPOINTMENTS_SHOWN)
    more = max(total - APPOINTMENTS_SHOWN, 0)
    contact, role = _contact(episode.assigned_coordinator), "coordinator"
    if contact is None and discharge is not None:
        user = get_user_model().objects.filter(id=discharge.actor_id).first()
        contact, role = _contact(user), "discharging clinician"
    return PatientSummary(
        episode=episode,
        patient=episode.patient,
        extent=extent_words(selection.thrombus_segments) if selection else "",
        symptom_onset=selection.symptom_onset if selection else None,
        procedure_on=index.date if index else None,
        reintervention_on=[n.date for n in notes if n.reintervention_id is not None],
        stents=[
            {
                "product": s.product,
                "size": f"{s.diameter_mm} × {s.length_mm} mm",
                "where": labels.code(s.segment),
            }
            for s in (latest.stents.all() if latest else ())
        ],
        discharged_on=discharge.effective_on if discharge else None,
        medicines=medicines,
        plan_words=PLAN_WORDS.get(plan.anticoagulant, "") if plan else "",
        compression=plan.compression_stockings if plan else None,
        compression_reason=plan.compression_reason if plan else "",
        appointments=[
            Appointment(
                APPOINTMENT_WORDS.get(f.kind, labels.sentence(labels.code(f.kind))),
                f.due_on,
                f.window_opens_on,
                f.window_closes_on,
                overdue=f.window_closes_on < journey.today,
            )
            for f in owed
        ],
        more_appointments=more,
        contact=contact,
        contact_role=role if contact else "",
    )


def _has(episode, relation: str) -> bool:
    try:
        getattr(episode, relation)
    except episode._meta.get_field(relation).related_model.DoesNotExist:
        return False
    return True
