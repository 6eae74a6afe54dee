"""The store: events, messages, proposals, sync state and the outbox.

SQLAlchemy Core over a SQLite file by default, or PostgreSQL
(``postgresql+psycopg://``); only portable SQL, and the same transaction rules
on both (``relbot.edges.store.dialects``). Events are the source of truth: the tracker is
``fold(store.events())``. Schema changes are named migrations, each applied
and recorded in its own transaction.

Everything that must happen together (a message, its events and the new
sync watermark) goes through one ``store.transaction()``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from relbot.core.tracker.events import Event, fold
from relbot.core.tracker.model import Tracker
from relbot.edges.store.dialects import error_reason, make_engine, shown_url, storable
from relbot.edges.store.lease_table import Leases
from relbot.edges.store.rows import MessageRow, ProposalRow, event_from_row, proposal_from_row
from relbot.edges.store.schema import (
    MIGRATIONS,
    events_table,
    from_utc,
    messages_table,
    migrations_table,
    outbox_table,
    proposals_table,
    sync_table,
    utc,
)
from relbot.errors import StoreError

__all__ = [
    "MIGRATIONS",
    "MessageRow",
    "ProposalRow",
    "Store",
    "events_table",
    "from_utc",
    "messages_table",
    "outbox_table",
    "utc",
]


class Store(Leases):
    """One database: open it, migrate it, read and write it."""

    def __init__(self, url: str) -> None:
        self.url = url
        #: the url as it may be shown: a password in it is masked
        self.shown_url = url_text = shown_url(url)
        try:
            if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = make_engine(url)
            self.migrate()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store {url_text}: {error_reason(exc)}") from exc
        except OSError as exc:
            raise StoreError(f"cannot open the store {url_text}: {exc}") from exc
        except ImportError as exc:
            raise StoreError(
                f"cannot open the store {url_text}: no database driver ({exc}); for PostgreSQL "
                "install relbot[postgresql] and write the url as postgresql+psycopg://..."
            ) from exc

    # -- schema ------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; return their names."""
        with self.engine.begin() as conn:
            migrations_table.create(conn, checkfirst=True)
        applied: list[str] = []
        for name, step in MIGRATIONS:
            with self.engine.begin() as conn:
                done = conn.execute(
                    sa.select(migrations_table.c.name).where(migrations_table.c.name == name)
                ).first()
                if done:
                    continue
                step(conn)
                conn.execute(
                    migrations_table.insert().values(
                        name=name, applied_at=utc(dt.datetime.now(dt.UTC))
                    )
                )
                applied.append(name)
        return applied

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Connection]:
        """One transaction; everything in it commits together or not at all.

        A read-only one does not take SQLite's write lock, so readers never
        queue behind (or starve) the poller and the sender.
        """
        try:
            with self.engine.connect() as conn:
                if readonly:
                    conn.execution_options(relbot_readonly=True)
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store: {error_reason(exc)}") from exc

    def close(self) -> None:
        self.engine.dispose()

    # -- events --------------------------------------------------------------

    def events(self, conn: Connection | None = None) -> list[Event]:
        query = sa.select(events_table).order_by(events_table.c.seq)
        with self._conn(conn) as c:
            return [event_from_row(r) for r in c.execute(query)]

    def events_after(self, seq: int, conn: Connection | None = None) -> list[Event]:
        """The events stored after ``seq``, oldest first: what is new since a read."""
        query = sa.select(events_table).where(events_table.c.seq > seq).order_by(events_table.c.seq)
        with self._conn(conn) as c:
            return [event_from_row(r) for r in c.execute(query)]

    def event_count(self, conn: Connection | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(events_table)
        with self._conn(conn) as c:
            return int(c.execute(query).scalar_one())

    def tracker(self, conn: Connection | None = None) -> Tracker:
        return fold(self.events(conn))

    def append_events(self, conn: Connection, events: Sequence[Event]) -> list[Event]:
        """Store events in order and return them with their seq numbers."""
        stored: list[Event] = []
        for e in events:
            result = conn.execute(
                events_table.insert().values(
                    kind=e.kind.value,
                    item=e.item,
                    actor=storable(e.actor),
                    source=storable(e.source),
                    at=utc(e.at),
                    data=json.dumps(dict(e.data), sort_keys=True, default=str),
                )
            )
            seq = int(result.inserted_primary_key[0])  # type: ignore[index]
            stored.append(Event(e.kind, e.at, e.actor, e.source, e.item, e.data, seq))
        return stored

    # -- messages ------------------------------------------------------------

    def has_message(self, message_id: str, conn: Connection | None = None) -> bool:
        key = storable(message_id)
        query = sa.select(messages_table.c.id).where(messages_table.c.message_id == key)
        with self._conn(conn) as c:
            return c.execute(query).first() is not None

    def known_message_ids(self, conn: Connection | None = None) -> set[str]:
        with self._conn(conn) as c:
            return {r[0] for r in c.execute(sa.select(messages_table.c.message_id))}

    def record_message(
        self,
        conn: Connection,
        *,
        message_id: str,
        raw: bytes,
        state: str,
        at: dt.datetime,
        origin: str = "",
        subject: str = "",
        from_addr: str = "",
        reason: str = "",
        verification: str = "",
    ) -> bool:
        """Store a message once; False (and nothing written) if it is known."""
        if self.has_message(message_id, conn):
            return False
        try:
            with conn.begin_nested():
                conn.execute(
                    messages_table.insert().values(
                        message_id=storable(message_id),
                        origin=storable(origin),
                        subject=storable(subject),
                        from_addr=storable(from_addr),
                        received_at=utc(at),
                        state=state,
                        reason=storable(reason),
                        raw=raw,
                        verification=verification,
                    )
                )
        except IntegrityError:
            return False
        return True

    def update_message(
        self, conn: Connection, message_id: str, *, state: str, reason: str = ""
    ) -> None:
        conn.execute(
            messages_table.update()
            .where(messages_table.c.message_id == storable(message_id))
            .values(state=state, reason=storable(reason))
        )

    def delete_message(self, conn: Connection, message_id: str) -> None:
        key = storable(message_id)
        conn.execute(messages_table.delete().where(messages_table.c.message_id == key))

    def messages(
        self, state: str | None = None, conn: Connection | None = None
    ) -> list[MessageRow]:
        cols = [c for c in messages_table.c if c.name != "raw"]
        query = sa.select(*cols).order_by(messages_table.c.id)
        if state is not None:
            query = query.where(messages_table.c.state == state)
        with self._conn(conn) as c:
            return [
                MessageRow(
                    id=r.id,
                    message_id=r.message_id,
                    origin=r.origin,
                    subject=r.subject,
                    from_addr=r.from_addr,
                    received_at=from_utc(r.received_at) or dt.datetime.min,
                    state=r.state,
                    reason=r.reason,
                    verification=r.verification,
                )
                for r in c.execute(query)
            ]

    def message_authors(
        self, message_ids: Iterable[str], conn: Connection | None = None
    ) -> dict[str, str]:
        """Message-ID -> the sender address recorded for it, for those that are stored."""
        wanted = list(dict.fromkeys(message_ids))
        found: dict[str, str] = {}
        cols = (messages_table.c.message_id, messages_table.c.from_addr)
        with self._conn(conn) as c:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = sa.select(*cols).where(messages_table.c.message_id.in_(chunk))
                found.update({r.message_id: r.from_addr for r in c.execute(query)})
        return found

    def message_raw(self, key: int | str, conn: Connection | None = None) -> bytes | None:
        """Raw bytes by row id or Message-ID."""
        col = messages_table.c.id if isinstance(key, int) else messages_table.c.message_id
        with self._conn(conn) as c:
            wanted = key if isinstance(key, int) else storable(key)
            row = c.execute(sa.select(messages_table.c.raw).where(col == wanted)).first()
        return bytes(row[0]) if row else None

    # -- proposals -----------------------------------------------------------

    def add_proposal(
        self,
        conn: Connection,
        *,
        message_id: str,
        item: str | None,
        action: str,
        value: Any,
        who: str,
        evidence: str,
        confidence: float,
        reason: str,
        at: dt.datetime,
    ) -> int:
        result = conn.execute(
            proposals_table.insert().values(
                message_id=storable(message_id),
                item=item,
                action=action,
                value=json.dumps(value, default=str),
                who=storable(who),
                evidence=storable(evidence),
                confidence=confidence,
                reason=storable(reason),
                state="pending",
                created_at=utc(at),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def proposals(
        self,
        state: str | None = "pending",
        conn: Connection | None = None,
        *,
        message_id: str | None = None,
    ) -> list[ProposalRow]:
        """Proposals in ``state``; by the Message-ID that made them, an index lookup."""
        query = sa.select(proposals_table).order_by(proposals_table.c.id)
        if state is not None:
            query = query.where(proposals_table.c.state == state)
        if message_id is not None:
            query = query.where(proposals_table.c.message_id == message_id)
        with self._conn(conn) as c:
            return [proposal_from_row(r) for r in c.execute(query)]

    @contextmanager
    def savepoint(self, conn: Connection) -> Iterator[Connection]:
        """A unit inside ``conn``'s transaction: on an error only the unit is taken back."""
        try:
            with conn.begin_nested():
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store: {error_reason(exc)}") from exc

    def proposal(self, proposal_id: int, conn: Connection | None = None) -> ProposalRow | None:
        query = sa.select(proposals_table).where(proposals_table.c.id == proposal_id)
        with self._conn(conn) as c:
            row = c.execute(query).first()
        return proposal_from_row(row) if row else None

    def decide_proposal(
        self, conn: Connection, proposal_id: int, *, state: str, by: str, at: dt.datetime
    ) -> bool:
        """Mark a pending proposal accepted or rejected; False if not pending."""
        result = conn.execute(
            proposals_table.update()
            .where(proposals_table.c.id == proposal_id)
            .where(proposals_table.c.state == "pending")
            .values(state=state, decided_by=by, decided_at=utc(at))
        )
        return bool(result.rowcount)

    # -- sync state ----------------------------------------------------------

    def sync_state(self, folder: str, conn: Connection | None = None) -> tuple[int, int] | None:
        """(uidvalidity, last_uid) remembered for a folder."""
        query = sa.select(sync_table.c.uidvalidity, sync_table.c.last_uid).where(
            sync_table.c.folder == folder
        )
        with self._conn(conn) as c:
            row = c.execute(query).first()
        return (int(row[0]), int(row[1])) if row else None

    def set_sync_state(
        self, conn: Connection, folder: str, uidvalidity: int, last_uid: int
    ) -> None:
        updated = conn.execute(
            sync_table.update()
            .where(sync_table.c.folder == folder)
            .values(uidvalidity=uidvalidity, last_uid=last_uid)
        )
        if not updated.rowcount:
            conn.execute(
                sync_table.insert().values(
                    folder=folder, uidvalidity=uidvalidity, last_uid=last_uid
                )
            )

    # -- helpers -------------------------------------------------------------

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self.transaction(readonly=True) as c:
            yield c
