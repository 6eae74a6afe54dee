"""Which files of a local maildir were read: the memory that makes a poll incremental.

A maildir file keeps the unique part of its name (before ``:2,``) when an
MUA moves it from ``new/`` to ``cur/`` or changes its flags, so that part
names the message for as long as it exists. A file is marked in the same
transaction that stores what it caused, so a crash never loses one and never
marks one that was not read.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from relbot.edges.store.schema import seen_files_table
from relbot.edges.store.store import Store

#: rows per INSERT or DELETE statement
_CHUNK = 500


class SeenFiles:
    """The names read from one folder (keyed by its absolute path) of one store."""

    def __init__(self, store: Store, folder: str) -> None:
        self.store = store
        self.folder = folder

    def names(self) -> set[str]:
        query = sa.select(seen_files_table.c.name).where(seen_files_table.c.folder == self.folder)
        with self.store.transaction(readonly=True) as conn:
            return {row[0] for row in conn.execute(query)}

    def mark(self, conn: Connection, names: Iterable[str]) -> None:
        """Record ``names`` as read, inside the caller's transaction (once each)."""
        fresh = sorted(set(names))
        for start in range(0, len(fresh), _CHUNK):
            chunk = fresh[start : start + _CHUNK]
            known = {
                row[0]
                for row in conn.execute(
                    sa.select(seen_files_table.c.name)
                    .where(seen_files_table.c.folder == self.folder)
                    .where(seen_files_table.c.name.in_(chunk))
                )
            }
            rows = [{"folder": self.folder, "name": n} for n in chunk if n not in known]
            if rows:
                conn.execute(seen_files_table.insert(), rows)

    def forget(self, names: Iterable[str]) -> None:
        """Drop names whose files are gone (deleted or expunged)."""
        gone = sorted(set(names))
        with self.store.transaction() as conn:
            for start in range(0, len(gone), _CHUNK):
                conn.execute(
                    seen_files_table.delete()
                    .where(seen_files_table.c.folder == self.folder)
                    .where(seen_files_table.c.name.in_(gone[start : start + _CHUNK]))
                )
