"""The store behaves the same on SQLite and on PostgreSQL (a real server, tests/pg.py).

What the code above the store relies on: a write transaction sees every write
committed before it, and two write transactions never interleave (SQLite's
BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock), so a
read-then-write (the next item id, a message not yet stored) cannot race;
several processes may open a fresh store at once; bytes and times round-trip.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from pg import PostgresServer
from runproc import edit_config, use_store

from relbot.core.tracker.events import Event, Kind
from relbot.edges.store.store import Store
from tests.clirun import Project

NOW = dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.UTC)


def note(text: str) -> Event:
    return Event(Kind.NOTE, NOW, "RM", "cli", "T1", {"text": text})


def test_two_write_transactions_never_interleave(store_url: str) -> None:
    first, second = Store(store_url), Store(store_url)
    seen: list[int] = []
    inside = threading.Event()

    def other_writer() -> None:
        inside.wait(10)
        with second.transaction() as conn:
            # starts only once the first committed, so it counts the first's event
            seen.append(second.event_count(conn))
            second.append_events(conn, [note("second")])

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        with first.transaction() as conn:
            count = first.event_count(conn)
            inside.set()
            time.sleep(0.5)  # the other writer tries to begin meanwhile
            first.append_events(conn, [note(f"first after {count}")])
    finally:
        thread.join(20)
    assert seen == [1]
    assert [e.data["text"] for e in first.events()] == ["first after 0", "second"]
    first.close()
    second.close()


def test_a_read_only_transaction_does_not_wait_for_a_writer(store_url: str) -> None:
    writer, reader = Store(store_url), Store(store_url)
    with writer.transaction() as conn:
        writer.append_events(conn, [note("uncommitted")])
        started = time.monotonic()
        assert reader.event_count() == 0
        assert time.monotonic() - started < 2
    assert reader.event_count() == 1
    writer.close()
    reader.close()


def test_several_processes_may_open_a_fresh_store_at_once(store_url: str) -> None:
    errors: list[BaseException] = []
    stores: list[Store] = []

    def open_it() -> None:
        try:
            stores.append(Store(store_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(stores) == 4 and stores[0].migrate() == []
    for store in stores:
        store.close()


def test_bytes_and_times_round_trip(store_url: str) -> None:
    store = Store(store_url)
    raw = bytes(range(256)) * 4
    at = dt.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.UTC)
    with store.transaction() as conn:
        assert store.record_message(conn, message_id="m@x", raw=raw, state="read", at=at)
        assert not store.record_message(conn, message_id="m@x", raw=b"", state="read", at=at)
        store.append_events(conn, [Event(Kind.NOTE, at, "Ián", "m@x", "T1", {"text": "ü"})])
    assert store.message_raw("m@x") == raw
    (row,) = store.messages()
    assert row.received_at == at
    (event,) = store.events()
    assert (event.at, event.actor, event.data["text"]) == (at, "Ián", "ü")
    store.close()


def test_a_password_in_the_url_is_never_shown(tmp_path: Path, postgres: PostgresServer) -> None:
    p = Project.create(tmp_path / "rm")
    with_password = postgres.url().replace("relbot@", "relbot:s3cret-pw@")
    use_store(p.root / "config.toml", with_password)
    out = p.ok("init")
    assert "store ready: postgresql+psycopg://relbot:***@" in out and "s3cret" not in out
    # a server that is not there: one line that names the store, not the password
    gone = "postgresql+psycopg://relbot:s3cret-pw@127.0.0.1:1/x"
    edit_config(p.root / "config.toml", (with_password, gone))
    bad = p.run("show")
    assert bad.exit_code == 1
    assert "cannot open the store postgresql+psycopg://relbot:***@127.0.0.1:1/x" in bad.output
    assert "s3cret" not in bad.output and len(bad.output.strip().splitlines()) == 1


def test_long_ids_and_names_from_mail_are_stored_on_both(tmp_path: Path, store_url: str) -> None:
    """PostgreSQL enforces column lengths that SQLite ignores: mail decides these lengths."""
    p = Project.create(tmp_path / "rm")
    use_store(p.root / "config.toml", store_url)
    p.ok("init")
    examples = Path(__file__).resolve().parents[1] / "docs" / "examples"
    p.ok("import", str(examples / "status-4.2.eml"))
    claim = (examples / "replies" / "01-claim.eml").read_bytes()
    long_id = claim.replace(b"4F8C1A23.7050301@citrix.com", b"x" * 3000 + b"@example.org")
    long_name = claim.replace(b"From: Roger Pau Monne", b"From: " + b"R" * 400).replace(
        b"4F8C1A23.7050301@citrix.com", b"long-name@example.org"
    )
    (tmp_path / "a.eml").write_bytes(long_id)
    (tmp_path / "b.eml").write_bytes(long_name)
    out = p.ok("ingest", str(tmp_path / "a.eml"), str(tmp_path / "b.eml"))
    assert "thread members 2" in out and "quarantined 0" in out
    assert "<long-message-id-" in out  # the 3,000-character id, as a stable hash
    assert p.ok("ingest", str(tmp_path / "a.eml")).count("duplicates 1") == 1


def test_a_postgresql_store_from_before_unbounded_text_is_migrated(pg_url: str) -> None:
    store = Store(pg_url)
    with store.transaction() as conn:  # as 0001 made it on PostgreSQL
        conn.execute(sa.text("ALTER TABLE events ALTER COLUMN actor TYPE VARCHAR(300)"))
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE name LIKE '0005%'"))
    store.close()
    store = Store(pg_url)
    with store.transaction() as conn:
        store.append_events(conn, [Event(Kind.NOTE, NOW, "A" * 400, "cli", "T1", {})])
    assert store.events()[-1].actor == "A" * 400
    store.close()


def test_check_config_does_not_print_a_password_in_the_store_url(tmp_path: Path) -> None:
    p = Project.create(tmp_path / "rm")
    use_store(p.root / "config.toml", "postgresql+psycopg://relbot:s3cret-pw@db.example.org/r")
    out = p.ok("check-config")
    assert 'url = "postgresql+psycopg://relbot:***@db.example.org/r"' in out
    assert "s3cret" not in out
