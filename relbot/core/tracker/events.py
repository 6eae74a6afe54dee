"""Events: every change to a tracker, and the reducer that applies them.

The tracker's state is ``fold(events)``: a pure function of the event list.
An event that no longer fits the state (an edit of an item whose ``add`` was
undone) changes nothing instead of raising, so a replay never fails half-way.
``undo`` is an event too; it takes its target out of the fold, and undoing an
undo puts the target back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from relbot.core.tracker.model import (
    Footnote,
    Item,
    Link,
    Milestone,
    Section,
    Status,
    StatusMail,
    Tracker,
    can_transition,
    item_number,
    parse_status,
)


class Kind(StrEnum):
    RELEASE = "release"
    INTRO = "intro"
    MILESTONES = "milestones"
    SECTION = "section"
    ADD = "add"
    EDIT = "edit"
    MOVE = "move"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    STATUS = "status"
    LINK = "link"
    NOTE = "note"
    REMOVE = "remove"
    FOOTNOTE = "footnote"
    STATUS_MAIL = "status-mail"
    UNDO = "undo"


#: the item fields an ``edit`` event may set
EDITABLE = ("text", "tags", "owners", "status_note", "version", "release", "notes")


@dataclass(frozen=True, slots=True)
class Event:
    """One change, with who made it, where it came from and when.

    ``source`` is the Message-ID of the mail that caused it, ``cli``, or
    ``import``. ``seq`` is the store's number for it (0 before it is stored).
    """

    kind: Kind
    at: dt.datetime
    actor: str = ""
    source: str = "cli"
    item: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0


def fold(events: Iterable[Event], start: Tracker | None = None) -> Tracker:
    """The tracker the events make, honouring undo."""
    events = list(events)
    undone = undone_seqs(events)
    state = start or Tracker()
    for event in events:
        if event.kind is not Kind.UNDO and event.seq not in undone:
            state = apply_event(state, event)
    return state


def undone_seqs(events: Sequence[Event]) -> frozenset[int]:
    """Seqs of the events currently taken back by undo events.

    An undo takes back what it names unless it is taken back itself, so
    walking from the newest event back settles each undo before the
    earlier events it names: undo, undo of it, undo of that... alternate.
    """
    undone: set[int] = set()
    for event in sorted(events, key=lambda e: e.seq, reverse=True):
        if event.kind is Kind.UNDO and event.seq not in undone:
            undone.update(undo_targets(event))
    return frozenset(undone)


def undo_targets(event: Event) -> tuple[int, ...]:
    """The seqs an undo event names: ``event``, and ``events`` for a whole import."""
    named = [int(event.data.get("event", 0) or 0), *map(int, event.data.get("events", ()))]
    # an undo only ever names an earlier event (seq 0: not stored yet)
    return tuple(dict.fromkeys(t for t in named if t > 0 and (t < event.seq or not event.seq)))


def apply_event(state: Tracker, event: Event) -> Tracker:
    """Apply one event. Never raises on an event that does not fit the state."""
    item_handler = _ITEM_HANDLERS.get(event.kind)
    if item_handler is not None:
        item = state.item(event.item or "")
        return state if item is None else item_handler(state, item, event)
    handler = _HANDLERS.get(event.kind)
    return state if handler is None else handler(state, event)


# -- tracker-wide events ----------------------------------------------------


def _release(state: Tracker, e: Event) -> Tracker:
    return replace(
        state,
        release=str(e.data.get("release", state.release)),
        next_release=str(e.data.get("next_release", state.next_release)),
    )


def _intro(state: Tracker, e: Event) -> Tracker:
    return replace(state, intro=str(e.data.get("text", "")))


def _milestones(state: Tracker, e: Event) -> Tracker:
    stones = tuple(
        Milestone(
            when=str(m.get("when", "")),
            label=str(m.get("label", "")),
            date=dt.date.fromisoformat(m["date"]) if m.get("date") else None,
        )
        for m in e.data.get("milestones", ())
    )
    return replace(state, milestones=stones)


def _section(state: Tracker, e: Event) -> Tracker:
    key = str(e.data.get("key", ""))
    if not key:
        return state
    old = state.section(key)
    new = Section(
        key=key,
        title=str(e.data.get("title", old.title if old else key)),
        notes=tuple(e.data.get("notes", old.notes if old else ())),
    )
    if old is None:
        return replace(state, sections=(*state.sections, new))
    return replace(state, sections=tuple(new if s.key == key else s for s in state.sections))


def _add(state: Tracker, e: Event) -> Tracker:
    d = e.data
    item_id = str(d.get("id") or e.item or state.new_item_id())
    if state.item(item_id) is not None:
        return state
    parent = d.get("parent") or None
    section = str(d.get("section", ""))
    if parent is not None:
        parent_item = state.item(parent)
        if parent_item is None:
            return state
        section = parent_item.section
    status = parse_status(str(d.get("status", ""))) or Status.OPEN
    item = Item(
        id=item_id,
        section=section,
        text=str(d.get("text", "")),
        parent=parent,
        tags=tuple(d.get("tags", ())),
        owners=tuple(d.get("owners", ())),
        status=status,
        status_note=str(d.get("status_note", "")),
        version=str(d.get("version", "")),
        release=str(d.get("release", "")),
        links=tuple(_link(x) for x in d.get("links", ())),
        notes=tuple(d.get("notes", ())),
        closed_at=e.at if status.closed else None,
    )
    sections = state.sections
    if section and state.section(section) is None:
        sections = (*sections, Section(key=section, title=section))
    return state.with_new_item(
        item, sections=sections, next_id=max(state.next_id, item_number(item_id) + 1)
    )


def _footnote(state: Tracker, e: Event) -> Tracker:
    number = int(e.data.get("number", -1))
    url = str(e.data.get("url", ""))
    kept = tuple(f for f in state.footnotes if f.number != number)
    notes = tuple(sorted((*kept, Footnote(number, url)), key=lambda f: f.number))
    return replace(state, footnotes=notes)


def _status_mail(state: Tracker, e: Event) -> Tracker:
    msgid = str(e.data.get("message_id", ""))
    if not msgid or state.status_mail(msgid) is not None:
        return state
    date = e.data.get("date")
    mail = StatusMail(
        message_id=msgid,
        subject=str(e.data.get("subject", "")),
        date=dt.datetime.fromisoformat(date) if date else e.at,
        event_count=int(e.data.get("event_count", 0)),
    )
    return replace(state, status_mails=(*state.status_mails, mail))


# -- item events --------------------------------------------------------------


def _edit(state: Tracker, item: Item, e: Event) -> Tracker:
    changes: dict[str, Any] = {}
    for key in EDITABLE:
        if key in e.data:
            value = e.data[key]
            changes[key] = tuple(value) if isinstance(value, list | tuple) else str(value)
    return state.with_item(replace(item, **changes))


def _move(state: Tracker, item: Item, e: Event) -> Tracker:
    section = str(e.data.get("section") or item.section)
    parent = e.data.get("parent") or None
    if parent is not None:
        parent_item = state.item(parent)
        if parent_item is None or parent == item.id or parent in state.descendants(item.id):
            return state
        section = parent_item.section
    moved_ids = {item.id, *state.descendants(item.id)}
    moved = tuple(
        replace(it, section=section, parent=parent if it.id == item.id else it.parent)
        for it in state.items
        if it.id in moved_ids
    )
    rest = tuple(it for it in state.items if it.id not in moved_ids)
    sections = state.sections
    if state.section(section) is None:
        sections = (*sections, Section(key=section, title=section))
    return replace(state, items=rest + moved, sections=sections)


def _claim(state: Tracker, item: Item, e: Event) -> Tracker:
    owner = str(e.data.get("owner", "")).strip()
    if not owner or owner in item.owners:
        return state
    return state.with_item(replace(item, owners=(*item.owners, owner)))


def _unclaim(state: Tracker, item: Item, e: Event) -> Tracker:
    owner = str(e.data.get("owner", "")).strip()
    owners = tuple(o for o in item.owners if o != owner) if owner else ()
    return state.with_item(replace(item, owners=owners))


def _status(state: Tracker, item: Item, e: Event) -> Tracker:
    try:
        new = Status(e.data.get("status", ""))
    except ValueError:
        return state
    if not can_transition(item.status, new):
        return state
    closed_at = item.closed_at
    if new.closed and not item.status.closed:
        closed_at = e.at
    elif not new.closed:
        closed_at = None
    changed = replace(
        item,
        status=new,
        status_note=str(e.data.get("note", "")) if new != item.status else item.status_note,
        version=str(e.data.get("version", item.version if new == Status.PATCHES_POSTED else "")),
        release=str(e.data.get("release", "")) if new == Status.DEFERRED else "",
        closed_at=closed_at,
    )
    return state.with_item(changed)


def _link(data: Mapping[str, Any] | Link) -> Link:
    if isinstance(data, Link):
        return data
    return Link(
        url=str(data.get("url", "")),
        message_id=str(data.get("message_id", "")),
        tracker_id=str(data.get("tracker_id", "")),
        title=str(data.get("title", "")),
    )


def _add_link(state: Tracker, item: Item, e: Event) -> Tracker:
    link = _link(e.data)
    if not link.key or any(x.key == link.key for x in item.links):
        return state
    return state.with_item(replace(item, links=(*item.links, link)))


def _note(state: Tracker, item: Item, e: Event) -> Tracker:
    text = str(e.data.get("text", "")).strip()
    if not text or text in item.notes:
        return state
    return state.with_item(replace(item, notes=(*item.notes, text)))


def _remove(state: Tracker, item: Item, e: Event) -> Tracker:
    gone = {item.id, *state.descendants(item.id)}
    return replace(
        state,
        items=tuple(it for it in state.items if it.id not in gone),
        removed=state.removed | gone,
    )


ItemHandler = Callable[[Tracker, Item, Event], Tracker]
Handler = Callable[[Tracker, Event], Tracker]

_ITEM_HANDLERS: dict[Kind, ItemHandler] = {
    Kind.EDIT: _edit,
    Kind.MOVE: _move,
    Kind.CLAIM: _claim,
    Kind.UNCLAIM: _unclaim,
    Kind.STATUS: _status,
    Kind.LINK: _add_link,
    Kind.NOTE: _note,
    Kind.REMOVE: _remove,
}
_HANDLERS: dict[Kind, Handler] = {
    Kind.RELEASE: _release,
    Kind.INTRO: _intro,
    Kind.MILESTONES: _milestones,
    Kind.SECTION: _section,
    Kind.ADD: _add,
    Kind.FOOTNOTE: _footnote,
    Kind.STATUS_MAIL: _status_mail,
}


def describe_event(event: Event, state: Tracker | None = None) -> str:
    """One line for a log or the "changes since last week" part."""
    d = event.data
    subject = event.item or ""
    if state is not None and event.item:
        item = state.item(event.item)
        if item is not None:
            words = item.text.split()
            short = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
            subject = f"{event.item} ({short})"
    match event.kind:
        case Kind.ADD:
            what = f"added {d.get('id', subject)}: {d.get('text', '')}".rstrip(": ")
        case Kind.EDIT:
            what = f"edited {subject} ({', '.join(k for k in EDITABLE if k in d)})"
        case Kind.MOVE:
            where = d.get("parent") or d.get("section")
            what = f"moved {subject} to {where}"
        case Kind.CLAIM:
            what = f"{subject} claimed by {d.get('owner', '')}"
        case Kind.UNCLAIM:
            owner = d.get("owner")
            what = f"{subject} unclaimed" + (f" by {owner}" if owner else "")
        case Kind.STATUS:
            what = f"{subject} is now {d.get('status', '')}"
            if d.get("version"):
                what += f" ({d['version']})"
            if d.get("release"):
                what += f" to {d['release']}"
        case Kind.LINK:
            what = f"{subject}: link {_link(d)}"
        case Kind.NOTE:
            what = f"{subject}: note {d.get('text', '')!r}"
        case Kind.REMOVE:
            what = f"removed {subject}"
        case Kind.UNDO:
            seqs = undo_targets(event)
            what = f"undid event {d.get('event')}"
            if len(seqs) > 1:
                run = list(seqs) == list(range(seqs[0], seqs[-1] + 1))
                named = f"{seqs[0]}-{seqs[-1]}" if run else ", ".join(map(str, seqs))
                what = f"undid events {named}"
        case Kind.STATUS_MAIL:
            what = f"status mail <{d.get('message_id', '')}>"
        case _:
            what = f"{event.kind.value} {', '.join(sorted(d))}".strip()
    return what
