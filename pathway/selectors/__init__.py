"""Reads on episodes, each in a fixed number of queries whatever the number of patients:
episodes.py (list, view, history, records, revisions); measurements.py (renal function and
weight with the creatinine clearance); courses.py (the anticoagulation courses); pages add their
own modules."""

from pathway.selectors.courses import course_get, episode_courses
from pathway.selectors.episodes import (
    EpisodeRecords,
    EpisodeView,
    MoveView,
    Revision,
    days_in_stage,
    episode_get,
    episode_history,
    episode_left_surveillance_on,
    episode_list,
    episode_move,
    episode_records,
    episode_revisions,
    episode_ttr,
    episode_view,
)
from pathway.selectors.measurements import (
    episode_measurements,
    measurement_get,
    with_clearance,
)
from pathway.selectors.stents import RecalledStent, Stented, stent_recall, stented_segments

__all__ = [
    "EpisodeRecords",
    "EpisodeView",
    "MoveView",
    "RecalledStent",
    "Revision",
    "Stented",
    "course_get",
    "days_in_stage",
    "episode_courses",
    "episode_get",
    "episode_history",
    "episode_left_surveillance_on",
    "episode_list",
    "episode_measurements",
    "episode_move",
    "episode_records",
    "episode_revisions",
    "episode_ttr",
    "episode_view",
    "measurement_get",
    "stent_recall",
    "stented_segments",
    "with_clearance",
]
