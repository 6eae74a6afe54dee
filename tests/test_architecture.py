"""The core stays pure: no module under relbot/core imports an I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "relbot" / "core"
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
    "relbot.store",
    "relbot.imap",
    "relbot.transport",
}
FORBIDDEN_CALLS = {"open", "input", "print"}


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


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
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            found.append(f"line {node.lineno}: calls {node.func.id}()")
    return found


def test_core_has_modules() -> None:
    assert _core_files(), "relbot/core is empty"


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: p.name)
def test_core_module_is_pure(path: Path) -> None:
    assert _violations(path.read_text(encoding="utf-8")) == []


def test_checker_catches_io() -> None:
    bad = "import socket\nfrom sqlalchemy import text\nimport os\nx = os.environ['A']\n"
    bad += "import datetime\nd = datetime.datetime.now()\nopen('f')\n"
    assert len(_violations(bad)) == 5
