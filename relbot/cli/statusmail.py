"""``relbot import`` and ``relbot render``: the status mail in and out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from relbot.cli.base import Env, main, pass_env
from relbot.errors import ImportFailed, UsageError
from relbot.service.statusmail import import_status_mail, render_week

#: a status mail larger than this is refused before it is read
MAX_IMPORT_BYTES = 10 * 1024 * 1024


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Import a mail of another release, or one that removes most items, all the same.",
)
@pass_env
def import_(env: Env, file: Path, replace: bool) -> None:
    """Read a plain-text status mail (bare body or whole message) into the tracker.

    Items the tracker holds and the mail no longer shows are removed, and
    listed; one `relbot undo` of any of its events takes the whole import back.
    """
    size = file.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise ImportFailed(
            f"{file}: {size / 1024 / 1024:.1f} MB is too large for a status mail "
            f"(the limit is {MAX_IMPORT_BYTES // 1024 // 1024} MB)"
        )
    outcome = import_status_mail(
        env.service, file.read_bytes(), now=env.now(), origin=str(file), replace=replace
    )
    for problem in outcome.problems:
        click.echo(f"{file}: {problem}", err=True)
    mail = f" as status mail <{outcome.message_id}>" if outcome.message_id else ""
    click.echo(
        f"imported {file}{mail}: {outcome.items_added} items added, "
        f"{outcome.items_changed} changed, {len(outcome.removed)} removed, "
        f"{len(outcome.events)} events"
    )
    for line in outcome.removed:
        click.echo(f"  removed {line}")
    if outcome.reread:
        click.echo(outcome.reread)
    if outcome.events:
        click.echo(f"`relbot undo {outcome.events[0].seq}` takes this import back")


@main.command()
@click.option("--date", "date", help="The day the mail is for (YYYY-MM-DD); default today.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@pass_env
def render(env: Env, date: str | None, output: Path | None) -> None:
    """Print the status mail that would be sent for the week of --date."""
    today = _parse_date(date) if date else env.now().date()
    text = render_week(env.service, today=today)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: expected YYYY-MM-DD, got {text!r}") from None
