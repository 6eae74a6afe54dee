"""``relbot intro``: the RM's own words at the top of the week's mail, shown, replaced
from a file or edited in $EDITOR. Each change is an event, so `relbot undo` takes it back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from relbot.cli.base import Env, main, pass_env
from relbot.core.tracker.events import Kind
from relbot.errors import UsageError

#: an intro longer than this is not an intro
MAX_INTRO_BYTES = 64 * 1024


@main.group()
def intro() -> None:
    """Show or change the intro: the RM's paragraphs before the changes and the list."""


@intro.command("show")
@pass_env
def intro_show(env: Env) -> None:
    """Print the intro the next mail carries."""
    text = env.service.tracker().intro
    if text.strip():
        click.echo(text.strip("\n"))
    else:
        click.echo(
            "(no intro: `relbot intro set FILE` or `relbot intro edit` writes one)", err=True
        )


@intro.command("set")
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)
)
@pass_env
def intro_set(env: Env, file: Path) -> None:
    """Replace the intro with the text of FILE (`-`: standard input; empty: no intro)."""
    if str(file) == "-":
        raw = sys.stdin.buffer.read(MAX_INTRO_BYTES + 1)
    else:
        try:
            raw = file.read_bytes()[: MAX_INTRO_BYTES + 1]
        except OSError as exc:
            raise UsageError(f"{file}: cannot read it ({exc.strerror or exc})") from exc
    _record(env, _text(raw, str(file)))


@intro.command("edit")
@pass_env
def intro_edit(env: Env) -> None:
    """Edit the intro in $EDITOR (saved as it is when the editor exits)."""
    old = env.service.tracker().intro
    new = click.edit(old.strip("\n") + "\n", extension=".txt", require_save=True)
    if new is None:
        click.echo("intro unchanged")
        return
    _record(env, _text(new.encode("utf-8"), "the edited intro"))


def _text(raw: bytes, where: str) -> str:
    if len(raw) > MAX_INTRO_BYTES:
        raise UsageError(f"{where}: longer than {MAX_INTRO_BYTES // 1024} KiB, not an intro")
    if b"\x00" in raw:
        raise UsageError(f"{where}: binary data, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    # paragraphs as the mail shows them: lines kept, blank-line runs made one
    paragraphs = [
        "\n".join(line.rstrip() for line in block.strip("\n").splitlines())
        for block in text.replace("\r\n", "\n").split("\n\n")
    ]
    return "\n\n".join(p for p in paragraphs if p.strip())


def _record(env: Env, text: str) -> None:
    if text == env.service.tracker().intro:
        click.echo("intro unchanged")
        return
    [stored] = env.service.record([env.service.event(Kind.INTRO, now=env.now(), text=text)])
    count = len(text.split("\n\n")) if text else 0
    what = f"{count} paragraph{'s' if count != 1 else ''}" if text else "removed"
    click.echo(f"event {stored.seq}: intro {what} (`relbot undo {stored.seq}` takes it back)")
