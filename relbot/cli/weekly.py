"""The weekly post on the command line: send, outbox, hold, approve, status, run."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any

import click

from relbot.cli import tracker as _tracker
from relbot.cli.base import Env, main, pass_env
from relbot.errors import DeliveryError, RelbotError, UsageError
from relbot.service.draft import Outcome, SendResult
from relbot.service.outbox import Outbox, OutboxRow, State
from relbot.service.poll import poll_once
from relbot.service.review import draft_for
from relbot.service.runguard import RunGuard, running
from relbot.service.scheduler import Runner, tick
from relbot.service.weekly import send_weekly
from relbot.service.weeks import describe_time, latest_slot, next_slot, week_of

log = logging.getLogger("relbot.cli")

_AT = click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M"]),
    hidden=True,
    help="Act as if it were this time (ISO 8601; UTC without an offset).",
)


def _now(env: Env, at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return env.now()
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _report(result: SendResult) -> None:
    click.echo(result.detail)
    if result.path is not None:
        click.echo(f"the mail is in {result.path}")
    if result.outcome is Outcome.FAILED:
        raise DeliveryError(f"the {result.week} status mail was not sent", permanent=True)


@main.command()
@click.option("--dry-run", is_flag=True, help="Write the mail to <outbox_dir>/dry-run/ only.")
@click.option("--now", "force", is_flag=True, help="Send it now, even late or after a failure.")
@_AT
@pass_env
def send(env: Env, dry_run: bool, force: bool, at: dt.datetime | None) -> None:
    """Send this week's status mail if it is due (at most once a week)."""
    with _said_here():
        _report(send_weekly(env.service, _now(env, at), force=force, dry_run=dry_run))


@contextlib.contextmanager
def _said_here() -> Iterator[None]:
    """The command prints what became of the week's mail; the service's INFO
    record of it would say it twice on the terminal (``-v`` shows both)."""
    logger = logging.getLogger("relbot.service.weekly")
    level = logger.level
    if not logger.isEnabledFor(logging.DEBUG):
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@main.command()
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@pass_env
def outbox(env: Env, limit: int) -> None:
    """List the weekly mails, newest first: state, Message-ID, when, errors."""
    rows = Outbox(env.service.store).rows(limit)
    if not rows:
        click.echo("The outbox is empty: nothing has been rendered for sending yet.")
        return
    schedule = env.config.schedule
    for row in rows:
        when, label = row.send_at, "due"
        if row.state is State.SENT:
            when, label = row.sent_at, "sent"
        elif row.state is State.SENDING and row.attempted_at is not None:
            when, label = row.attempted_at, "tried"
        at = f"{label} {describe_time(when, schedule)}" if when else ""
        flags = " previewed" if row.preview_sent else ""
        click.echo(f"{row.week}  {row.state.value:<8}  {at}  <{row.message_id}>{flags}")
        if row.error:
            click.echo(f"          {row.error}")


def _target(env: Env, week: str | None, now: dt.datetime) -> str:
    """The week a hold or approve means: given, the pending one, or the next."""
    if week:
        key = week.strip().upper()
        if not re.fullmatch(r"\d{4}-W\d{2}", key):
            raise UsageError(f"expected a week like 2026-W48, got {week!r}")
        return key
    pending = Outbox(env.service.store).pending()
    schedule = env.config.schedule
    current = week_of(latest_slot(now, schedule), schedule)
    if pending is not None and pending.week >= current:
        return pending.week
    row = Outbox(env.service.store).get(current)
    grace = dt.timedelta(hours=schedule.misfire_grace_hours)
    if row is None and now - latest_slot(now, schedule) <= grace:
        return current
    return week_of(next_slot(now, schedule), schedule)


def _ensure_row(env: Env, week: str, now: dt.datetime) -> OutboxRow:
    box = Outbox(env.service.store)
    row = box.get(week)
    if row is not None:
        return row
    schedule = env.config.schedule
    for slot in (latest_slot(now, schedule), next_slot(now, schedule)):
        if week_of(slot, schedule) == week:
            return draft_for(env.service, now, slot)
    raise UsageError(f"no mail for {week} in the outbox (see `relbot outbox`)")


@main.command()
@click.argument("week", required=False)
@_AT
@pass_env
def hold(env: Env, week: str | None, at: dt.datetime | None) -> None:
    """Stop WEEK's mail (default: the next one) until `relbot approve`."""
    now = _now(env, at)
    row = _ensure_row(env, _target(env, week, now), now)
    row = Outbox(env.service.store).hold(row.week)
    click.echo(f"{row.week}: held; `relbot approve {row.week}` lets it go")


@main.command()
@click.argument("week", required=False)
@_AT
@pass_env
def approve(env: Env, week: str | None, at: dt.datetime | None) -> None:
    """Approve WEEK's mail as it is (default: the pending one); sends it if it is due."""
    now = _now(env, at)
    row = _ensure_row(env, _target(env, week, now), now)
    row = Outbox(env.service.store).approve(row.week)
    schedule = env.config.schedule
    if row.send_at is not None and row.send_at <= now:
        if week_of(latest_slot(now, schedule), schedule) == row.week:
            _report(send_weekly(env.service, now))
            return
        click.echo(f"{row.week}: approved, but its week is over; it will not be sent")
        return
    when = describe_time(row.send_at, schedule) if row.send_at else "at its send time"
    click.echo(f"{row.week}: approved; it goes out {when}")


