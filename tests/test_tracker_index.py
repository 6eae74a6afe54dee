"""The tracker's id and parent index answers as a scan of its items would."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.model import Item, Tracker

AT = dt.datetime(2012, 4, 16, tzinfo=dt.UTC)
IDS = [f"T{n}" for n in range(1, 9)]


def _walk(t: Tracker, section: str) -> Iterator[tuple[int, Item]]:
    def visit(parent: str | None, depth: int) -> Iterator[tuple[int, Item]]:
        for it in t.items:
            if it.parent == parent and it.section == section:
                yield depth, it
                yield from visit(it.id, depth + 1)

    yield from visit(None, 0)


def _descendants(t: Tracker, item_id: str) -> tuple[str, ...]:
    found: list[str] = []
    frontier = [item_id]
    while frontier:
        current = frontier.pop()
        for it in t.items:
            if it.parent == current:
                found.append(it.id)
                frontier.append(it.id)
    return tuple(found)


_EVENTS = st.one_of(
    st.builds(
        lambda i, parent, sec: Event(
            Kind.ADD, AT, item=i, data={"id": i, "text": i, "section": sec, "parent": parent}
        ),
        st.sampled_from(IDS),
        st.one_of(st.none(), st.sampled_from(IDS)),
        st.sampled_from(["a", "b"]),
    ),
    st.builds(
        lambda i, who: Event(Kind.CLAIM, AT, item=i, data={"owner": who}),
        st.sampled_from(IDS),
        st.sampled_from(["Ann", "Bob"]),
    ),
    st.builds(
        lambda i, parent, sec: Event(
            Kind.MOVE, AT, item=i, data={"parent": parent} if parent else {"section": sec}
        ),
        st.sampled_from(IDS),
        st.one_of(st.none(), st.sampled_from(IDS)),
        st.sampled_from(["a", "b"]),
    ),
    st.builds(lambda i: Event(Kind.REMOVE, AT, item=i), st.sampled_from(IDS)),
    st.builds(
        lambda i, text: Event(Kind.EDIT, AT, item=i, data={"text": text}),
        st.sampled_from(IDS),
        st.sampled_from(["x", "y"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_EVENTS, max_size=25))
def test_lookups_match_a_scan(events: list[Event]) -> None:
    for step in range(len(events) + 1):
        t = fold(events[:step])
        plain = dataclasses.replace(t, items=tuple(list(t.items)))  # another tuple: built afresh
        assert plain.item(IDS[0]) == t.item(IDS[0])
        for tracker in (t, plain):
            for i in [*IDS, "T99"]:
                assert tracker.item(i) == next((it for it in t.items if it.id == i), None)
                assert tracker.descendants(i) == _descendants(t, i)
                assert tracker.children(i) == tuple(it for it in t.items if it.parent == i)
            for sec in ("a", "b", "c"):
                assert list(tracker.walk(sec)) == list(_walk(t, sec))
                assert tracker.children(None, sec) == tuple(
                    it for it in t.items if it.parent is None and it.section == sec
                )
