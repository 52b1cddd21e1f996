"""Migrations carry their own SQL and never import the project's code: a migration written
last year must run the same on a fresh database today, whatever the code it once named has
become since."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Top-level packages of the project: nothing under them may be imported by a migration.
PROJECT = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} | {
    p.stem for p in ROOT.glob("*.py")
}
# What a migration may import: the standard library, Django and the libraries whose fields
# the generated migrations name (django-fsm's state field, simple-history's historical models).
ALLOWED = set(sys.stdlib_module_names) | {"django", "django_fsm", "simple_history"}


def _migrations() -> list[Path]:
    files = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        # The project's apps only: a virtualenv may live inside the checkout (.venv).
        ours = folder.is_relative_to(ROOT) and "site-packages" not in folder.parts
        if ours and folder.is_dir():
            files += sorted(folder.glob("*.py"))
    return [f for f in files if f.name != "__init__.py"]


def _imports(path: Path):
    """(line, module) of every import of the file, in functions too; relative ones as '.'."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, "." * node.level + (node.module or "")


def test_the_project_has_migrations_to_check():
    names = {f.parent.parent.name for f in _migrations()}
    assert {"core", "patients", "pathway", "tasks", "outcomes"} <= names
    assert {"pathway", "tasks", "outcomes", "core"} <= PROJECT


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    return not module.startswith(".") and top not in PROJECT and top in ALLOWED


def test_no_migration_imports_the_projects_code():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _migrations()
        for line, module in _imports(path)
        if not _allowed(module)
    ]
    assert not found, found


def test_the_check_would_see_an_import_of_the_project():
    assert not _allowed("pathway.migrations._append_only")
    assert not _allowed("outcomes.services")
    assert not _allowed(".helpers")
    assert _allowed("django.db.models.deletion") and _allowed("simple_history.models")


def test_no_helper_module_sits_among_the_migrations():
    """A module beside the migrations that is not one (once `_append_only.py`) invites the
    next migration to import it."""
    helpers = [str(path.relative_to(ROOT)) for path in _migrations() if not path.name[:4].isdigit()]
    assert not helpers, helpers
