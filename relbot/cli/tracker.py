"""The RM's commands on the tracker: show, log, undo, item edits."""

from __future__ import annotations

import json
from typing import Any

import click

from relbot.cli.base import Env, main, pass_env
from relbot.core.tracker.events import Event, Kind, describe_event, fold, undone_seqs
from relbot.core.tracker.model import (
    Status,
    Tracker,
    can_transition,
    parse_status,
    parse_version,
)
from relbot.core.tracker.snapshot import tracker_to_json
from relbot.core.tracker.undo import import_batch, undo_subjects
from relbot.errors import UsageError

# -- looking -------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the schema in docs/show-json.md.")
@pass_env
def show(env: Env, as_json: bool) -> None:
    """Print the tracker: sections, items, owners, statuses."""
    tracker = env.service.tracker()
    if as_json:
        click.echo(json.dumps(tracker_to_json(tracker), indent=2, ensure_ascii=False))
        return
    if not tracker.items:
        click.echo("The tracker is empty: `relbot import STATUS-MAIL` or `relbot item add`.")
        return
    click.echo(f"Release {tracker.release or env.config.release.name or '(unnamed)'}")
    for sec in tracker.sections:
        click.echo(f"\n{sec.title or sec.key}:")
        for depth, item in tracker.walk(sec.key):
            bits = [item.status.value]
            if item.version:
                bits.append(item.version)
            if item.release:
                bits.append(f"to {item.release}")
            if item.owners:
                bits.append(", ".join(item.owners))
            tags = " ".join(item.tags)
            text = f"{tags} {item.text}".strip()
            if len(text) > 60:
                text = text[:57] + "..."
            click.echo(f"{'  ' * depth}  {item.id:>4}  {text}  [{'; '.join(bits)}]")
            for link in item.links:
                click.echo(f"{'  ' * depth}        -> {link}")


@main.command()
@click.option("--item", "item_id", help="Only the events of this item (and their undos).")
@click.option("--limit", type=click.IntRange(min=1), help="Only the last N events.")
@pass_env
def log(env: Env, item_id: str | None, limit: int | None) -> None:
    """List the events, oldest first: who changed what, from which mail, how it was verified."""
    store = env.service.store
    events = store.events()
    undone = undone_seqs(events)
    state = fold(events)
    proofs = {m.message_id: m.verification for m in store.messages() if m.verification}
    shown = events
    if item_id is not None:
        key = item_id.strip().upper()
        undos = undo_subjects(events)
        shown = [e for e in events if e.item == key or key in undos.get(e.seq, ())]
    for e in shown[-limit:] if limit else shown:
        mark = " (undone)" if e.seq in undone else ""
        source = e.source if e.source in ("cli", "import") else f"<{e.source}>"
        proof = f"  [sender {proofs[e.source]}]" if e.source in proofs else ""
        click.echo(
            f"{e.seq:>5}  {e.at:%Y-%m-%d %H:%M}  {e.actor}  {source}  "
            f"{_describe(e, events, state)}{mark}{proof}"
        )


def _describe(event: Event, events: list[Event], state: Tracker) -> str:
    """An event's log line; an undo of one item's change also says what that was."""
    what = describe_event(event, state)
    if event.kind is Kind.UNDO and not event.data.get("events"):
        target = next((e for e in events if e.seq == event.data.get("event")), None)
        if target is not None and target.item:
            what += f" ({describe_event(target)})"
    return what


@main.command()
@click.argument("event_id", type=int)
@pass_env
def undo(env: Env, event_id: int) -> None:
    """Revert event EVENT_ID (recorded as a new event; undo an undo to redo).

    An event of an import reverts the whole import.
    """
    events = env.service.store.events()
    target = next((e for e in events if e.seq == event_id), None)
    if target is None:
        raise UsageError(f"no event {event_id} (see `relbot log`)")
    undone = undone_seqs(events)
    batch = [seq for seq in import_batch(events, event_id) if seq not in undone]
    if not batch:
        raise UsageError(f"event {event_id} is already undone")
    data: dict[str, Any] = {"event": batch[0]}
    if len(batch) > 1:
        data["events"] = batch
    stored = env.service.record([env.service.event(Kind.UNDO, now=env.now(), **data)])
    if len(batch) > 1:
        click.echo(
            f"event {stored[0].seq}: undid the import of events {batch[0]}-{batch[-1]} "
            f"({len(batch)} events)"
        )
        return
    click.echo(f"event {stored[0].seq}: undid {event_id} ({describe_event(target)})")


# -- changing items -----------------------------------------------------------


def _record(env: Env, kind: Kind, item_id: str | None, **data: Any) -> None:
    stored = env.service.record([env.service.event(kind, item_id, now=env.now(), **data)])
    click.echo(f"event {stored[0].seq}: {describe_event(stored[0], env.service.tracker())}")


def _existing(env: Env, item_id: str) -> tuple[Tracker, str]:
    tracker = env.service.tracker()
    return tracker, env.service.item(tracker, item_id).id


@main.group()
def item() -> None:
    """Add, edit, move or remove items."""


@item.command("add")
@click.argument("section")
@click.argument("text")
@click.option("--parent", help="Nest under this item (its section wins).")
@click.option("--owner", "owners", multiple=True, help="Owner (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Tag such as BUG (repeatable).")
@pass_env
def item_add(
    env: Env,
    section: str,
    text: str,
    parent: str | None,
    owners: tuple[str, ...],
    tags: tuple[str, ...],
) -> None:
    """Add an item with TEXT to SECTION."""
    tracker = env.service.tracker()
    if not text.strip():
        raise UsageError("the item's text is empty")
    parent_item = env.service.item(tracker, parent) if parent else None
    parent_id = parent_item.id if parent_item else None
    key = parent_item.section if parent_item else env.service.section_key(tracker, section)
    new_id = tracker.new_item_id()
    tag_list = [t.strip("[] ").upper() for t in tags if t.strip("[] ")]
    _record(
        env,
        Kind.ADD,
        new_id,
        id=new_id,
        section=key,
        parent=parent_id,
        text=text.strip(),
        owners=list(owners),
        tags=tag_list,
    )


