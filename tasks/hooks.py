"""What other apps do when results are recorded: the outcomes app keeps each episode's outcome
row in line with its duplex and INR results (OutcomesConfig.ready() registers it), and tasks
never imports it. Called by the results writers inside their transaction, as pathway/hooks.py's
handlers are by the pathway's writers."""

from __future__ import annotations

from collections.abc import Callable

after_results: list[Callable[..., None]] = []


def on_results(handler: Callable[..., None]) -> Callable[..., None]:
    """Register `handler(results=)`: (episode id, kind) of each follow-up result or visit
    written, called once per write inside its transaction."""
    if handler not in after_results:
        after_results.append(handler)
    return handler


def results_recorded(*, results: list[tuple[int, str]]) -> None:
    for handler in after_results:
        handler(results=results)
