"""`relbot check-config` finds at once what would otherwise fail at send time.

It reads config.toml, then renders the week's mail with the real template
and composes it (addresses, subject, Message-ID) without sending; each broken
setting below is refused in one line that names it. What it prints is the
config in force as TOML, which loads back into the same config.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from clirun import Project

from relbot.edges.config import load_config, parse_config

Edit = Callable[[Path], None]


def set_key(table: str, key: str, value: str) -> Edit:
    """Set ``[table] key = value`` (TOML text) in the project's config.toml."""

    def edit(root: Path) -> None:
        config = root / "config.toml"
        text = config.read_text(encoding="utf-8")
        head = f"[{table}]\n"
        start = text.index(head) + len(head)
        end = text.find("\n[", start)
        end = len(text) if end < 0 else end + 1
        block = text[start:end]
        line = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M)
        if line.search(block):
            block = line.sub(lambda _m: f"{key} = {value}", block)
        else:
            block = f"{key} = {value}\n{block}"
        config.write_text(text[:start] + block + text[end:], encoding="utf-8")

    return edit


def template(source: str, name: str = "status.txt.j2") -> Edit:
    def edit(root: Path) -> None:
        (root / "templates" / name).write_text(source, encoding="utf-8")

    return edit


def append_template(line: str) -> Edit:
    def edit(root: Path) -> None:
        path = root / "templates" / "status.txt.j2"
        path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")

    return edit


#: (what is wrong, how to break it, words the one-line error must hold)
BROKEN: list[tuple[str, Edit, tuple[str, ...]]] = [
    ("no template", set_key("render", "template", '"templates/gone.j2"'), ("[render] template",)),
    ("template syntax", append_template("{% for x in %}"), ("status.txt.j2", "line")),
    ("include", append_template('{% include "other.j2" %}'), ("include",)),
    ("extends", template('{% extends "other.j2" %}\n'), ("extends",)),
    ("import", append_template('{% import "other.j2" as o %}'), ("import",)),
    ("division", append_template("{{ 1/0 }}"), ("status.txt.j2", "division by zero")),
    ("undefined", append_template("{{ view.nothing }}"), ("status.txt.j2", "nothing")),
    ("width 0", set_key("render", "width", "0"), ("[render] width",)),
    ("heading", set_key("render", "heading_style", '"{tilte}:"'), ("heading_style", "tilte")),
    ("greeting", set_key("render", "greeting", '"Plan for {relase}:"'), ("greeting", "relase")),
    ("subject", set_key("mail", "subject", '"{relase} plan"'), ("[mail] subject", "relase")),
    ("from", set_key("mail", "from_addr", '"Xen bot <relbot@"'), ("[mail] from_addr",)),
    ("to", set_key("mail", "to", '["xen-devel <xen-devel@lists>", "@@"]'), ("[mail] to",)),
    ("rm", set_key("people", "release_managers", '["Ian Campbell"]'), ("release_managers",)),
]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "rm")
    p.ok("init")
    return p


@pytest.mark.parametrize(
    ("edit", "words"), [(b[1], b[2]) for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_check_config_finds_what_send_would_hit(
    project: Project, edit: Edit, words: tuple[str, ...]
) -> None:
    (project.root / "templates" / "other.j2").write_text("hello\n", encoding="utf-8")
    edit(project.root)
    result = project.run("check-config")
    assert result.exit_code == 1, result.output
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("relbot: error: "), result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    assert "Traceback" not in result.output


def test_check_config_prints_toml_that_loads_back(project: Project) -> None:
    result = project.run("check-config")
    assert result.exit_code == 0, result.output
    printed = tomllib.loads(result.stdout)
    config = load_config(project.root / "config.toml")
    assert parse_config(printed, base_dir=config.base_dir) == config
    assert "MilestoneConfig(" not in result.stdout
    assert "OK" in result.stderr


def test_check_config_passes_the_shipped_config(project: Project) -> None:
    result = project.run("check-config")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