@item.command("edit")
@click.argument("item_id")
@click.argument("text")
@pass_env
def item_edit(env: Env, item_id: str, text: str) -> None:
    """Replace the text of ITEM_ID."""
    _, key = _existing(env, item_id)
    if not text.strip():
        raise UsageError("the item's text is empty")
    _record(env, Kind.EDIT, key, text=text.strip())


@item.command("remove")
@click.argument("item_id")
@pass_env
def item_remove(env: Env, item_id: str) -> None:
    """Remove ITEM_ID and its sub-items (undo brings them back)."""
    _, key = _existing(env, item_id)
    _record(env, Kind.REMOVE, key)


@main.command()
@click.argument("item_id")
@click.argument("section", required=False)
@click.option("--parent", help="Move under this item instead of to a section's top level.")
@pass_env
def move(env: Env, item_id: str, section: str | None, parent: str | None) -> None:
    """Move ITEM_ID (with its sub-items) to SECTION or under --parent."""
    tracker, key = _existing(env, item_id)
    if parent:
        parent_id = env.service.item(tracker, parent).id
        if parent_id == key or parent_id in tracker.descendants(key):
            raise UsageError(f"cannot move {key} under itself or its own sub-item {parent_id}")
        _record(env, Kind.MOVE, key, parent=parent_id)
    elif section:
        _record(env, Kind.MOVE, key, section=env.service.section_key(tracker, section))
    else:
        raise click.UsageError("give a SECTION or --parent")


@main.command()
@click.argument("item_id")
@click.argument("name")
@pass_env
def claim(env: Env, item_id: str, name: str) -> None:
    """Record NAME as an owner of ITEM_ID."""
    tracker, key = _existing(env, item_id)
    item = tracker.item(key)
    if item is not None and name.strip() in item.owners:
        raise UsageError(f"{key} is already owned by {name.strip()}")
    _record(env, Kind.CLAIM, key, owner=name.strip())


@main.command()
@click.argument("item_id")
@click.argument("name", required=False)
@pass_env
def unclaim(env: Env, item_id: str, name: str | None) -> None:
    """Remove NAME (or every owner) from ITEM_ID."""
    tracker, key = _existing(env, item_id)
    item = tracker.item(key)
    if item is not None and name and name.strip() not in item.owners:
        owners = ", ".join(item.owners) or "nobody"
        raise UsageError(f"{name} does not own {key} (owners: {owners})")
    _record(env, Kind.UNCLAIM, key, **({"owner": name.strip()} if name else {}))


@main.command()
@click.argument("item_id")
@click.argument("status", nargs=-1, required=True)
@click.option("--release", help="Target release, with 'deferred'.")
@click.option("--version", "version", help="Series version, with 'patches posted' (e.g. v7).")
@pass_env
def status(
    env: Env, item_id: str, status: tuple[str, ...], release: str | None, version: str | None
) -> None:
    """Set ITEM_ID's STATUS (open, in progress, patches posted, done, deferred, ...)."""
    tracker, key = _existing(env, item_id)
    new = parse_status(" ".join(status))
    if new is None:
        choices = ", ".join(s.value for s in Status)
        raise UsageError(f"unknown status {' '.join(status)!r} (expected one of: {choices})")
    item = tracker.item(key)
    assert item is not None
    if not can_transition(item.status, new):
        raise UsageError(f"{key} cannot go from {item.status.value} to {new.value}")
    if release and new is not Status.DEFERRED:
        raise UsageError("--release goes with the status 'deferred'")
    data: dict[str, Any] = {"status": new.value}
    if new is Status.DEFERRED:
        data["release"] = release or env.service.config.release.next_release
    if version is not None:
        if new is not Status.PATCHES_POSTED:
            raise UsageError("--version goes with the status 'patches posted'")
        data["version"] = _version(version)
    _record(env, Kind.STATUS, key, **data)


def _version(text: str) -> str:
    found = parse_version(text)
    if found is None:
        raise UsageError(f"--version: expected a series version like v7, got {text!r}")
    return found


@main.command()
@click.argument("item_id")
@click.argument("url")
@click.option("--title", default="", help="A few words on what it points at.")
@pass_env
def link(env: Env, item_id: str, url: str, title: str) -> None:
    """Attach a pointer (URL, <message-id>, tracker id) to ITEM_ID."""
    _, key = _existing(env, item_id)
    prefixes = env.service.config.parsing.tracker_prefixes
    from relbot.core.replies.pointers import find_pointers  # the reply stack, for this command only

    pointers = find_pointers(url, tracker_prefixes=prefixes)
    if not pointers:
        example = f"{prefixes[0]}-28" if prefixes else "XSA-123"
        raise UsageError(
            f"{url!r} points at nothing: give a URL (https://...), a <message-id> "
            f"or a tracker id such as {example}"
        )
    p = pointers[0]
    data: dict[str, Any] = {"title": title, "url": p.url, "message_id": p.message_id}
    if not p.url and not p.message_id:
        data["tracker_id"] = p.value
    _record(env, Kind.LINK, key, **data)


@main.command()
@click.argument("item_id")
@click.argument("text")
@pass_env
def note(env: Env, item_id: str, text: str) -> None:
    """Add a note under ITEM_ID."""
    _, key = _existing(env, item_id)
    if not text.strip():
        raise UsageError("the note is empty")
    _record(env, Kind.NOTE, key, text=text.strip())
