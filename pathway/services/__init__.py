"""Writes on episodes, as Zulip's actions: one keyword-only `<entity>_<action>` function each,
split by concern and re-exported here.

- episodes.py: opening an episode and naming who looks after it;
- moves.py: moving it along the pathway (lock, transition, save, history, after-move handlers);
- records.py: the records the guards read before the procedure;
- procedure.py: the procedure note and the discharge plan;
- events.py: complications and post-op checks;
- anticoagulation.py: the anticoagulation courses (section 7);
- measurements.py: renal function and weight (section 7);
- common.py: what every writer shares (the lock, the timeline, dates, the Writer entry).

Each record writer declares beside it (its module's WRITERS) the states it is open in and the
move that relies on it; WRITERS gathers them, by the name the page's forms use, for the pages
and the API to read instead of restating them.
"""

from pathway.services import anticoagulation, events, measurements, procedure, records
from pathway.services.anticoagulation import course_add, course_change
from pathway.services.common import Writer
from pathway.services.episodes import episode_assign, episode_open, episode_read_record
from pathway.services.events import complication_add, postop_check_add
from pathway.services.measurements import measurement_add
from pathway.services.moves import episode_transition
from pathway.services.procedure import discharge_plan_record, procedure_note_record
from pathway.services.records import (
    anticoagulation_record,
    imaging_study_add,
    mdt_decision_add,
    selection_record,
)

WRITERS: dict[str, Writer] = {
    **records.WRITERS,
    **procedure.WRITERS,
    **events.WRITERS,
    **measurements.WRITERS,
    **anticoagulation.WRITERS,
}

__all__ = [
    "WRITERS",
    "Writer",
    "anticoagulation_record",
    "complication_add",
    "course_add",
    "course_change",
    "discharge_plan_record",
    "episode_assign",
    "episode_open",
    "episode_read_record",
    "episode_transition",
    "imaging_study_add",
    "measurement_add",
    "mdt_decision_add",
    "postop_check_add",
    "procedure_note_record",
    "selection_record",
]
