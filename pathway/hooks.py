"""An explicit registry of what other apps do when the pathway moves or a record changes.

Pathway never imports the tasks app's services: TasksConfig.ready() registers its handlers here,
and the writers call them inside their own transaction, after the history row exists. Not Django
signals: django-fsm's fire before the history row is written, and signals hide the flow.
"""

from __future__ import annotations

from collections.abc import Callable

after_move: list[Callable[..., None]] = []
after_record_change: list[Callable[..., None]] = []


def on_move(handler: Callable[..., None]) -> Callable[..., None]:
    """Register `handler(episode=, move=)`, called for every move inside its transaction."""
    if handler not in after_move:
        after_move.append(handler)
    return handler


def on_record_change(handler: Callable[..., None]) -> Callable[..., None]:
    """Register `handler(episode=, record=, before=, actor=, reason=)`, called when a pathway
    record is written, inside the writer's transaction. `before` is the earlier version's
    fields as a dict, or None for a new record."""
    if handler not in after_record_change:
        after_record_change.append(handler)
    return handler


def move_made(**kwargs) -> None:
    for handler in after_move:
        handler(**kwargs)


def record_changed(**kwargs) -> None:
    for handler in after_record_change:
        handler(**kwargs)
