"""What every episode writer shares: the row lock, the checks on a record write, dates."""

from __future__ import annotations

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from pathway.codes import TERMINAL
from pathway.models import Episode
from pathway.rules import date_problem


def lock(episode_id: int) -> Episode:
    try:
        return (
            Episode.objects.select_for_update(of=("self",))
            .select_related("patient")
            .get(id=episode_id)
        )
    except Episode.DoesNotExist:
        raise NotFound("No such episode.") from None


def editable(episode_id: int, actor, *, states=None, dates=None) -> Episode:
    """Lock the episode for a record write; refuse a closed episode, a state the record does
    not belong to, and dates before the patient was born."""
    roles.require(actor, roles.RECORD_PATHWAY_DATA, "record pathway data")
    episode = lock(episode_id)
    born = episode.patient.birth_date
    early = {k: "This date is before the patient's birth." for k, v in (dates or {}).items()
             if v is not None and v < born}  # fmt: skip
    if early:
        raise InvalidInput(early)
    if episode.state in TERMINAL:
        raise Conflict(f"The episode is closed ('{episode.state}'); its records cannot change.")
    if states and episode.state not in states:
        raise Conflict(
            f"This record can be written only in {', '.join(states)}; the episode is in "
            f"'{episode.state}'."
        )
    return episode


def no_future(**dates) -> None:
    errors = {k: p for k, v in dates.items() if (p := date_problem(v))}
    if errors:
        raise InvalidInput(errors)


def unique(values) -> list:
    return list(dict.fromkeys(values))
