"""The episode and its state machine, its append-only history, and the records the guards read.

- episode.py: Episode (the FSM), Transition (the history), Reintervention (why a reintervene);
- records.py: selection, MDT decisions, imaging, pre-procedure anticoagulation;
- procedure.py: the procedure notes with their stents, and the discharge plan;
- events.py: complications and post-op checks;
- anticoagulation.py: anticoagulation courses, renal function and weight (section 7).
Every record keeps its revisions (core/revisions.py).
"""

from pathway.models.anticoagulation import AnticoagulationCourse, Measurement
from pathway.models.episode import AppendOnlyQuerySet, Episode, Reintervention, Transition
from pathway.models.events import Complication, PostopCheck
from pathway.models.procedure import DischargePlan, ProcedureNote, Stent, StentSegment
from pathway.models.records import (
    ImagingStudy,
    MdtDecision,
    PreProcedureAnticoagulation,
    Recorded,
    SelectionAssessment,
)

__all__ = [
    "AnticoagulationCourse",
    "AppendOnlyQuerySet",
    "Complication",
    "DischargePlan",
    "Episode",
    "ImagingStudy",
    "Measurement",
    "MdtDecision",
    "PostopCheck",
    "PreProcedureAnticoagulation",
    "ProcedureNote",
    "Recorded",
    "Reintervention",
    "SelectionAssessment",
    "Stent",
    "StentSegment",
    "Transition",
]
