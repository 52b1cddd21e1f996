"""The apps stand in layers, each reading only those below it:

    core <- patients <- pathway <- tasks <- outcomes <- fhir <- demo <- bench, config (the wiring)

An app imports no module of an app above it, and names none of its models, tables or reverse
relations (the pathway gets the facts it shows or judges of the tasks app's rows from the
readers that app registers, pathway/hooks.py); no migration of an app depends on one of an app
above it, so the migration graph runs one way. Each check is shown to catch a planted breach.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

ROOT = Path(settings.BASE_DIR)
# Lowest first. A new top-level package fails test_every_package_has_its_layer until placed.
LAYERS = ["core", "patients", "pathway", "tasks", "outcomes", "fhir", "demo", "bench", "config"]
RANK = {name: rank for rank, name in enumerate(LAYERS)}
# The apps whose rows, models and tables an app below must not name (the brief of issue 19:
# pathway reads no table of tasks nor of outcomes; patients none of the pathway's either).
APPS = ["patients", "pathway", "tasks", "outcomes", "fhir"]
# Older migrations that reach up, applied everywhere and left as they are (issue 19 may take
# them up): the roles' permission table names the permissions of the apps above core, and the
# access log refuses TRUNCATE with the function of pathway 0009.
KNOWN_UPWARD_MIGRATIONS = {
    "core.0001_roles depends on patients.0001_initial",
    "core.0001_roles depends on pathway.0001_initial",
    "patients.0004_access_log_append_only depends on pathway.0009_history_refuses_truncate",
}
KNOWN_NAMES = {
    "patients/migrations/0004_access_log_append_only.py:40 names the app or model 'pathway'",
}


def _packages(root: Path) -> list[str]:
    found = (p.name for p in root.iterdir() if (p / "__init__.py").exists())
    return sorted(name for name in found if name != "tests")


def _sources(root: Path, package: str, suffix: str = ".py") -> list[Path]:
    return sorted(p for p in (root / package).rglob(f"*{suffix}") if "__pycache__" not in p.parts)


def _imported(path: Path):
    """(line, top-level package) of each absolute import of the file, in functions too."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def import_graph(root: Path) -> dict[str, dict[str, list[str]]]:
    """{package: {package it imports: [where, ...]}} among the project's top-level packages."""
    packages = set(_packages(root))
    graph: dict[str, dict[str, list[str]]] = {p: {} for p in packages}
    for package in packages:
        for path in _sources(root, package):
            for line, top in _imported(path):
                if top in packages and top != package:
                    where = f"{path.relative_to(root)}:{line}"
                    graph[package].setdefault(top, []).append(where)
    return graph


def upward_imports(root: Path) -> list[str]:
    return [
        f"{where} imports {target} ({package} is below it)"
        for package, targets in import_graph(root).items()
        for target, places in targets.items()
        if RANK.get(target, -1) >= RANK.get(package, len(LAYERS))
        for where in places
    ]


