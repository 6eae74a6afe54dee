"""The reducer: events fold into a tracker; undo takes an event back out."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from relbot.core.tracker.events import Event, Kind, apply_event, describe_event, fold
from relbot.core.tracker.model import Status, Tracker, can_transition, parse_status

T0 = dt.datetime(2012, 4, 16, 12, tzinfo=dt.UTC)


def ev(seq: int, kind: Kind, item: str | None = None, **data: object) -> Event:
    return Event(kind, T0 + dt.timedelta(minutes=seq), "Ian", "cli", item, data, seq)


BASE = [
    ev(1, Kind.ADD, id="T1", section="tools, blockers", text="libxl stable API"),
    ev(2, Kind.ADD, id="T2", parent="T1", text="Safe fork vs. fd handling hooks"),
    ev(3, Kind.ADD, id="T3", section="hypervisor, blockers", text="Zombie driver domains"),
]


def test_adds_nest_and_allocate_ids() -> None:
    state = fold(BASE)
    assert [it.id for it in state.items] == ["T1", "T2", "T3"]
    assert state.item("T2").section == "tools, blockers"  # type: ignore[union-attr]
    assert state.next_id == 4
    assert [s.key for s in state.sections] == ["tools, blockers", "hypervisor, blockers"]
    assert [(d, it.id) for d, it in state.walk("tools, blockers")] == [(0, "T1"), (1, "T2")]


def test_claim_status_link_note() -> None:
    state = fold(
        [
            *BASE,
            ev(4, Kind.CLAIM, "T3", owner="George Dunlap"),
            ev(5, Kind.CLAIM, "T3", owner="George Dunlap"),
            ev(6, Kind.STATUS, "T3", status="patches posted", version="v2"),
            ev(7, Kind.LINK, "T3", url="https://example.org/bug/1"),
            ev(8, Kind.LINK, "T3", url="https://example.org/bug/1"),
            ev(9, Kind.NOTE, "T3", text="may be a tools issue"),
        ]
    )
    item = state.item("T3")
    assert item is not None
    assert item.owners == ("George Dunlap",)
    assert (item.status, item.version) == (Status.PATCHES_POSTED, "v2")
    assert len(item.links) == 1
    assert item.notes == ("may be a tools issue",)


def test_done_records_when_and_reopen_clears_it() -> None:
    done = fold([*BASE, ev(4, Kind.STATUS, "T3", status="done")])
    assert done.item("T3").closed_at == T0 + dt.timedelta(minutes=4)  # type: ignore[union-attr]
    reopened = fold(
        [*BASE, ev(4, Kind.STATUS, "T3", status="done"), ev(5, Kind.STATUS, "T3", status="open")]
    )
    assert reopened.item("T3").closed_at is None  # type: ignore[union-attr]


def test_deferred_keeps_its_release() -> None:
    state = fold([*BASE, ev(4, Kind.STATUS, "T1", status="deferred", release="4.3")])
    assert state.item("T1").release == "4.3"  # type: ignore[union-attr]


def test_disallowed_transition_changes_nothing() -> None:
    events = [
        *BASE,
        ev(4, Kind.STATUS, "T3", status="dropped"),
        ev(5, Kind.STATUS, "T3", status="done"),
    ]
    assert fold(events).item("T3").status is Status.DROPPED  # type: ignore[union-attr]
    assert not can_transition(Status.DROPPED, Status.DONE)


def test_move_takes_the_subtree() -> None:
    state = fold([*BASE, ev(4, Kind.MOVE, "T1", section="hypervisor, blockers")])
    assert state.item("T2").section == "hypervisor, blockers"  # type: ignore[union-attr]
    cyclic = fold([*BASE, ev(4, Kind.MOVE, "T1", parent="T2")])
    assert cyclic.item("T1").parent is None  # type: ignore[union-attr]


def test_remove_takes_children_and_undo_brings_them_back() -> None:
    removed = [*BASE, ev(4, Kind.REMOVE, "T1")]
    assert [it.id for it in fold(removed).items] == ["T3"]
    undone = [*removed, ev(5, Kind.UNDO, event=4)]
    assert [it.id for it in fold(undone).items] == ["T1", "T2", "T3"]
    redone = [*undone, ev(6, Kind.UNDO, event=5)]
    assert [it.id for it in fold(redone).items] == ["T3"]


def test_events_for_missing_items_change_nothing() -> None:
    state = fold(BASE)
    assert apply_event(state, ev(9, Kind.CLAIM, "T99", owner="x")) is state
    undone_add = fold([*BASE, ev(4, Kind.CLAIM, "T3", owner="x"), ev(5, Kind.UNDO, event=3)])
    assert undone_add.item("T3") is None


def test_status_words() -> None:
    assert parse_status("Patches Posted") is Status.PATCHES_POSTED
    assert parse_status("wip") is Status.IN_PROGRESS
    assert parse_status("in_progress") is Status.IN_PROGRESS
    assert parse_status("nonsense") is None


def test_describe_says_who_did_what() -> None:
    state = fold(BASE)
    text = describe_event(ev(4, Kind.CLAIM, "T3", owner="George Dunlap"), state)
    assert text == "T3 (Zombie driver domains) claimed by George Dunlap"


events_strategy = st.lists(
    st.builds(
        lambda seq, kind, item, owner, status: ev(
            seq,
            kind,
            item,
            owner=owner,
            status=status,
            text=owner,
            id=item,
            section="s",
            parent=None,
            event=seq - 1,
            url=owner,
        ),
        st.integers(1, 50),
        st.sampled_from(list(Kind)),
        st.sampled_from(["T1", "T2", "T3", "T9"]),
        st.text(max_size=5),
        st.sampled_from([s.value for s in Status] + ["bogus"]),
    ),
    max_size=30,
)


@given(events_strategy)
def test_fold_never_raises_and_is_deterministic(events: list[Event]) -> None:
    assert fold(events) == fold(events)
    assert isinstance(fold(events), Tracker)
