"""The ``relbot`` group, its shared options, and error handling.

Every RelbotError becomes one line on stderr and exit status 1; click's usage
errors exit 2. Commands reach the loaded config and store through ``Env``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from relbot import __version__
from relbot.errors import RelbotError

if TYPE_CHECKING:  # loaded by the commands that use them, never for `--help`
    from relbot.core.settings import Config
    from relbot.service.wiring import Service

F = TypeVar("F", bound=Callable[..., Any])


class Env:
    """What a command needs, loaded on first use (so `--help` needs no config)."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path

    @cached_property
    def config(self) -> Config:
        from relbot.edges.config import load_config

        return load_config(self.config_path)

    @cached_property
    def service(self) -> Service:
        from relbot.service.wiring import Service

        return Service(self.config)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


#: each command: the module of this package that defines it, and its help's
#: first paragraph. A command's module (and what it imports) is loaded only
#: when that command runs, so `relbot show` never loads the IMAP, SMTP,
#: scheduler or reply-understanding code, and `relbot --help` loads none
#: (tests/test_cli_startup.py holds the help here to the commands' own)
COMMANDS: dict[str, tuple[str, str]] = {
    "accept": ("replies", "Apply a pending proposal."),
    "approve": (
        "weekly",
        ("Approve WEEK's mail as it is (default: the pending one); sends it if it is due."),
    ),
    "check-config": (
        "setup",
        (
            "Read config.toml strictly, make a dry run of a week's mail with it "
            "(the real template, subject and addresses; nothing is sent) and print "
            "the config in force as TOML."
        ),
    ),
    "claim": ("tracker", "Record NAME as an owner of ITEM_ID."),
    "hold": ("weekly", "Stop WEEK's mail (default: the next one) until `relbot approve`."),
    "import": (
        "statusmail",
        ("Read a plain-text status mail (bare body or whole message) into the tracker."),
    ),
    "ingest": ("replies", "Process messages from .eml files, maildirs or mbox files, each once."),
    "init": (
        "setup",
        (
            "Write a commented starter config.toml where there is none, then create"
            " the store and the local folders the config names."
        ),
    ),
    "intro": (
        "intro",
        ("Show or change the intro: the RM's paragraphs before the changes and the list."),
    ),
    "item": ("tracker", "Add, edit, move or remove items."),
    "link": ("tracker", "Attach a pointer (URL, <message-id>, tracker id) to ITEM_ID."),
    "log": (
        "tracker",
        ("List the events, oldest first: who changed what, from which mail, how it was verified."),
    ),
    "move": ("tracker", "Move ITEM_ID (with its sub-items) to SECTION or under --parent."),
    "note": ("tracker", "Add a note under ITEM_ID."),
    "outbox": ("weekly", "List the weekly mails, newest first: state, Message-ID, when, errors."),
    "parse-reply": (
        "replies",
        ("Show what a reply would do against the current tracker; change nothing."),
    ),
    "pending": ("replies", "List the proposals waiting for a release manager."),
    "poll": ("poll", "Read new replies to the status threads (IMAP IDLE, or polling)."),
    "quarantine": (
        "replies",
        "List messages relbot could not process (quarantined or unprocessed), with the reason.",
    ),
    "reject": ("replies", "Drop a pending proposal."),
    "render": ("statusmail", "Print the status mail that would be sent for the week of --date."),
    "retry": (
        "replies",
        "Process a quarantined or unprocessed message again (its number in `relbot quarantine`).",
    ),
    "run": (
        "weekly",
        (
            "Run the scheduler and follow the mailbox (IMAP IDLE where the server "
            "has it) until SIGTERM/SIGINT; or one cycle with --once, by the same "
            "schedule, misfire grace and review rules (--now: send this week's mail "
            "whatever the schedule says). One `relbot run` per store: "
            "a second refuses to start, or with --standby waits to take over."
        ),
    ),
    "send": ("weekly", "Send this week's status mail if it is due (at most once a week)."),
    "show": ("tracker", "Print the tracker: sections, items, owners, statuses."),
    "status": (
        "weekly",
        (
            "Without arguments: the weekly post's state (next send, last sent, "
            "pending, quarantined). With ITEM_ID STATUS: set an item's status "
            "(open, in progress, patches posted, done, deferred, ...)."
        ),
    ),
    "unclaim": ("tracker", "Remove NAME (or every owner) from ITEM_ID."),
    "undo": ("tracker", "Revert event EVENT_ID (recorded as a new event; undo an undo to redo)."),
}


class RelbotGroup(click.Group):
    """The command group: commands load lazily; every RelbotError is one line and exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"relbot.cli.{COMMANDS[cmd_name][0]}")
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing, from the table instead of the loaded commands
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, click.utils.make_default_short_help(_help(self, n), limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RelbotError as exc:
            click.echo(f"relbot: error: {exc}", err=True)
            for problem in getattr(exc, "problems", ())[:50]:
                click.echo(f"  {problem}", err=True)
            ctx.exit(1)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Like click's, but a usage error is one line that says where the help is."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "relbot"
            help_ = f" (`{where} --help` shows the usage)" if exc.ctx is not None else ""
            click.echo(f"relbot: error: {exc.format_message()}{help_}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"relbot: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("relbot: error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=RelbotGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("config.toml"),
    show_default=True,
    help="The configuration file.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more (to stderr).")
@click.version_option(version=__version__, prog_name="relbot")
@click.pass_context
def main(ctx: click.Context, config_path: Path, verbose: bool) -> None:
    """relbot: keeps a release's status mail current from list replies."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.obj = Env(config_path)
    ctx.call_on_close(lambda: _close(ctx.obj))


def _help(group: click.Group, name: str) -> str:
    loaded = group.commands.get(name)
    if loaded is not None:
        return loaded.help or ""
    return COMMANDS[name][1]


def _close(env: Env) -> None:
    if "service" in env.__dict__:
        env.service.close()


pass_env = click.make_pass_decorator(Env)
