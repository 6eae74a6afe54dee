"""The tracker's values: a release, its timeline, sections and nested items.

Everything here is a frozen value. The tracker never changes in place: events
(see ``events.py``) produce new trackers. Allowed status transitions live in
one table, ``TRANSITIONS``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Status(StrEnum):
    """Where an item stands. The value is the canonical wording in a mail."""

    OPEN = "open"
    IN_PROGRESS = "in progress"
    PATCHES_POSTED = "patches posted"
    PARTLY_DONE = "partly done"
    AT_RISK = "at risk"
    DONE = "done"
    DEFERRED = "deferred"
    DROPPED = "dropped"

    @property
    def closed(self) -> bool:
        """Closed items leave the mail after the week they closed in."""
        return self in (Status.DONE, Status.DROPPED)


_ACTIVE = frozenset(
    {Status.OPEN, Status.IN_PROGRESS, Status.PATCHES_POSTED, Status.PARTLY_DONE, Status.AT_RISK}
)

#: status -> the statuses it may move to. Work moves forward and back freely
#: while it is active; a closed or deferred item may be reopened (a correction:
#: "no, that one wasn't merged yet") but a dropped item is only revived to open
#: or in progress, never straight to done.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    **{s: frozenset(Status) - {s} for s in _ACTIVE},
    Status.DONE: _ACTIVE | {Status.DEFERRED, Status.DROPPED},
    Status.DEFERRED: _ACTIVE | {Status.DONE, Status.DROPPED},
    Status.DROPPED: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.DEFERRED}),
}


def can_transition(old: Status, new: Status) -> bool:
    """True when an item may move from ``old`` to ``new`` (same status: a no-op)."""
    return old == new or new in TRANSITIONS[old]


_STATUS_ALIASES = {
    "todo": Status.OPEN,
    "new": Status.OPEN,
    "reopen": Status.OPEN,
    "wip": Status.IN_PROGRESS,
    "working": Status.IN_PROGRESS,
    "claimed": Status.IN_PROGRESS,
    "in-progress": Status.IN_PROGRESS,
    "posted": Status.PATCHES_POSTED,
    "patches": Status.PATCHES_POSTED,
    "patches-posted": Status.PATCHES_POSTED,
    "partly-done": Status.PARTLY_DONE,
    "partial": Status.PARTLY_DONE,
    "at-risk": Status.AT_RISK,
    "risk": Status.AT_RISK,
    "stuck": Status.AT_RISK,
    "fixed": Status.DONE,
    "merged": Status.DONE,
    "committed": Status.DONE,
    "defer": Status.DEFERRED,
    "drop": Status.DROPPED,
    "wontfix": Status.DROPPED,
}


def parse_status(word: str) -> Status | None:
    """Read a status name as a person would type it; None when it is not one."""
    key = " ".join(word.strip().lower().replace("_", " ").split())
    try:
        return Status(key)
    except ValueError:
        return _STATUS_ALIASES.get(key.replace(" ", "-")) or _STATUS_ALIASES.get(key)


_VERSION = re.compile(r"(?:v|version\s*)?(\d{1,4})", re.IGNORECASE)


def parse_version(text: str) -> str | None:
    """A series version as a person types it ("v7", "V7", "7", "version 7"), written
    the way relbot writes one ("v7"); None when it is not one."""
    m = _VERSION.fullmatch(text.strip())
    return f"v{int(m.group(1))}" if m else None


@dataclass(frozen=True, slots=True)
class Milestone:
    """One timeline line: ``19 March -- TODO list locked down``."""

    when: str
    label: str
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A component x priority group of items, e.g. ``tools, blockers``."""

    key: str
    title: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """A pointer attached to an item: a URL, a Message-ID or a tracker id."""

    url: str = ""
    message_id: str = ""
    tracker_id: str = ""
    title: str = ""

    @property
    def key(self) -> str:
        """What makes two links the same link."""
        return self.message_id or self.url or self.tracker_id or self.title

    def __str__(self) -> str:
        target = self.url or (f"<{self.message_id}>" if self.message_id else self.tracker_id)
        return f"{self.title} {target}".strip() if self.title else target


@dataclass(frozen=True, slots=True)
class Footnote:
    """``[0] http://...``: numbered once and kept from week to week."""

    number: int
    url: str


@dataclass(frozen=True, slots=True)
class Item:
    """One tracked piece of work. ``parent`` nests it under another item."""

    id: str
    section: str
    text: str
    parent: str | None = None
    tags: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    status: Status = Status.OPEN
    #: free words that stood with the owners, e.g. "in the absence of said
    #: onlooker" or "qemu patches applied, waiting for libxl"; cleared when the
    #: status changes, since they described the old one.
    status_note: str = ""
    version: str = ""
    release: str = ""
    links: tuple[Link, ...] = ()
    notes: tuple[str, ...] = ()
    closed_at: dt.datetime | None = None

    @property
    def number(self) -> int:
        return item_number(self.id)


_ITEM_ID = re.compile(r"T(\d+)")


def item_number(item_id: str) -> int:
    m = _ITEM_ID.fullmatch(item_id)
    return int(m.group(1)) if m else 0


