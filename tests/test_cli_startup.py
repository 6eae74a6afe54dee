"""Each command imports what it needs: `relbot show` no mail or scheduler stack, `--help` none."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import click

import relbot.cli
from relbot.cli.base import COMMANDS, RelbotGroup, main
from tests.clirun import MODULES_PROBE, REPO, Project

#: what `relbot show` must never load: IMAP, SMTP, the scheduler, reply understanding
NOT_FOR_SHOW = (
    "imapclient",
    "imaplib",
    "smtplib",
    "apscheduler",
    "mailparser",
    "jinja2",
    "rich",
    "relbot.core.replies",
    "relbot.edges.imap",
    "relbot.edges.transport",
    "relbot.service.ingest",
    "relbot.service.poll",
    "relbot.service.scheduler",
)


def imported(*argv: str) -> set[str]:
    """The modules a relbot command loads, from ``sys.modules`` in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", MODULES_PROBE, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(proc.stderr.split())


def _under(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


def test_show_loads_no_mail_scheduler_or_understanding_stack(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "rm")
    project.ok("init")
    project.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
    names = imported("--config", str(project.root / "config.toml"), "show")
    assert "relbot.cli.tracker" in names  # the probe sees what the command loads
    assert _under(names, NOT_FOR_SHOW) == []


def test_help_loads_no_command_and_no_store() -> None:
    names = imported("--help")
    assert "relbot.cli.base" in names
    modules = tuple(f"relbot.cli.{m}" for m in {m for m, _ in COMMANDS.values()})
    assert _under(names, (*modules, "sqlalchemy", "relbot.service", "relbot.edges")) == []


def _all_commands() -> click.Group:
    for info in pkgutil.iter_modules(relbot.cli.__path__):
        importlib.import_module(f"relbot.cli.{info.name}")
    return main


def test_the_command_table_names_each_command_module_and_help() -> None:
    group = _all_commands()
    assert set(group.commands) == set(COMMANDS)
    for name, command in group.commands.items():
        assert command.callback is not None
        module, first = COMMANDS[name]
        assert command.callback.__module__ == f"relbot.cli.{module}", name
        assert " ".join((command.help or "").split("\n\n")[0].split()) == first, name


def test_help_lists_the_commands_as_click_would() -> None:
    group = _all_commands()
    ctx = click.Context(group)
    ours, clicks = click.HelpFormatter(width=80), click.HelpFormatter(width=80)
    group.format_commands(ctx, ours)
    # click's own listing, which reads every loaded command
    super(RelbotGroup, group).format_commands(ctx, clicks)
    assert ours.getvalue() == clicks.getvalue()
    assert "show" in ours.getvalue() and "parse-reply" in ours.getvalue()
