"""What one undo takes back: a whole import, and which items an undo touches.

The reducer (``events``) only needs the seqs an undo names; this module
decides which seqs a person means by "undo this event" (every event of an
import, which is one change to them) and which items an undo of an undo
concerns, for ``relbot log --item``.
"""

from __future__ import annotations

from collections.abc import Sequence

from relbot.core.tracker.events import Event, Kind, undo_targets


def import_batch(events: Sequence[Event], seq: int) -> tuple[int, ...]:
    """The seqs of the import ``seq`` belongs to; ``(seq,)`` for any other event.

    One import is stored in one transaction: a run of consecutive events with
    the source ``import``, one actor and one time. ``()`` when ``seq`` is not
    in ``events``.
    """
    at = next((i for i, e in enumerate(events) if e.seq == seq), None)
    if at is None:
        return ()
    first = events[at]
    if first.source != "import" or first.kind is Kind.UNDO:
        return (seq,)

    def same(e: Event) -> bool:
        same_import = e.source == "import" and e.at == first.at and e.actor == first.actor
        return same_import and e.kind is not Kind.UNDO

    start = at
    while start > 0 and same(events[start - 1]):
        start -= 1
    end = at + 1
    while end < len(events) and same(events[end]):
        end += 1
    return tuple(e.seq for e in events[start:end])


def undo_subjects(events: Sequence[Event]) -> dict[int, frozenset[str]]:
    """For each undo event, the items it changes (through undos of undos too)."""
    by_seq = {e.seq: e for e in events}
    found: dict[int, frozenset[str]] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.kind is not Kind.UNDO:
            continue
        items: set[str] = set()
        for target in undo_targets(event):
            named = by_seq.get(target)
            if named is None:
                continue
            if named.kind is Kind.UNDO:
                items |= found.get(named.seq, frozenset())
            elif named.item:
                items.add(named.item)
        found[event.seq] = frozenset(items)
    return found
