"""No command prints a traceback: every command, on broken input, says one line.

Every command of ``relbot`` (found by walking the click group, so a new one is
covered without a line here) runs on each kind of broken project: no config,
config that is not TOML, a template that fails, impossible render settings,
unreachable servers, a store that is not a database. Commands with arguments
also run on arguments that are wrong. Whatever fails must fail with exit
status 1 or 2 and exactly one ``relbot: error:`` line, never a traceback or
click's usage screen.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from clirun import REPO, Project
from test_check_config import append_template, set_key

from relbot.cli import main

AT = "2026-11-30T12:05+0000"
STATUS = REPO / "docs" / "examples" / "status-4.2.eml"
REPLIES = REPO / "docs" / "examples" / "replies"

Edit = Callable[[Path], None]


def _remove_config(root: Path) -> None:
    (root / "config.toml").unlink()


def _write_config(text: str) -> Edit:
    def edit(root: Path) -> None:
        (root / "config.toml").write_text(text, encoding="utf-8")

    return edit


def _corrupt_store(root: Path) -> None:
    (root / "var" / "relbot.db").write_bytes(b"this is not SQLite\n" * 100)


def _both(*edits: Edit) -> Edit:
    def edit(root: Path) -> None:
        for e in edits:
            e(root)

    return edit


#: broken projects; "fine" is the working one, for the broken arguments
PROJECTS: dict[str, Edit] = {
    "fine": lambda root: None,
    "no config": _remove_config,
    "not toml": _write_config("[release\nname = 4.2\n"),
    "not utf-8": lambda root: (root / "config.toml").write_bytes(b'[release]\nname = "4.2\xff"\n'),
    "unknown key": set_key("render", "widht", "72"),
    "template 1/0": append_template("{{ 1/0 }}"),
    "template include": append_template('{% include "other.j2" %}'),
    "template syntax": append_template("{% if %}"),
    "template gone": set_key("render", "template", '"templates/gone.j2"'),
    "width 0": set_key("render", "width", "0"),
    "heading placeholder": set_key("render", "heading_style", '"{tilte}:"'),
    "greeting placeholder": set_key("render", "greeting", '"Plan for {relase}:"'),
    "subject placeholder": set_key("mail", "subject", '"{relase} plan"'),
    "bad from": set_key("mail", "from_addr", '"Xen bot <relbot@"'),
    "imap down": _both(
        set_key("mailbox", "source", '"imap"'),
        set_key("imap", "host", '"127.0.0.1"'),
        set_key("imap", "port", "1"),
        set_key("imap", "tls", '"none"'),
        set_key("imap", "timeout", "2"),
    ),
    "smtp down": _both(
        set_key("smtp", "transport", '"smtp"'),
        set_key("smtp", "host", '"127.0.0.1"'),
        set_key("smtp", "port", "1"),
        set_key("smtp", "tls", '"none"'),
        set_key("smtp", "timeout", "2"),
        set_key("smtp", "retries", "0"),
    ),
    "store corrupt": _corrupt_store,
    "store is a folder": set_key("store", "url", '"sqlite:///templates"'),
}

#: arguments that work on the fine project (the broken projects then break them)
WORKING: dict[str, list[str]] = {
    "accept": ["1"],
    "approve": ["--at", AT],
    "claim": ["T13", "Ian Jackson"],
    "hold": ["--at", AT],
    "import": [str(STATUS)],
    "ingest": [str(REPLIES)],
    "intro edit": [],
    "intro set": [str(REPO / "README.md")],
    "item add": ["tools, blockers", "A new item"],
    "item edit": ["T13", "New words"],
    "item remove": ["T14"],
    "link": ["T13", "http://example.org/bug/1"],
    "move": ["T13", "tools, nice to have"],
    "note": ["T13", "A note"],
    "parse-reply": [str(REPLIES / "01-claim.eml")],
    "poll": ["--once"],
    "reject": ["1"],
    "render": ["--date", "2012-04-23"],
    "retry": ["1"],
    "run": ["--once", "--at", AT],
    "send": ["--at", AT],
    "status": ["--at", AT],
    "unclaim": ["T12"],
    "undo": ["1"],
}


def _broken_files(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    binary = folder / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    empty = folder / "empty.txt"
    empty.write_text("")
    return {"binary": str(binary), "empty": str(empty), "gone": str(folder / "gone.txt")}


def _broken_args(files: dict[str, str]) -> dict[str, list[list[str]]]:
    """Arguments each command must refuse, on the fine project."""
    return {
        "accept": [["999"], ["abc"]],
        "approve": [["banana"], ["2031-W01"]],
        "claim": [["T999", "Someone"], ["T13"]],
        "hold": [["banana"], ["--at", "yesterday"]],
        "import": [[files["binary"]], [files["empty"]], [files["gone"]]],
        "ingest": [[files["gone"]], []],
        "intro set": [[files["gone"]], [files["binary"]]],
        "item add": [["no such section", "text"], ["tools, blockers", "  "]],
        "item edit": [["T999", "text"], ["T13", " "]],
        "item remove": [["T999"]],
        "link": [["T999", "http://example.org/bug/1"]],
        "log": [["--limit", "0"]],
        "move": [["T999", "tools, blockers"], ["T11", "--parent", "T12"], ["T13"]],
        "note": [["T999", "text"], ["T13", ""]],
        "outbox": [["--limit", "-3"]],
        "parse-reply": [[files["gone"]]],
        "reject": [["999"]],
        "render": [["--date", "banana"], ["--date", "2026-02-30"]],
        "retry": [["999"], ["x"]],
        "run": [["--once", "--at", "soon"]],
        "send": [["--at", "2026-13-01T00:00"]],
        "status": [["T999", "done"], ["T13", "banana"], ["T13"]],
        "unclaim": [["T999"], ["T13", "Nobody"]],
        "undo": [["99999"], ["abc"]],
    }


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    # through click's listing: the top group loads a command's module on first use
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name))


def _order(names: list[str]) -> list[str]:
    # init repairs a project with no config: it goes last
    return sorted(names, key=lambda n: n == "init")


def _invoke(root: Path, command: str, args: list[str]) -> Result:
    runner = CliRunner(env={"EDITOR": "false", "VISUAL": "false"})
    return runner.invoke(main, ["--config", str(root / "config.toml"), *command.split(), *args])


def _problem(result: Result, *, must_fail: bool) -> str:
    """What is wrong with how a command ended on broken input ('' if nothing)."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"raised {type(result.exception).__name__}: {result.exception}"
    if "Traceback" in result.output:
        return "printed a traceback"
    if result.exit_code == 0:
        return "accepted it (exit 0)" if must_fail else ""
    if result.exit_code not in (1, 2):
        return f"exit status {result.exit_code}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("relbot: error:")]
    if len(errors) != 1 or "Usage:" in result.stderr:
        return f"expected one 'relbot: error:' line, got:\n{result.stderr}"
    return ""