def import_cycle(root: Path) -> tuple | None:
    graph = {p: set(targets) for p, targets in import_graph(root).items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as cycle:
        return cycle.args[1]
    return None


def _above(app: str) -> list[str]:
    return [a for a in APPS if RANK[a] > RANK[app]]


def _names_above(app: str) -> tuple[set[str], set[str], set[str]]:
    """What `app` must not name: the tables of the installed apps above it; the reverse
    accessors and query names their relations put on the models of `app` and below (and on
    the user); and their models as "label.Model"."""
    tables, relations, models = set(), set(), set()
    above = _above(app)
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in above:
            continue
        tables.add(model._meta.db_table)
        models.add(f"{model._meta.app_label}.{model.__name__}".lower())
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            target = field.related_model._meta.app_label
            if target in above or field.remote_field.hidden:
                continue
            relations.add(field.remote_field.get_accessor_name())
            relations.add(field.related_query_name())
    return tables, relations, models


def _named(value: str, names: set[str]) -> bool:
    return value in names or value.split("__")[0] in names and "__" in value


def names_above(root: Path, app: str, *, names=None) -> list[str]:
    """Where the sources of `app` (its migrations and templates too) name a table, model,
    reverse relation or app label of an app above it, or import one."""
    tables, relations, models = names or _names_above(app)
    above = _above(app)
    table = re.compile(rf"\b({'|'.join(above)})_[a-z]\w*")
    found = []
    for path in _sources(root, app):
        where = path.relative_to(root)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Attribute) and node.attr in relations:
                found.append(f"{where}:{line} reads the reverse relation .{node.attr}")
            elif isinstance(node, ast.keyword) and node.arg and _named(node.arg, relations):
                found.append(f"{where}:{line} filters across {node.arg}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                label = text.split(".")[0].lower()
                if text in above or label in above and text.lower() in models | {label}:
                    found.append(f"{where}:{line} names the app or model {text!r}")
                elif "." in text and label in above and re.fullmatch(r"\w+\.\w+", text):
                    found.append(f"{where}:{line} names the model {text!r}")
                elif _named(text, relations):
                    found.append(f"{where}:{line} names the reverse relation {text!r}")
                elif text in tables or table.search(text):
                    found.append(f"{where}:{line} names a table of {above}: {text[:60]!r}")
        found += [f"{where}:{line} imports {top}" for line, top in _imported(path) if top in above]
    for path in _sources(root, app, ".html"):
        for name in sorted(relations):
            if re.search(rf"\.{name}\b", path.read_text()):
                found.append(f"{path.relative_to(root)} reads the reverse relation .{name}")
    return found


def migration_dependencies_above(graph=None) -> list[str]:
    """Each migration of our apps that depends on a migration of an app above it."""
    graph = graph or MigrationLoader(None, ignore_no_migrations=True).graph
    return [
        f"{app}.{name} depends on {dep[0]}.{dep[1]}"
        for (app, name), migration in graph.nodes.items()
        if app in RANK
        for dep in migration.dependencies
        if RANK.get(dep[0], -1) > RANK[app]
    ]


# --- the project as it stands ------------------------------------------------------------------
def test_every_package_has_its_layer():
    assert set(_packages(ROOT)) <= set(LAYERS), sorted(set(_packages(ROOT)) - set(LAYERS))
    assert {"core", "patients", "pathway", "tasks"} <= set(_packages(ROOT))


def test_imports_run_down_the_layers():
    assert upward_imports(ROOT) == []


def test_the_apps_import_one_another_without_a_cycle():
    assert import_cycle(ROOT) is None


def test_the_pathway_names_no_table_model_or_relation_of_tasks_or_outcomes():
    assert names_above(ROOT, "pathway") == []


def test_patients_name_no_episode_nor_anything_above():
    assert set(names_above(ROOT, "patients")) == KNOWN_NAMES


def test_no_migration_depends_on_an_app_above_its_own():
    """The pathway's on no migration of tasks (or outcomes): tasks 0015 holds what pathway
    0003, 0004 and 0009 once did on the tasks app's tables."""
    assert set(migration_dependencies_above()) == KNOWN_UPWARD_MIGRATIONS
    assert not [m for m in migration_dependencies_above() if m.startswith(("pathway.", "tasks."))]


def test_the_pathway_reverse_relations_of_tasks_are_the_ones_looked_for():
    """The relations the tasks app puts on the pathway's models are what the scan looks for."""
    _, relations, models = _names_above("pathway")
    assert {"follow_ups", "visits", "alerts"} <= relations
    assert {"tasks.followup", "tasks.visit", "tasks.alert"} <= models


# --- each check catches a planted breach -------------------------------------------------------
def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name in ("core", "patients", "pathway", "tasks"):
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_an_import_of_tasks_from_the_pathway_is_caught(tmp_path):
    root = _plant(
        tmp_path,
        {
            "pathway/views.py": "def f():\n    from tasks.models import FollowUp\n",
            "tasks/models.py": "from pathway import views\n",
        },
    )
    assert upward_imports(root) == ["pathway/views.py:2 imports tasks (pathway is below it)"]
    assert import_cycle(root) is not None


def test_a_reverse_relation_a_table_or_a_model_of_tasks_named_in_the_pathway_is_caught(tmp_path):
    root = _plant(
        tmp_path,
        {
            "pathway/selectors.py": (
                "def f(episode, Episode):\n"
                "    episode.follow_ups.all()\n"
                "    Episode.objects.filter(alerts__resolved_at=None)\n"
                "    Episode._meta.get_field('visits')\n"
                "    connection.execute('SELECT 1 FROM tasks_followup')\n"
                "    apps.get_model('tasks', 'Alert')\n"
            ),
            "pathway/migrations/0099_x.py": (
                "dependencies = [('tasks', '0001_initial')]\nfield = ForeignKey(to='tasks.visit')\n"
            ),
            "pathway/templates/pathway/x.html": "{{ episode.alerts.count }}",
        },
    )
    names = ({"tasks_followup"}, {"follow_ups", "visits", "alerts"}, {"tasks.visit"})
    found = names_above(root, "pathway", names=names)
    assert sorted(f.split(" ", 1)[0] for f in found) == [
        "pathway/migrations/0099_x.py:1",
        "pathway/migrations/0099_x.py:2",
        "pathway/selectors.py:2",
        "pathway/selectors.py:3",
        "pathway/selectors.py:4",
        "pathway/selectors.py:5",
        "pathway/selectors.py:6",
        "pathway/templates/pathway/x.html",
    ], found


def test_a_pathway_migration_depending_on_tasks_is_caught():
    class Planted:
        dependencies = [("pathway", "0001_initial"), ("tasks", "0001_initial")]

    class Graph:
        nodes = {("pathway", "0099_planted"): Planted}

    assert migration_dependencies_above(Graph) == [
        "pathway.0099_planted depends on tasks.0001_initial"
    ]
