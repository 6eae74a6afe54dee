"""Turning an imported status mail into events against the current tracker.

Into an empty tracker the mail becomes RELEASE, INTRO, MILESTONES, SECTION,
FOOTNOTE and ADD events, ids T1, T2, ... in mail order (an id the mail shows,
``[T12]``, is kept when it is free).

Into a tracker that already has items the mail is reconciled, the way an RM
who hand-edited last week's mail expects:

* an item is matched by the id the mail shows, else by its text: the same
  normalised text first, then the most similar text (difflib ratio at least
  ``threshold``) in the same section, then anywhere;
* differences become EDIT, STATUS, CLAIM, UNCLAIM, MOVE, LINK and NOTE
  events; links and notes are only added, never dropped, since a mail shows
  an item's pointers selectively;
* an item the mail no longer shows is removed (a REMOVE event, visible in
  "changes since last week" and undoable) only while it is still active: done
  and dropped items leave the rendered mail on their own after their week,
  and deferred items are kept for the next release whether shown or not;
* new items are added; an item whose parent moved follows it.

Importing the same mail twice gives no item events the second time. Each
item event carries the item's hand-written lines (``layout``) so rendering can
keep the RM's wrapping while the item's words are unchanged.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from typing import Any

from relbot.core.statusmail.items import ItemHead, head_key
from relbot.core.statusmail.reader import Outline, OutlineItem, OutlineSection
from relbot.core.tracker.events import Event, Kind
from relbot.core.tracker.model import Item, Link, Milestone, Status, Tracker, can_transition

_NORMAL = re.compile(r"[^\w]+")


def normalise_title(text: str) -> str:
    """Lower-case words only: what two spellings of one item share."""
    return " ".join(_NORMAL.sub(" ", text.lower()).split())


def outline_head(it: OutlineItem | Item) -> ItemHead:
    """The head fields of an outline item or tracker item, for layout keys."""
    return ItemHead(
        text=it.text,
        tags=it.tags,
        owners=it.owners,
        status=it.status,
        status_note=it.status_note,
        version=it.version,
        release=it.release,
    )


def _layout(it: OutlineItem, depth: int) -> dict[str, Any]:
    """The hand wrapping of an item, kept by rendering while key and depth hold.

    Lines that do not say the item's owners, status words or version (those
    stood on ``-  Name`` / ``status:`` lines under it) are not kept: rendering
    them would lose what the mail said.
    """
    lines = [] if it.said_below else list(it.lines)
    return {"lines": lines, "key": head_key(outline_head(it)), "depth": depth}


def _link_data(link: Link) -> dict[str, str]:
    return {
        k: v
        for k, v in (
            ("url", link.url),
            ("message_id", link.message_id),
            ("tracker_id", link.tracker_id),
            ("title", link.title),
        )
        if v
    }


def outline_events(
    outline: Outline,
    current: Tracker,
    *,
    at: dt.datetime,
    actor: str,
    source: str,
    message_id: str = "",
    subject: str = "",
    threshold: float = 0.8,
    base_count: int = 0,
) -> tuple[Event, ...]:
    """The events that make ``current`` show what ``outline`` shows.

    ``base_count`` is the number of events already stored, so the STATUS_MAIL
    event's ``event_count`` points just past this import.
    """

    def ev(kind: Kind, item: str | None = None, **data: Any) -> Event:
        return Event(kind=kind, at=at, actor=actor, source=source, item=item, data=data)

    out: list[Event] = []
    out += _tracker_events(outline, current, ev)
    out += _item_events(outline, current, ev, threshold)
    if message_id and current.status_mail(message_id) is None:
        out.append(
            ev(
                Kind.STATUS_MAIL,
                message_id=message_id,
                subject=subject,
                date=at.isoformat(),
                event_count=base_count + len(out) + 1,
            )
        )
    return tuple(out)


def _tracker_events(outline: Outline, current: Tracker, ev: Any) -> Iterator[Event]:
    if outline.release and outline.release != current.release:
        yield ev(Kind.RELEASE, release=outline.release)
    intro = "\n\n".join(outline.intro)
    if intro and intro != current.intro:
        yield ev(Kind.INTRO, text=intro)
    stones = tuple(Milestone(m.when, m.label, m.date) for m in outline.milestones)
    if stones and stones != current.milestones:
        yield ev(
            Kind.MILESTONES,
            milestones=[
                {"when": m.when, "label": m.label, "date": m.date.isoformat() if m.date else ""}
                for m in stones
            ],
        )
    for sec in outline.sections:
        old = current.section(sec.key)
        if old is None or old.title != sec.title or old.notes != sec.text:
            yield ev(Kind.SECTION, key=sec.key, title=sec.title, notes=list(sec.text))
    have = {f.number: f.url for f in current.footnotes}
    for note in outline.footnotes:
        if have.get(note.number) != note.url:
            yield ev(Kind.FOOTNOTE, number=note.number, url=note.url)


def _flatten(outline: Outline) -> list[tuple[OutlineSection, OutlineItem | None, OutlineItem]]:
    return list(outline.walk())


def _match(
    rows: list[tuple[OutlineSection, OutlineItem | None, OutlineItem]],
    current: Tracker,
    threshold: float,
) -> dict[int, str]:
    """Row index -> tracker item id, each tracker item used at most once."""
    matched: dict[int, str] = {}
    used: set[str] = set()
    by_id = {it.id: it for it in current.items}
    for i, (_sec, _parent, it) in enumerate(rows):
        if it.item_id in by_id and it.item_id not in used:
            matched[i] = it.item_id
            used.add(it.item_id)
    titles: dict[str, list[Item]] = {}
    for item in current.items:
        titles.setdefault(normalise_title(item.text), []).append(item)
    for i, (sec, _parent, it) in enumerate(rows):
        if i in matched:
            continue
        same = [c for c in titles.get(normalise_title(it.text), []) if c.id not in used]
        if same:
            pick = next((c for c in same if c.section == sec.key), same[0])
            matched[i] = pick.id
            used.add(pick.id)
    # fuzzy: best pairs first, a same-section pair beating an equal one elsewhere
    pairs: list[tuple[float, int, int, str]] = []
    free = [it for it in current.items if it.id not in used]
    for i, (sec, _parent, it) in enumerate(rows):
        if i in matched:
            continue
        a = normalise_title(it.text)
        for cand in free:
            sm = difflib.SequenceMatcher(None, a, normalise_title(cand.text), autojunk=False)
            if sm.real_quick_ratio() < threshold or sm.quick_ratio() < threshold:
                continue
            score = sm.ratio()
            if score >= threshold:
                pairs.append((score, int(cand.section == sec.key), i, cand.id))
    for _score, _same, i, item_id in sorted(pairs, key=lambda p: (-p[1], -p[0], p[2])):
        if i not in matched and item_id not in used:
            matched[i] = item_id
            used.add(item_id)
    return matched


def _item_events(outline: Outline, current: Tracker, ev: Any, threshold: float) -> list[Event]:
    rows = _flatten(outline)
    matched = _match(rows, current, threshold) if current.items else {}
    ids: dict[int, str] = {}  # id() of an outline item -> tracker id
    depths: dict[int, int] = {}
    taken = {it.id for it in current.items} | set(current.removed)
    next_number = current.next_id
    out: list[Event] = []
    for i, (sec, parent, it) in enumerate(rows):
        parent_id = ids.get(id(parent)) if parent is not None else None
        depth = depths[id(it)] = depths[id(parent)] + 1 if parent is not None else 0
        if i in matched:
            ids[id(it)] = matched[i]
            old = current.item(matched[i])
            assert old is not None
            out += _diff(old, it, sec.key, parent_id, depth, ev)
            continue
        if it.item_id and it.item_id not in taken:
            new_id = it.item_id
        else:
            while f"T{next_number}" in taken:
                next_number += 1
            new_id = f"T{next_number}"
        taken.add(new_id)
        ids[id(it)] = new_id
        out.append(ev(Kind.ADD, new_id, **_add_data(it, new_id, sec.key, parent_id, depth)))
    kept = set(ids.values())
    for item in current.items:
        if item.id in kept or item.status.closed or item.status is Status.DEFERRED:
            continue
        ancestors = _ancestors(current, item)
        if any(a not in kept and _removable(current, a) for a in ancestors):
            continue  # removing the ancestor takes this one with it
        out.append(ev(Kind.REMOVE, item.id))
    return out


def _removable(current: Tracker, item_id: str) -> bool:
    item = current.item(item_id)
    return item is not None and not item.status.closed and item.status is not Status.DEFERRED


def _ancestors(current: Tracker, item: Item) -> list[str]:
    found: list[str] = []
    parent = item.parent
    while parent and parent not in found:
        found.append(parent)
        above = current.item(parent)
        parent = above.parent if above else None
    return found


def _add_data(
    it: OutlineItem, new_id: str, section: str, parent: str | None, depth: int
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": new_id, "section": section, "text": it.text}
    if parent:
        data["parent"] = parent
    if it.tags:
        data["tags"] = list(it.tags)
    if it.owners:
        data["owners"] = list(it.owners)
    if it.status is not Status.OPEN:
        data["status"] = it.status.value
    for key in ("status_note", "version", "release"):
        if getattr(it, key):
            data[key] = getattr(it, key)
    if it.links:
        data["links"] = [_link_data(link) for link in it.links]
    if it.notes:
        data["notes"] = list(it.notes)
    data["layout"] = _layout(it, depth)
    return data


def _diff(
    old: Item, it: OutlineItem, section: str, parent: str | None, depth: int, ev: Any
) -> Iterator[Event]:
    """Events taking ``old`` to what the mail shows; each carries the new layout."""
    layout = _layout(it, depth)
    for kind, data in _changes(old, it, section, parent):
        yield ev(kind, old.id, layout=layout, **data)


def _changes(
    old: Item, it: OutlineItem, section: str, parent: str | None
) -> Iterator[tuple[Kind, dict[str, Any]]]:
    if old.parent != parent or (parent is None and old.section != section):
        yield Kind.MOVE, {"section": section, "parent": parent}
    note, version, release = old.status_note, old.version, old.release
    if it.status != old.status:
        if not can_transition(old.status, it.status):
            yield Kind.STATUS, {"status": Status.OPEN.value}
        data: dict[str, Any] = {"status": it.status.value, "note": it.status_note}
        if it.version:
            data["version"] = it.version
        if it.release:
            data["release"] = it.release
        yield Kind.STATUS, data
        # what the status event leaves behind (see events._status)
        note = it.status_note
        posted = it.status is Status.PATCHES_POSTED
        version = it.version or (old.version if posted else "")
        release = it.release if it.status is Status.DEFERRED else ""
    edit: dict[str, Any] = {}
    if " ".join(it.text.split()) != " ".join(old.text.split()):
        edit["text"] = it.text
    if it.tags != old.tags:
        edit["tags"] = list(it.tags)
    if " ".join(it.status_note.split()) != " ".join(note.split()):
        edit["status_note"] = it.status_note
    if it.version != version:
        edit["version"] = it.version
    if it.release != release:
        edit["release"] = it.release
    if edit:
        yield Kind.EDIT, edit
    for owner in it.owners:
        if owner not in old.owners:
            yield Kind.CLAIM, {"owner": owner}
    for owner in old.owners:
        if owner not in it.owners:
            yield Kind.UNCLAIM, {"owner": owner}
    have = {link.key for link in old.links}
    for link in it.links:
        if link.key not in have:
            yield Kind.LINK, _link_data(link)
    for text in it.notes:
        if text not in old.notes:
            yield Kind.NOTE, {"text": text}