@pytest.fixture(scope="module")
def template_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = Project.create(tmp_path_factory.mktemp("bad-input") / "base")
    p.ok("init")
    p.ok("import", str(STATUS))
    p.ok("ingest", str(REPLIES))
    (p.root / "templates" / "other.j2").write_text("hello\n", encoding="utf-8")
    return p.root


def test_every_command_fails_in_one_line_on_broken_input(
    template_project: Path, tmp_path: Path
) -> None:
    files = _broken_files(tmp_path / "files")
    commands = _order(list(_commands(main)))
    assert {"render", "send", "check-config", "init", "item add"} <= set(commands)
    problems: list[str] = []
    for name, edit in PROJECTS.items():
        root = tmp_path / name.replace(" ", "-").replace("/", "-")
        shutil.copytree(template_project, root)
        edit(root)
        for command in commands:
            args = WORKING.get(command, [])
            what = _problem(_invoke(root, command, args), must_fail=False)
            if what:
                problems.append(f"[{name}] relbot {command} {' '.join(args)}: {what}")
    fine = tmp_path / "fine-args"
    shutil.copytree(template_project, fine)
    broken = _broken_args(files)
    for command in commands:
        for args in [*broken.get(command, []), ["--no-such-option"]]:
            what = _problem(_invoke(fine, command, args), must_fail=True)
            if what:
                problems.append(f"relbot {command} {' '.join(args)}: {what}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
