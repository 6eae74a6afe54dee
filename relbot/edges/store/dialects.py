"""What the database engines need of their own: SQLite's pragmas and explicit BEGIN, and
the one-line reason of a database error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The sqlite3 module's own transaction handling starts a transaction only
    # before a write, so a SAVEPOINT ran outside one and its RELEASE committed
    # half a unit of work. Turn it off and BEGIN explicitly (sqlite_begin),
    # as SQLAlchemy's pysqlite notes advise.
    dbapi_conn.isolation_level = None
    # WAL lets the poller read while the sender writes; busy_timeout makes a
    # second process wait for the write lock instead of failing at once.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front: a transaction that reads and
    # then writes can never fail half-way because another process wrote first.
    readonly = conn.get_execution_options().get("relbot_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def error_reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig) if orig is not None else str(exc).splitlines()[0]