def _weekly_status(env: Env, now: dt.datetime) -> None:
    config, store = env.config, env.service.store
    schedule = config.schedule
    box = Outbox(store)
    upcoming = next_slot(now, schedule)
    click.echo(f"release:           {store.tracker().release or config.release.name or '-'}")
    click.echo(f"review:            {schedule.review}")
    click.echo(
        f"next send:         {describe_time(upcoming, schedule)} ({week_of(upcoming, schedule)})"
    )
    last = box.last_sent()
    if last is not None and last.sent_at is not None:
        click.echo(
            f"last sent:         {last.week} on {describe_time(last.sent_at, schedule)} "
            f"<{last.message_id}>"
        )
    else:
        click.echo("last sent:         never")
    pending = box.pending()
    if pending is not None:
        line = f"outbox:            {pending.week} {pending.state.value}"
        if pending.error:
            line += f": {pending.error}"
        click.echo(line)
        if pending.state is State.FAILED:
            click.echo("                   fix the cause, then `relbot send --now`")
    click.echo(f"pending proposals: {len(store.proposals('pending'))}")
    kept = len(store.messages("quarantined")) + len(store.messages("unprocessed"))
    click.echo(f"quarantined mail:  {kept}")
    holder = running(store)
    if holder is not None:
        click.echo(f"relbot run:        {holder}")


@click.command("status")
@click.argument("item_id", required=False)
@click.argument("status", nargs=-1)
@click.option("--release", help="Target release, with 'deferred'.")
@click.option("--version", "version", help="Series version, with 'patches posted' (e.g. v7).")
@_AT
@click.pass_context
def status(
    ctx: click.Context,
    item_id: str | None,
    status: tuple[str, ...],
    release: str | None,
    version: str | None,
    at: dt.datetime | None,
) -> None:
    """Without arguments: the weekly post's state (next send, last sent, pending,
    quarantined). With ITEM_ID STATUS: set an item's status (open, in progress,
    patches posted, done, deferred, ...)."""
    env = ctx.find_object(Env)
    assert env is not None
    if item_id is None:
        _weekly_status(env, _now(env, at))
        return
    if not status:
        raise click.UsageError("give the STATUS for the item, e.g. `relbot status T3 done`")
    kwargs: dict[str, Any] = {"item_id": item_id, "status": status}
    kwargs |= {"release": release, "version": version}
    ctx.invoke(_tracker.status, **kwargs)


# `relbot status` is both the overview and the item command it replaces here
main.add_command(status, "status")


@main.command()
@click.option(
    "--once", is_flag=True, help="One cycle of `run`: read mail, then a due preview or send."
)
@click.option(
    "--now",
    "send_now",
    is_flag=True,
    help="With --once: send this week's mail now, even late (as `relbot send --now`).",
)
@click.option(
    "--standby",
    is_flag=True,
    help="If another `relbot run` has the store, wait and take over when it stops.",
)
@_AT
@pass_env
def run(env: Env, once: bool, send_now: bool, standby: bool, at: dt.datetime | None) -> None:
    """Run the scheduler and follow the mailbox (IMAP IDLE where the server has it)
    until SIGTERM/SIGINT; or one cycle with --once, by the same schedule, misfire
    grace and review rules (--now: send this week's mail whatever the schedule says).
    One `relbot run` per store: a second refuses to start, or with --standby waits
    to take over."""
    if send_now and not once:
        raise UsageError("--now goes with --once: `relbot run --once --now`")
    service = env.service
    if not once:
        guard = RunGuard(service.store, standby=standby)
        Runner(service, clock=env.now, follow_mail=True, guard=guard).serve()
        return
    now = _now(env, at)
    try:
        report = poll_once(service, now=lambda: now)
    except RelbotError as exc:
        click.echo(f"relbot: warning: mail not read: {exc}", err=True)
    else:
        click.echo(f"mail: {report.summary()}")
    failed: SendResult | None = None
    with _said_here():
        results = (
            [send_weekly(service, now, force=True)]
            if send_now
            else tick(service, now, explain=True)
        )
    for result in results:
        click.echo(result.detail)
        if result.path is not None:
            click.echo(f"the mail is in {result.path}")
        if result.outcome is Outcome.ALREADY_SENT and env.config.smtp.transport == "file":
            folder = env.config.path(env.config.smtp.outbox_dir)
            for path in sorted(folder.glob(f"*-{result.message_id}.eml"))[-1:]:
                click.echo(f"the mail is in {path}")
        if result.outcome is Outcome.FAILED:
            failed = result
    if failed is not None:
        raise DeliveryError(f"the {failed.week} status mail was not sent", permanent=True)
