"""The tree keeps its shape: a pure core, edges that import no other edge, a service layer
that joins them, the CLI on top, and no import circle anywhere in ``relbot/``.

Every import counts, at the top of a module or inside a function, so a circle cannot be
hidden by deferring one side of it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "relbot"
CORE = PACKAGE / "core"
FORBIDDEN_MODULES = {
    "imapclient",
    "smtplib",
    "sqlite3",
    "sqlalchemy",
    "apscheduler",
    "socket",
    "ssl",
    "subprocess",
    "asyncio",
    "urllib.request",
    "http",
    "os",
    "jinja2",
    "dkim",
}
FORBIDDEN_CALLS = {"open", "input", "print"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The relbot modules ``name`` imports, resolved to modules (not names in them)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        found.update(t for t in targets if t in MODULES and t != name)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _edge(name: str) -> str:
    """The edge a module belongs to: ``relbot.edges.store.schema`` is the store's."""
    parts = name.split(".")
    return parts[2] if len(parts) > 2 else ""


# -- the core is pure ---------------------------------------------------------------


def _violations(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES):
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(f"line {node.lineno}: reads os.environ")
        if isinstance(node, ast.Attribute) and node.attr in {"now", "today", "utcnow"}:
            found.append(f"line {node.lineno}: reads the clock ({node.attr})")
        if isinstance(node, ast.Attribute) and node.attr in {"expanduser", "read_text", "open"}:
            found.append(f"line {node.lineno}: touches the file system ({node.attr})")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            found.append(f"line {node.lineno}: calls {node.func.id}()")
    return found


def test_core_has_modules() -> None:
    assert sorted(CORE.rglob("*.py")), "relbot/core is empty"


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=_module_name)
def test_core_module_is_pure(path: Path) -> None:
    assert _violations(path.read_text(encoding="utf-8")) == []


def test_checker_catches_io() -> None:
    bad = "import socket\nfrom sqlalchemy import text\nimport os\nx = os.environ['A']\n"
    bad += "import datetime\nd = datetime.datetime.now()\nopen('f')\n"
    assert len(_violations(bad)) == 6


# -- the layers ---------------------------------------------------------------------


def _crossings(allowed: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{name} imports {dep}"
        for name, deps in GRAPH.items()
        if _layer(name) in allowed
        for dep in deps
        if _layer(dep) not in allowed[_layer(name)]
    )


def test_core_imports_only_the_core_and_the_error_tree() -> None:
    assert _crossings({"core": {"core", "errors"}}) == []


def test_edges_import_no_service_and_no_cli() -> None:
    assert _crossings({"edges": {"edges", "core", "errors"}}) == []


def test_the_service_layer_does_not_import_the_cli() -> None:
    assert _crossings({"service": {"service", "edges", "core", "errors"}}) == []


def test_an_edge_imports_no_other_edge() -> None:
    crossing = sorted(
        f"{name} imports {dep}"
        for name, deps in GRAPH.items()
        if _layer(name) == "edges" and _edge(name)
        for dep in deps
        if _layer(dep) == "edges" and _edge(dep) != _edge(name)
    )
    assert crossing == []


# -- no circles ---------------------------------------------------------------------


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_anywhere() -> None:
    assert _cycles(GRAPH) == []


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"]]


# -- the tree matches its description -------------------------------------------------


def test_every_module_is_described_in_the_architecture_doc() -> None:
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        name
        for name, path in MODULES.items()
        if path.name not in ("__init__.py",)
        and f"`{path.relative_to(PACKAGE).as_posix()}`" not in doc
    ]
    assert missing == []


#: modules that are tables of data, allowed to be long
DATA_TABLES = {"relbot.core.replies.cues"}


def test_modules_stay_small() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if name not in DATA_TABLES
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert long == {}


@pytest.mark.parametrize("name", sorted(DATA_TABLES))
def test_a_long_table_is_only_data(name: str) -> None:
    """A data table defines values, and at most a one-line helper to build them."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    code = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or 0) - node.lineno > 6
    ]
    assert code == []
