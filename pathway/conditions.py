"""The state machine's conditions, named by rule: a transition on the Episode names the rules
that guard it (`guard("mdt_quorum")`), and the rules register themselves here when their package
loads (pathway/rules/__init__.py). So the models import no rule, and the rules may name the
models they read, without an import circle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> the rule (a function of the episode: None when met, else an Unmet)
_RULES: dict[str, Callable[[Any], Any]] = {}
# How a rule is asked, memo included (pathway.rules.answer); set with the rules.
_ASK: list[Callable[[Callable[[Any], Any], Any], Any]] = []


def rules_register(*, rules: dict[str, Callable[[Any], Any]], answer: Callable[..., Any]) -> None:
    """The guarding rules by name, and how to ask one (called once, by pathway.rules)."""
    _RULES.update(rules)
    _ASK[:] = [answer]


class Guard:
    """A rule as an FSM condition: met when the rule answers None; `rule` is the rule itself
    (pathway/machine.py reads it to explain a refused move)."""

    def __init__(self, name: str) -> None:
        self.__name__ = name

    @property
    def rule(self) -> Callable[[Any], Any]:
        try:
            return _RULES[self.__name__]
        except KeyError:
            raise LookupError(f"No guarding rule is named {self.__name__!r}.") from None

    def __call__(self, instance: Any) -> bool:
        # django-fsm passes the Episode it guards.
        return _ASK[0](self.rule, instance) is None


def guard(name: str) -> Guard:
    return Guard(name)
