"""Outbox rows on a real SQLite file and a real PostgreSQL database: one per week,
compare-and-set states."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from relbot.edges.store.store import Store
from relbot.errors import UsageError
from relbot.service.outbox import OPEN_STATES, TRANSITIONS, Outbox, State, sources_of

NOW = dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC)
SLOT = NOW + dt.timedelta(hours=1)


@pytest.fixture
def store(store_url: str) -> Store:
    """A fresh store on SQLite, then on PostgreSQL."""
    return Store(store_url)


def make(box: Outbox, week: str = "2026-W49", state: State = State.DRAFT) -> None:
    box.create(
        week=week,
        message_id=f"relbot.{week}@example.org",
        subject="4.2 Release Plan / TODO",
        raw=b"From: relbot@example.org\r\n\r\nbody\r\n",
        state=state,
        now=NOW,
        send_at=SLOT,
    )


def test_a_row_holds_the_whole_message_and_is_committed(store: Store, tmp_path: Path) -> None:
    make(Outbox(store))
    # a second connection (another process) sees it
    other = Outbox(Store(store.url))
    row = other.get("2026-W49")
    assert row is not None
    assert (row.state, row.attempts, row.preview_sent) == (State.DRAFT, 0, False)
    assert row.raw.endswith(b"body\r\n") and row.send_at == SLOT and row.created_at == NOW
    assert other.by_message_id("relbot.2026-W49@example.org") == row


def test_one_row_per_week(store: Store) -> None:
    box = Outbox(store)
    make(box)
    box.create(
        week="2026-W49",
        message_id="other@example.org",
        subject="x",
        raw=b"x",
        state=State.DRAFT,
        now=NOW,
        send_at=None,
    )
    [row] = box.rows()
    assert row.message_id == "relbot.2026-W49@example.org"


def test_transitions_are_one_table() -> None:
    assert TRANSITIONS[State.SENT] == frozenset()
    assert sources_of(State.SENDING) == {State.DRAFT, State.APPROVED, State.FAILED}
    assert sources_of(State.SENT) == {State.SENDING}
    assert State.SENT not in OPEN_STATES and State.SENDING not in OPEN_STATES


def test_start_sending_is_a_compare_and_set(store: Store, tmp_path: Path) -> None:
    make(Outbox(store))
    boxes = [Outbox(Store(store.url)) for _ in range(6)]
    barrier = threading.Barrier(len(boxes))
    won: list[bool] = []

    def go(box: Outbox) -> None:
        barrier.wait()
        won.append(box.start_sending("2026-W49", State.DRAFT, NOW))

    threads = [threading.Thread(target=go, args=(b,)) for b in boxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert won.count(True) == 1
    row = Outbox(store).get("2026-W49")
    assert row is not None and row.state is State.SENDING and row.attempts == 1
    assert row.attempted_at == NOW


def test_another_attempt_at_a_sending_row_is_counted(store: Store) -> None:
    box = Outbox(store)
    make(box)
    assert not box.count_attempt("2026-W49", SLOT)  # a draft is not being sent
    box.start_sending("2026-W49", State.DRAFT, NOW)
    assert box.count_attempt("2026-W49", SLOT)
    row = box.get("2026-W49")
    assert row is not None and (row.attempts, row.attempted_at) == (2, SLOT)
    box.note_error("2026-W49", "connection lost")
    row = box.get("2026-W49")
    assert row is not None and row.state is State.SENDING and row.error == "connection lost"


def test_a_store_from_before_attempted_at_is_migrated(store_url: str) -> None:
    url = store_url
    make(Outbox(Store(url)))
    with Store(url).transaction() as conn:  # as the first release left it
        conn.execute(sa.text("ALTER TABLE outbox DROP COLUMN attempted_at"))
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE name LIKE '0002%'"))
    store = Store(url)
    row = Outbox(store).get("2026-W49")
    assert row is not None and row.attempted_at is None
    assert Outbox(store).start_sending("2026-W49", State.DRAFT, NOW)
    assert Store(url).migrate() == []


def test_move_refuses_what_the_table_does_not_allow(store: Store) -> None:
    box = Outbox(store)
    make(box)
    assert not box.move("2026-W49", State.SENT)  # draft -> sent skips sending
    assert box.start_sending("2026-W49", State.DRAFT, NOW)
    assert box.move("2026-W49", State.SENT, sent_at=SLOT)
    row = box.get("2026-W49")
    assert row is not None and row.state is State.SENT and row.sent_at == SLOT
    assert not box.move("2026-W49", State.DRAFT)


def test_hold_and_approve(store: Store) -> None:
    box = Outbox(store)
    make(box)
    assert box.hold("2026-W49").state is State.HELD
    assert box.hold("2026-W49").state is State.HELD  # holding twice is fine
    assert not box.update_draft("2026-W49", raw=b"new", subject="s")  # held text stays
    assert box.approve("2026-W49").state is State.APPROVED
    assert box.start_sending("2026-W49", State.APPROVED, NOW)
    with pytest.raises(UsageError, match="cannot hold 2026-W49: it is sending"):
        box.hold("2026-W49")
    with pytest.raises(UsageError, match="no mail for 2026-W50"):
        box.approve("2026-W50")


def test_pending_and_last_sent(store: Store) -> None:
    box = Outbox(store)
    assert box.pending() is None and box.last_sent() is None
    make(box, "2026-W48")
    box.start_sending("2026-W48", State.DRAFT, NOW)
    box.move("2026-W48", State.SENT, sent_at=NOW)
    make(box, "2026-W49")
    pending, last = box.pending(), box.last_sent()
    assert pending is not None and pending.week == "2026-W49"
    assert last is not None and last.week == "2026-W48"
    assert box.last_sent(before_week="2026-W48") is None
    assert [r.week for r in box.rows()] == ["2026-W49", "2026-W48"]


def test_preview_flag(store: Store) -> None:
    box = Outbox(store)
    make(box)
    box.mark_previewed("2026-W49")
    row = box.get("2026-W49")
    assert row is not None and row.preview_sent
