"""Reading the state machine declared on Episode: which moves exist, and what blocks them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from core import roles
from pathway.conditions import Guard
from pathway.models import Episode
from pathway.rules import Unmet, answer


@dataclass(frozen=True)
class Move:
    name: str
    source: str
    target: str | None
    rules: tuple = ()
    custom: dict = field(default_factory=dict)

    @property
    def reason_required(self) -> bool:
        return bool(self.custom.get("reason_required"))

    @property
    def effective_on_required(self) -> bool:
        return bool(self.custom.get("effective_on_required"))

    @property
    def reintervention_required(self) -> bool:
        return bool(self.custom.get("reintervention_required"))

    @property
    def admin_only(self) -> bool:
        return bool(self.custom.get("admin_only"))

    @property
    def permission(self) -> tuple[str, str]:
        """The permission making this move needs, and what a role without it may not do: an
        admin-only move (the correction) needs the admin's; every other, the coordinator's."""
        if self.admin_only:
            return roles.CORRECT_TRANSITIONS, "correct a transition"
        return roles.RUN_TRANSITIONS, "move patients along the pathway"

    def unmet(self, episode: Episode) -> list[Unmet]:
        return [u for u in (answer(rule, episode) for rule in self.rules) if u is not None]


def _moves() -> list[Move]:
    state_field = Episode._meta.get_field("state")
    moves = []
    for t in state_field.get_all_transitions(Episode):
        target = t.target if isinstance(t.target, str) else None
        rules = tuple(cast(Guard, c).rule for c in t.conditions)  # every condition is a guard()
        moves.append(Move(t.name, cast(str, t.source), target, rules, dict(t.custom)))
    return moves


MOVES = _moves()
NAMES = sorted({m.name for m in MOVES})


def move_from(state: str, name: str) -> Move | None:
    for m in MOVES:
        if m.name == name and m.source in (state, "*"):
            return m
    return None


def moves_from(state: str) -> list[Move]:
    return [m for m in MOVES if m.source in (state, "*")]


def by_name(name: str) -> Move | None:
    return next((m for m in MOVES if m.name == name), None)
