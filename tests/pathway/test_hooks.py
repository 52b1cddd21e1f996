"""Moves announce themselves through pathway/hooks.py; the tasks app listens there."""

import ast
from pathlib import Path

from pathway import hooks
from tasks.services.schedule import followups_after_move

ROOT = Path(__file__).resolve().parents[2]


def test_the_tasks_app_registers_its_after_move_handler():
    assert followups_after_move in hooks.after_move


def test_registering_a_handler_twice_keeps_one():
    before = list(hooks.after_move)
    hooks.on_move(followups_after_move)
    assert hooks.after_move == before


def test_the_pathway_app_never_imports_the_tasks_app():
    offenders = []
    for path in (ROOT / "pathway").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "tasks"]
    assert offenders == []
