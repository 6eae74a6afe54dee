"""``relbot poll``: follow the status threads in the configured mailbox."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click
from rich.progress import Progress

from relbot.cli.base import Env, main, pass_env
from relbot.service.poll import PollReport, poll_once, watch


@main.command()
@click.option("--once", is_flag=True, help="One sync, then exit.")
@pass_env
def poll(env: Env, once: bool) -> None:
    """Read new replies to the status threads (IMAP IDLE, or polling)."""
    if once:
        with Progress(transient=True, disable=not _tty()) as bar:
            task = bar.add_task("first sync", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = poll_once(env.service, now=env.now, progress=progress)
        _print(report)
        return
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        click.echo(f"relbot: {signal.Signals(signum).name}, stopping", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    watch(env.service, now=env.now, stop=stop, on_report=_print_if_busy)


def _print(report: PollReport) -> None:
    for line in report.ingest.lines:
        click.echo(line)
    click.echo(report.summary())


def _print_if_busy(report: PollReport) -> None:
    if report.ingest.members:
        _print(report)


def _tty() -> bool:
    return sys.stderr.isatty()
