"""The outcome rows' only writer: each episode's row refreshed as its facts change, all of them
rebuilt, or refreshes deferred through a bulk load (rows.py)."""

from outcomes.services.rows import (
    episode_outcomes_rebuild,
    episode_outcomes_refresh,
    outcomes_after_migrate,
    outcomes_after_move,
    outcomes_after_record_change,
    outcomes_after_results,
    outcomes_deferred,
)

__all__ = [
    "episode_outcomes_rebuild",
    "episode_outcomes_refresh",
    "outcomes_after_migrate",
    "outcomes_after_move",
    "outcomes_after_record_change",
    "outcomes_after_results",
    "outcomes_deferred",
]
