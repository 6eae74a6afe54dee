"""Setting up: ``relbot init`` (a starter config.toml, the store, the folders, the
demo) and ``relbot check-config`` (the config in force, proven by a dry run)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from relbot.cli.base import Env, main, pass_env
from relbot.edges.config import config_toml, load_config
from relbot.edges.packaged import DEMO_STATUS, demo_replies, demo_status_mail, starter_config
from relbot.edges.store.dialects import shown_url
from relbot.edges.templating import builtin_template
from relbot.errors import UsageError
from relbot.service.dryrun import dry_run_mail
from relbot.service.statusmail import import_status_mail


@main.command("check-config")
@pass_env
def check_config(env: Env) -> None:
    """Read config.toml strictly, make a dry run of a week's mail with it (the real
    template, subject and addresses; nothing is sent) and print the config in force
    as TOML."""
    config = load_config(env.config_path)
    msg = dry_run_mail(config, env.now())
    # a password written into [store] url is not printed
    shown = dataclasses.replace(config.store, url=shown_url(config.store.url))
    click.echo(config_toml(dataclasses.replace(config, store=shown)), nl=False)
    template = config.render.template or "the built-in template"
    click.echo(
        f"{env.config_path}: OK (a dry run rendered {template} and composed "
        f'"{msg["Subject"]}" to {msg["To"]})',
        err=True,
    )


@main.command()
@click.option(
    "--demo",
    is_flag=True,
    help=f"Also import the demo status mail ({DEMO_STATUS}) and put its example replies "
    "in the maildir.",
)
@click.option(
    "--template",
    "with_template",
    is_flag=True,
    help="Also write the built-in template to templates/status.txt.j2, to edit.",
)
@pass_env
def init(env: Env, demo: bool, with_template: bool) -> None:
    """Write a commented starter config.toml where there is none, then create the
    store and the local folders the config names."""
    path = env.config_path
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(starter_config(), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {path}: a commented starter config; edit [release], [people], [mail]")
    config = env.config
    if with_template:
        _write_template(config.base_dir / "templates" / "status.txt.j2")
    applied = env.service.store.migrate()
    maildir = config.path(config.mailbox.path)
    if config.mailbox.source == "maildir":
        for sub in ("cur", "new", "tmp"):
            maildir.joinpath(sub).mkdir(parents=True, exist_ok=True)
    if config.smtp.transport == "file":
        config.path(config.smtp.outbox_dir).mkdir(parents=True, exist_ok=True)
    done = f" ({len(applied)} migrations)" if applied else ""
    click.echo(f"store ready: {env.service.store.shown_url}{done}")
    if demo:
        _demo(env, maildir)


def _write_template(target: Path) -> None:
    if target.exists():
        click.echo(f"{target} is there already: left as it is")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(builtin_template(), encoding="utf-8")
    click.echo(f'wrote {target}: set [render] template = "templates/status.txt.j2" to use it')


def _demo(env: Env, maildir: Path) -> None:
    if env.config.mailbox.source != "maildir":
        raise UsageError('--demo needs [mailbox] source = "maildir"')
    if not env.service.tracker().items:
        outcome = import_status_mail(env.service, demo_status_mail(), now=env.now())
        click.echo(f"imported {DEMO_STATUS}: {outcome.items_added} items")
    replies = demo_replies()
    for number, (_name, raw) in enumerate(replies):
        # maildir names: unique, and sorting by name gives delivery order
        (maildir / "new" / f"1334580000.M{number:03d}P0.demo").write_bytes(raw)
    click.echo(f"{len(replies)} example replies are waiting in {maildir / 'new'}")
