"""What the database engines need of their own: SQLite's pragmas and explicit BEGIN,
PostgreSQL's write lock, text every engine accepts (``storable``), and the one-line
reason of a database error.

The code above the store relies on one rule: a write transaction sees every
write committed before it began, and two write transactions never interleave.
SQLite gives that with ``BEGIN IMMEDIATE``. On PostgreSQL every write
transaction first takes one transaction-scoped advisory lock (released at
commit or rollback, also when the client dies); a read-only transaction takes
no lock and reads one snapshot (REPEATABLE READ), like SQLite's deferred BEGIN.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from relbot.core.safetext import safe_text


def storable(text: str) -> str:
    """``text`` as every engine stores it: SQLite's driver refuses surrogates (undecoded
    mail bytes) and PostgreSQL refuses NUL, so both become ``\\xNN`` escapes."""
    return safe_text(text)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the transaction rules above wired in."""
    postgresql = url.startswith(("postgresql:", "postgresql+"))
    engine = sa.create_engine(url, connect_args=postgresql_connect_args() if postgresql else {})
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", sqlite_pragmas)
        sa.event.listen(engine, "begin", sqlite_begin)
    elif engine.dialect.name == "postgresql":
        sa.event.listen(engine, "begin", postgresql_begin)
    return engine


def shown_url(url: str) -> str:
    """``url`` as it may be shown, with a password in it masked."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return url  # not a url SQLAlchemy reads: create_engine says why


#: tries of the switch to WAL, 50 ms apart
WAL_TRIES = 100


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The sqlite3 module's own transaction handling starts a transaction only
    # before a write, so a SAVEPOINT ran outside one and its RELEASE committed
    # half a unit of work. Turn it off and BEGIN explicitly (sqlite_begin),
    # as SQLAlchemy's pysqlite notes advise.
    dbapi_conn.isolation_level = None
    # WAL lets the poller read while the sender writes; busy_timeout makes a
    # second process wait for the write lock instead of failing at once.
    # busy_timeout first: switching a new file to WAL takes a lock that another
    # process opening the same store at that moment must wait for, not fail on.
    # SQLite can still answer "locked" at once while another connection switches
    # the same new file: try again for a while (once in WAL, the switch is a no-op).
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    for attempt in range(WAL_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_TRIES - 1:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front: a transaction that reads and
    # then writes can never fail half-way because another process wrote first.
    readonly = conn.get_execution_options().get("relbot_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


#: the advisory lock every relbot write transaction takes on PostgreSQL ("relbot" in ASCII)
PG_WRITE_LOCK = 0x72656C626F74
#: how long a write waits for another process's write, as SQLite's busy_timeout
PG_LOCK_TIMEOUT_MS = 10000


def postgresql_connect_args() -> dict[str, Any]:
    """libpq options: a lock not granted within the timeout is an error, not a hang."""
    return {"options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"}


def postgresql_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("relbot_readonly", False):
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    else:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def error_reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    # one line: libpq's messages span several
    return " ".join(str(orig).split()) if orig is not None else str(exc).splitlines()[0]
