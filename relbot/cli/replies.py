"""Replies: parse one without changing anything, ingest mailboxes, review proposals."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from relbot.cli.base import Env, main, pass_env
from relbot.core.replies.message import mail_problem, read_message
from relbot.edges.mailbox import iter_paths
from relbot.errors import UsageError
from relbot.service.ingest import Ingestor
from relbot.service.understanding import Claims, decide_proposal, reply_rules, understand


@main.command("parse-reply")
@click.argument("message", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the JSON described in docs/.")
@pass_env
def parse_reply(env: Env, message: Path, as_json: bool) -> None:
    """Show what a reply would do against the current tracker; change nothing."""
    raw = message.read_bytes()
    problem = mail_problem(raw)
    if problem:
        raise UsageError(f"{message}: {problem}")
    msg = read_message(raw)
    store = env.service.store
    events = store.events()
    tracker = store.tracker()
    verification = env.service.sender_check()(raw)
    claims = Claims(store)
    claims.update(events)
    result = understand(
        msg,
        tracker,
        events,
        replace(reply_rules(env.service), claimed=claims.pairs),
        env.now().date(),
        verification=verification,
    )
    data = result.to_json()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"<{data['message_id']}> from {data['from']} (sender {verification.summary()})")
    for a in data["actions"]:
        item = a["item"] or "-"
        click.echo(
            f"  {a['decision']:<7} {a['action']:<13} {item:<5} {json.dumps(a['value'])} "
            f"(confidence {a['confidence']:.2f})"
        )
        click.echo(f"          evidence: {a['evidence']!r}")
        click.echo(f"          why: {a['reason']} (as {a['role'] or 'anyone'})")
    for note in data["notes"]:
        click.echo(f"  note: {note}")
    if not data["actions"]:
        click.echo("  no actions")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_env
def ingest(env: Env, paths: tuple[Path, ...]) -> None:
    """Process messages from .eml files, maildirs or mbox files, each once."""
    ingestor = Ingestor(env.service, now=env.now)
    with ingestor.units.batched():
        for mail in iter_paths(paths):
            ingestor.offer(mail)
    for line in ingestor.report.lines:
        click.echo(line)
    click.echo(ingestor.report.summary())


@main.command()
@pass_env
def pending(env: Env) -> None:
    """List the proposals waiting for a release manager."""
    rows = env.service.store.proposals("pending")
    if not rows:
        click.echo("nothing pending")
    for p in rows:
        click.echo(
            f"{p.id:>4}  {p.action:<13} {p.item or '-':<5} {json.dumps(p.value)}  "
            f"by {p.who} (confidence {p.confidence:.2f}: {p.reason})"
        )
        click.echo(f"      evidence: {p.evidence!r}  <{p.message_id}>")


def _decide(env: Env, proposal_id: int, *, accept: bool) -> None:
    store = env.service.store
    with store.transaction() as conn:
        events = decide_proposal(
            store, conn, proposal_id, accept=accept, by=env.service.rm_name, now=env.now()
        )
    verb = "accepted" if accept else "rejected"
    click.echo(f"proposal {proposal_id} {verb}" + (f" ({len(events)} events)" if events else ""))


@main.command()
@click.argument("proposal_id", type=int)
@pass_env
def accept(env: Env, proposal_id: int) -> None:
    """Apply a pending proposal."""
    _decide(env, proposal_id, accept=True)


@main.command()
@click.argument("proposal_id", type=int)
@pass_env
def reject(env: Env, proposal_id: int) -> None:
    """Drop a pending proposal."""
    _decide(env, proposal_id, accept=False)


@main.command()
@pass_env
def quarantine(env: Env) -> None:
    """List messages relbot could not process (quarantined or unprocessed), with the reason."""
    store = env.service.store
    rows = sorted(
        (m for s in ("quarantined", "unprocessed") for m in store.messages(s)), key=lambda m: m.id
    )
    if not rows:
        click.echo("quarantine is empty")
    for m in rows:
        click.echo(
            f"{m.id:>4}  {m.received_at:%Y-%m-%d %H:%M}  <{m.message_id}>  {m.origin}  {m.state}"
        )
        click.echo(f"      {m.reason}")


@main.command()
@click.argument("message_id", type=int)
@pass_env
def retry(env: Env, message_id: int) -> None:
    """Process a quarantined or unprocessed message again (its number in `relbot quarantine`)."""
    click.echo(Ingestor(env.service, now=env.now).retry(message_id))
