"""Renal function and weight as read back (pathway.md section 7): each measurement with its
creatinine clearance, the one given or computed by Cockcroft–Gault, or why it cannot be."""

from __future__ import annotations

from core.errors import NotFound
from pathway.rules import clearance_of
from pathway.selectors.episodes import episode_get


def with_clearance(episode, measurements) -> list:
    """The measurements, oldest first, each with `clearance` (rules.Clearance) set, computed
    from the patient's birth date and sex and the rows given (no query)."""
    rows = list(measurements)
    patient = episode.patient
    for m in rows:
        m.clearance = clearance_of(
            m, measurements=rows, birth_date=patient.birth_date, sex=patient.sex
        )
    return rows


def episode_measurements(*, actor, episode_id: int) -> list:
    """Every measurement of the episode with its clearance: two queries."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    return with_clearance(episode, episode.measurements.order_by("measured_on", "id"))


def measurement_get(*, actor, episode_id: int, measurement_id: int):
    """One measurement with its clearance (which may read the weight of an earlier one)."""
    found = [
        m
        for m in episode_measurements(actor=actor, episode_id=episode_id)
        if m.id == measurement_id
    ]
    if not found:
        raise NotFound("No such measurement in this episode.")
    return found[0]