@dataclass(frozen=True, slots=True)
class StatusMail:
    """A status mail of this release, imported or sent: replies point at it."""

    message_id: str
    subject: str = ""
    date: dt.datetime | None = None
    #: number of events folded when the mail was recorded: the state the mail
    #: showed is ``fold(events[:event_count])``.
    event_count: int = 0


@dataclass(frozen=True, slots=True)
class _Index:
    """Where each item sits in ``Tracker.items``, and each parent's children."""

    #: the items indexed: a tracker whose items are another tuple builds anew
    items: tuple[Item, ...]
    pos: dict[str, int]
    #: parent id (None: top level) -> positions of its children, in order
    kids: dict[str | None, list[int]]
    #: every item id is unique (else lookups fall back to the plain scans)
    unique: bool


def _index_of(items: tuple[Item, ...]) -> _Index:
    pos: dict[str, int] = {}
    kids: dict[str | None, list[int]] = {}
    for number, it in enumerate(items):
        pos.setdefault(it.id, number)
        kids.setdefault(it.parent, []).append(number)
    return _Index(items, pos, kids, len(pos) == len(items))


@dataclass(frozen=True, slots=True)
class Tracker:
    """The whole state of one release's list.

    Lookups by id and by parent go through an index built on first use and
    carried to the next tracker while its items stay the same tuple (an event
    on sections or mails), or when an event replaces or adds one item, so
    folding events and rendering stay linear in the number of items.
    """

    release: str = ""
    next_release: str = ""
    intro: str = ""
    milestones: tuple[Milestone, ...] = ()
    sections: tuple[Section, ...] = ()
    items: tuple[Item, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    status_mails: tuple[StatusMail, ...] = ()
    next_id: int = 1
    removed: frozenset[str] = field(default_factory=frozenset)
    #: carried by ``dataclasses.replace``; checked against ``items`` before use
    _idx: _Index | None = field(default=None, repr=False, compare=False, hash=False)

    # -- lookups -----------------------------------------------------------

    def _index(self) -> _Index:
        idx = self._idx
        if idx is None or idx.items is not self.items:
            idx = _index_of(self.items)
            object.__setattr__(self, "_idx", idx)
        return idx

    def item(self, item_id: str) -> Item | None:
        at = self._index().pos.get(item_id)
        return None if at is None else self.items[at]

    def section(self, key: str) -> Section | None:
        for sec in self.sections:
            if sec.key == key:
                return sec
        return None

    def _kids(self, parent: str | None) -> list[Item]:
        items = self.items
        return [items[at] for at in self._index().kids.get(parent, ())]

    def children(self, item_id: str | None, section: str | None = None) -> tuple[Item, ...]:
        """Direct children of an item, or the top-level items of a section."""
        return tuple(it for it in self._kids(item_id) if section is None or it.section == section)

    def walk(self, section: str) -> Iterator[tuple[int, Item]]:
        """Items of a section depth-first in display order, with their depth."""
        # an explicit stack: nesting depth is whatever the mail had
        stack: list[tuple[int, list[Item], int]] = [(0, self._kids(None), 0)]
        while stack:
            depth, siblings, at = stack.pop()
            while at < len(siblings) and siblings[at].section != section:
                at += 1
            if at == len(siblings):
                continue
            it = siblings[at]
            yield depth, it
            stack.append((depth, siblings, at + 1))
            stack.append((depth + 1, self._kids(it.id), 0))

    def descendants(self, item_id: str) -> tuple[str, ...]:
        found: list[str] = []
        frontier = [item_id]
        while frontier:
            current = frontier.pop()
            for it in self._kids(current):
                found.append(it.id)
                frontier.append(it.id)
        return tuple(found)

    def status_mail(self, message_id: str) -> StatusMail | None:
        for mail in self.status_mails:
            if mail.message_id == message_id:
                return mail
        return None

    def new_item_id(self) -> str:
        return f"T{self.next_id}"

    def with_item(self, item: Item) -> Tracker:
        """This tracker with ``item`` replacing the item of the same id."""
        idx = self._index()
        at = idx.pos.get(item.id)
        if at is None or not idx.unique:
            return replace(self, items=tuple(item if it.id == item.id else it for it in self.items))
        items = (*self.items[:at], item, *self.items[at + 1 :])
        new = replace(self, items=items)
        if self.items[at].parent == item.parent:  # the same ids in the same places
            object.__setattr__(new, "_idx", replace(idx, items=items))
        return new

    def with_new_item(self, item: Item, **changes: object) -> Tracker:
        """This tracker with ``item`` added last (and ``changes`` to other fields)."""
        items = (*self.items, item)
        new = replace(self, items=items, **changes)  # type: ignore[arg-type]
        idx = self._idx
        if idx is not None and idx.items is self.items and idx.unique and item.id not in idx.pos:
            at = len(self.items)
            kids = dict(idx.kids)
            kids[item.parent] = [*kids.get(item.parent, ()), at]
            object.__setattr__(new, "_idx", _Index(items, {**idx.pos, item.id: at}, kids, True))
        return new
