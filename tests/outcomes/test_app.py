"""The outcomes app sits above pathway and tasks: it registers on their hooks, and neither
imports it (nor do its pure maths import Django)."""

import ast
from pathlib import Path

from outcomes.services import (
    outcomes_after_move,
    outcomes_after_record_change,
    outcomes_after_results,
)
from pathway import hooks
from tasks import hooks as tasks_hooks

ROOT = Path(__file__).resolve().parents[2]


def imported(folder: str) -> list[tuple[str, str]]:
    """(file, module) of every import under ROOT/folder, migrations aside."""
    found = []
    for path in (ROOT / folder).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path.name, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((path.name, node.module or ""))
    return found


def test_the_outcomes_app_registers_on_the_pathway_and_tasks_hooks():
    assert outcomes_after_move in hooks.after_move
    assert outcomes_after_record_change in hooks.after_record_change
    assert outcomes_after_results in tasks_hooks.after_results


def test_the_outcomes_handlers_run_after_the_schedules():
    from tasks.services.schedule import followups_after_move

    assert hooks.after_move.index(followups_after_move) < hooks.after_move.index(
        outcomes_after_move
    )


def test_neither_pathway_nor_tasks_imports_the_outcomes_app():
    offenders = [
        f"{folder}/{name}: {module}"
        for folder in ("pathway", "tasks")
        for name, module in imported(folder)
        if module.split(".")[0] == "outcomes"
    ]
    assert offenders == []


def test_the_outcome_maths_import_no_django_and_no_model():
    allowed_project = {"pathway.villalta", "core.dates", "outcomes.maths"}
    offenders = [
        f"{name}: {module}"
        for name, module in imported("outcomes/maths")
        if module.split(".")[0] == "django"
        or (
            module.split(".")[0] in {"core", "pathway", "tasks", "patients"}
            and module not in allowed_project
        )
    ]
    assert offenders == []
