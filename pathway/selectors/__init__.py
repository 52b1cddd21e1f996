"""Reads on episodes, each in a fixed number of queries whatever the number of patients:
episodes.py (list, view, history, records, revisions); pages add their own modules."""

from pathway.selectors.episodes import (
    EpisodeRecords,
    EpisodeView,
    MoveView,
    Revision,
    episode_get,
    episode_history,
    episode_left_surveillance_on,
    episode_list,
    episode_records,
    episode_revisions,
    episode_ttr,
    episode_view,
)

__all__ = [
    "EpisodeRecords",
    "EpisodeView",
    "MoveView",
    "Revision",
    "episode_get",
    "episode_history",
    "episode_left_surveillance_on",
    "episode_list",
    "episode_records",
    "episode_revisions",
    "episode_ttr",
    "episode_view",
]
