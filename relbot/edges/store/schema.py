"""The store's tables, its named migrations, and how times are written.

Only portable SQLAlchemy Core types and DDL, so the same schema runs on SQLite
and PostgreSQL. A migration, once released, is never edited: a change is a
new named step, applied and recorded in its own transaction by
``Store.migrate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

metadata = sa.MetaData()

migrations_table = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("applied_at", sa.String(40), nullable=False),
)

events_table = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("item", sa.Text),
    sa.Column("actor", sa.Text, nullable=False, default=""),
    sa.Column("source", sa.Text, nullable=False, default="cli"),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("data", sa.Text, nullable=False, default="{}"),
)

messages_table = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.Text, nullable=False, unique=True),
    sa.Column("origin", sa.Text, nullable=False, default=""),
    sa.Column("subject", sa.Text, nullable=False, default=""),
    sa.Column("from_addr", sa.Text, nullable=False, default=""),
    sa.Column("received_at", sa.String(40), nullable=False),
    #: applied | pending | ignored | quarantined | outgoing
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    #: what the mail proved of its sender ([trust]): "pass (dkim, example.org)", "fail: ..."
    sa.Column("verification", sa.Text, nullable=False, default=""),
)

proposals_table = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.Text, nullable=False, default=""),
    sa.Column("item", sa.Text),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("value", sa.Text, nullable=False, default="null"),
    sa.Column("who", sa.Text, nullable=False, default=""),
    sa.Column("evidence", sa.Text, nullable=False, default=""),
    sa.Column("confidence", sa.Float, nullable=False, default=0.0),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    #: pending | accepted | rejected
    sa.Column("state", sa.String(20), nullable=False, default="pending"),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("decided_at", sa.String(40)),
    sa.Column("decided_by", sa.Text),
)

#: pending proposals are looked up by the message they answer (an RM's agreement)
proposals_by_message = sa.Index("ix_proposals_message_id", proposals_table.c.message_id)

sync_table = sa.Table(
    "sync_state",
    metadata,
    sa.Column("folder", sa.Text, primary_key=True),
    sa.Column("uidvalidity", sa.BigInteger, nullable=False),
    sa.Column("last_uid", sa.BigInteger, nullable=False),
)

outbox_table = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.String(20), nullable=False, unique=True),
    sa.Column("message_id", sa.String(1000), nullable=False, unique=True),
    sa.Column("subject", sa.Text, nullable=False, default=""),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    #: draft | held | approved | sending | sent | failed
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("send_at", sa.String(40)),
    sa.Column("sent_at", sa.String(40)),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text, nullable=False, default=""),
    sa.Column("preview_sent", sa.Boolean, nullable=False, default=False),
    #: when the mail was last handed to the transport
    sa.Column("attempted_at", sa.String(40)),
)

leases_table = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)

#: the files of a local maildir already read, by the unique part of their
#: name (before ":2,"), so a poll reads only what is new
seen_files_table = sa.Table(
    "seen_files",
    metadata,
    sa.Column("folder", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),
    #: it was a status-thread member (stored); the others are screened again
    #: when the set of status mails changes
    sa.Column("member", sa.Boolean, nullable=False, default=False),
)


def _create_all(conn: Connection) -> None:
    for table in (
        events_table,
        messages_table,
        proposals_table,
        sync_table,
        outbox_table,
        leases_table,
    ):
        table.create(conn, checkfirst=True)


def _outbox_attempted_at(conn: Connection) -> None:
    # a store made by 0001 after this column was declared has it already
    if "attempted_at" not in {c["name"] for c in sa.inspect(conn).get_columns("outbox")}:
        conn.execute(sa.text("ALTER TABLE outbox ADD COLUMN attempted_at VARCHAR(40)"))


def _messages_verification(conn: Connection) -> None:
    # a store made by 0001 after this column was declared has it already
    if "verification" not in {c["name"] for c in sa.inspect(conn).get_columns("messages")}:
        conn.execute(
            sa.text("ALTER TABLE messages ADD COLUMN verification TEXT NOT NULL DEFAULT ''")
        )


#: (table, column) that hold text from mail or from the host: unbounded
_UNBOUNDED = (
    ("events", "item"),
    ("events", "actor"),
    ("events", "source"),
    ("messages", "message_id"),
    ("messages", "origin"),
    ("messages", "from_addr"),
    ("proposals", "message_id"),
    ("proposals", "item"),
    ("proposals", "who"),
    ("proposals", "decided_by"),
    ("sync_state", "folder"),
    ("leases", "holder"),
)


def _unbounded_text(conn: Connection) -> None:
    # PostgreSQL enforces VARCHAR(n), SQLite does not: a long display name or
    # Message-ID stopped the poll on PostgreSQL alone. SQLite needs nothing.
    if conn.dialect.name != "postgresql":
        return
    for table, column in _UNBOUNDED:
        conn.execute(sa.text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT"))


def _proposals_by_message(conn: Connection) -> None:
    # a store made by 0001 after the index was declared has it already
    proposals_by_message.create(conn, checkfirst=True)


#: name -> step, applied in order; never edit a step once released, add one
MIGRATIONS: tuple[tuple[str, Callable[[Connection], None]], ...] = (
    ("0001_initial", _create_all),
    ("0002_outbox_attempted_at", _outbox_attempted_at),
    ("0003_messages_verification", _messages_verification),
    ("0004_seen_files", lambda conn: seen_files_table.create(conn, checkfirst=True)),
    ("0005_unbounded_text", _unbounded_text),
    ("0006_proposals_by_message", _proposals_by_message),
)


def utc(value: dt.datetime) -> str:
    """Timestamps are stored as ISO 8601 in UTC: portable and sortable."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def from_utc(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None
