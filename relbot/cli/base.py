"""The ``relbot`` group, its shared options, and error handling.

Every RelbotError becomes one line on stderr and exit status 1; click's usage
errors exit 2. Commands reach the loaded config and store through ``Env``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import click

from relbot import __version__
from relbot.core.settings import Config
from relbot.edges.config import load_config
from relbot.errors import RelbotError
from relbot.service.wiring import Service

F = TypeVar("F", bound=Callable[..., Any])


class Env:
    """What a command needs, loaded on first use (so `--help` needs no config)."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @cached_property
    def service(self) -> Service:
        return Service(self.config)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class RelbotGroup(click.Group):
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


def _close(env: Env) -> None:
    if "service" in env.__dict__:
        env.service.close()


pass_env = click.make_pass_decorator(Env)
