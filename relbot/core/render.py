"""The status mail as a view model: every line computed, ready to lay out.

The Jinja template only places what this module decides: which items show
(done items for the week they finished, then gone; deferred items kept with
their release), their wrapping, the timeline marker from ``today``, footnotes
and the "changes since last week" part. An item keeps the line breaks the RM
wrote by hand while its words and depth are unchanged (the ``layout`` its
import event carries); anything else is wrapped with textwrap at ``width``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from relbot.core.changes import changes_since
from relbot.core.statusmail.items import (
    ItemHead,
    deferral_release,
    format_item_head,
    head_key,
)
from relbot.core.tracker.events import Event
from relbot.core.tracker.model import Item, Milestone, Section, Status, Tracker
from relbot.core.tracker.reconcile import outline_head
from relbot.core.views import ItemView, RenderOptions, SectionView, StatusView, wrap_hanging
from relbot.core.volunteers import volunteer_lines


def build_status_view(
    tracker: Tracker, events: Sequence[Event], *, today: dt.date, options: RenderOptions
) -> StatusView:
    """Everything the status mail shows on ``today``. ``events``: the release's log."""
    layouts = _layouts(events)
    visible = _visible_ids(tracker, today, options)
    sections = []
    for sec in tracker.sections:
        items = tuple(
            _item_view(tracker, it, depth, layouts, options)
            for depth, it in tracker.walk(sec.key)
            if it.id in visible
        )
        notes = tuple(tuple(n.split("\n")) for n in sec.notes if n.strip())
        if items or notes:
            heading = options.heading_style.format(title=_title_path(tracker, sec), key=sec.key)
            sections.append(SectionView(sec.key, heading, items, notes))
    preamble = []
    if tracker.release and options.greeting:
        preamble.append(
            options.greeting.format(release=tracker.release, next_release=tracker.next_release)
        )
    if tracker.milestones and options.timeline_intro:
        preamble.append(options.timeline_intro)
    heading, changes = changes_since(tracker, events, options)
    return StatusView(
        release=tracker.release,
        preamble=tuple(preamble),
        timeline=timeline_lines(tracker.milestones, today, options),
        intro=tuple(tuple(p.split("\n")) for p in tracker.intro.split("\n\n") if p.strip()),
        changes_heading=heading,
        changes=changes,
        volunteers=volunteer_lines(tracker, visible, options),
        sections=tuple(sections),
        footnotes=tuple(f"[{f.number}] {f.url}" for f in tracker.footnotes),
        # a signature: the importer stops at "-- ", so its lines never become text
        closing=("-- ", *options.signature) if options.signature else (),
    )


def _title_path(tracker: Tracker, sec: Section) -> str:
    """A nested section's title with its parents' ("Hypervisor / x86").

    The key of a section under another heading is the path of keys; its own
    title alone ("x86") would come back from a re-import as another section.
    """
    parts = sec.key.split(" / ")
    if len(parts) == 1 or "::" in sec.title or " / " in sec.title:
        return sec.title or sec.key  # a single section, or a title that names its path
    titles = []
    for depth in range(1, len(parts)):
        parent = tracker.section(" / ".join(parts[:depth]))
        title = parent.title if parent and parent.title else parts[depth - 1]
        titles.append(title.replace("::", " / ").split(" / ")[-1])
    return " / ".join([*titles, sec.title or parts[-1]])


def marker_index(milestones: Sequence[Milestone], today: dt.date) -> int | None:
    """Index of the milestone "WE ARE HERE" follows (-1: before the first).

    It follows the last milestone dated on or before ``today``; an undated one
    ("Mid/Late April", "Weekly") counts as later than any dated one before it.
    None when no milestone has a date.
    """
    if not any(m.date for m in milestones):
        return None
    at = -1
    for i, m in enumerate(milestones):
        if m.date is not None and m.date <= today:
            at = i
    return at


def timeline_lines(
    milestones: Sequence[Milestone], today: dt.date, options: RenderOptions
) -> tuple[str, ...]:
    """``19 March        -- TODO list locked down`` lines with the marker placed."""
    if not milestones:
        return ()
    pad = max(len(m.when) for m in milestones) + 2
    lines = [f"{m.when.ljust(pad)}-- {m.label}" for m in milestones]
    at = marker_index(milestones, today)
    if at is None or not options.marker:
        return tuple(lines)
    if options.marker_column < 0 and at >= 0:
        lines[at] = f"{lines[at]}  {options.marker}"
    else:
        lines.insert(at + 1, " " * max(options.marker_column, 0) + options.marker)
    return tuple(lines)


def _layouts(events: Sequence[Event]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for e in events:
        layout = e.data.get("layout")
        if e.item and isinstance(layout, Mapping):
            found[e.item] = layout
    return found


def _visible_ids(tracker: Tracker, today: dt.date, options: RenderOptions) -> frozenset[str]:
    """Items the mail shows, with every ancestor of a shown item."""

    def shown(it: Item) -> bool:
        if not it.status.closed:
            return True
        if it.closed_at is None:
            return False
        return (today - it.closed_at.date()).days <= options.done_days

    keep: set[str] = set()
    by_id = {it.id: it for it in tracker.items}
    for it in tracker.items:
        if shown(it):
            current: Item | None = it
            while current is not None and current.id not in keep:
                keep.add(current.id)
                current = by_id.get(current.parent or "")
    # a hidden ancestor hides its subtree: there is no line to hang it under
    return frozenset(i for i in keep if _ancestors_kept(by_id, i, keep))


def _ancestors_kept(by_id: Mapping[str, Item], item_id: str, keep: set[str]) -> bool:
    parent = by_id[item_id].parent
    seen: set[str] = set()
    while parent and parent not in seen:
        if parent not in keep or parent not in by_id:
            return False
        seen.add(parent)
        parent = by_id[parent].parent
    return True


def item_head(it: Item) -> ItemHead:
    return replace(outline_head(it), item_id=it.id)


def _state_said(tracker: Tracker, it: Item) -> bool:
    """The text or a "Deferred until 4.3" sub-item already says the deferral."""
    if it.status is not Status.DEFERRED or it.status_note:
        return False
    if deferral_release(it.text) == it.release:
        return True
    return any(
        c.text.lower().startswith("defer") and deferral_release(c.text) == it.release
        for c in tracker.children(it.id)
    )


def _item_view(
    tracker: Tracker,
    it: Item,
    depth: int,
    layouts: Mapping[str, Mapping[str, Any]],
    options: RenderOptions,
) -> ItemView:
    column = options.indent + options.step * depth
    first, rest = " " * column + "* ", " " * (column + 2)
    head = item_head(it)
    layout = layouts.get(it.id)
    hand = [str(x) for x in layout.get("lines", ())] if layout else []
    lines: list[str]
    if (
        options.keep_layout
        and layout is not None
        and hand
        and layout.get("key") == head_key(head)
        and layout.get("depth") == depth
    ):
        if options.item_ids:
            hand[0] = f"[{it.id}] {hand[0]}"
        lines = [first + hand[0], *(rest + x for x in hand[1:])]
    else:
        said = _state_said(tracker, it)
        text = format_item_head(head, show_id=options.item_ids, state_said=said)
        lines = wrap_hanging(text, first, rest, options.width)
    for extra in (*it.notes, *(str(link) for link in it.links)):
        # "- " as the indent keeps a long URL on the dash's line
        lines += wrap_hanging(extra, rest + "- ", rest + "  ", options.width)
    return ItemView(it.id, depth, it.text, it.owners, it.status.value, tuple(lines))
