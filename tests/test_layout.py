"""The layout the README's *Architecture* describes, kept by a test.

Imports go downwards only: the models (with notes.parties and notes.sql) at the bottom,
queries, ingest and demo above them, the web, the admin and the commands on top. No import
circles, no import tucked inside a function, no module over 500 lines (data files and
migrations aside) and no function over 80 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "notes"
LAYERS = {
    "bottom": (
        "notes.models",
        "notes.alerts",
        "notes.appeals",
        "notes.kept",
        "notes.beside",
        "notes.votes",
        "notes.values",
        "notes.parties",
        "notes.sql",
        "notes.apps",
        "notes.clerks",
    ),
    "middle": ("notes.queries", "notes.ingest", "notes.demo"),
    "top": ("notes.web", "notes.admin", "notes.templatetags", "notes.management"),
}
RANK = {"bottom": 0, "middle": 1, "top": 2}


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, ast.Module]:
    return {
        module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(APP.rglob("*.py"))
        if "migrations" not in path.parts
    }


def layer(module: str) -> str:
    if module == "notes":  # the package itself (empty)
        return "bottom"
    for name, prefixes in LAYERS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    raise AssertionError(f"{module} is in no layer of the README's Architecture")


def imported(tree: ast.Module, modules) -> set[str]:
    """The app's modules this one imports: `from notes.queries import facets` imports the
    module notes.queries.facets, `from notes.models import Party` the module notes.models."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("notes"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in modules else node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("notes"))
    return names


def graph() -> dict[str, set[str]]:
    modules = sources()
    return {
        name: {m for m in imported(tree, modules) if m in modules} for name, tree in modules.items()
    }


def test_every_module_has_a_layer():
    for module in sources():
        layer(module)


def test_imports_go_downwards_only():
    upward = [
        f"{module} ({layer(module)}) imports {target} ({layer(target)})"
        for module, targets in graph().items()
        for target in targets
        if RANK[layer(target)] > RANK[layer(module)]
    ]
    assert upward == []


def test_the_models_import_nothing_of_the_app():
    # notes.kept holds the trigger-kept tables, notes.beside the records kept beside the
    # archive, that notes.models re-exports; they import nothing of the app but values.
    # notes.appeals gives the meeting its justering and notice fields, and imports nothing;
    # notes.alerts holds the email alerts' follows and digests, and imports nothing either.
    assert {m for m in graph()["notes.models"] if m != "notes.models"} <= {
        "notes.alerts",
        "notes.appeals",
        "notes.kept",
        "notes.beside",
        "notes.votes",
        "notes.values",
    }
    assert {m for m in graph()["notes.beside"] if m != "notes.beside"} <= {"notes.values"}
    assert {m for m in graph()["notes.kept"] if m != "notes.kept"} == set()
    assert {m for m in graph()["notes.alerts"] if m != "notes.alerts"} == set()
    assert {m for m in graph()["notes.values"] if m != "notes.values"} == set()
    assert {m for m in graph()["notes.appeals"] if m != "notes.appeals"} == set()


def test_no_import_circles():
    edges = graph()
    circles = []

    def visit(node, path):
        for target in edges.get(node, ()):
            if target == path[0] and len(path) > 1:
                circles.append(" → ".join([*path, target]))
            elif target not in path and target > path[0]:
                visit(target, [*path, target])

    for start in edges:
        visit(start, [start])
    assert circles == []


def functions():
    """(module, function node) for every function and method of the app."""
    for module, tree in sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield module, node


def test_no_imports_inside_functions():
    inside = [
        f"{module}:{sub.lineno} in {node.name}"
        for module, node in functions()
        for sub in ast.walk(node)
        if isinstance(sub, ast.Import | ast.ImportFrom)
    ]
    assert inside == []


def test_no_module_over_500_lines():
    long = [
        f"{path.relative_to(APP.parent)}: {n}"
        for path in APP.rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
    ]
    assert long == []


def test_no_function_over_80_lines():
    long = [
        f"{module}.{node.name}: {node.end_lineno - node.lineno + 1}"
        for module, node in functions()
        if node.end_lineno is not None and node.end_lineno - node.lineno + 1 > 80
    ]
    assert long == []
