"""Which files of a local maildir were read: the memory that makes a poll incremental.

A maildir file keeps the unique part of its name (before ``:2,``) when an
MUA moves it from ``new/`` to ``cur/`` or changes its flags, so that part
names the message for as long as it exists. A file is marked in the same
transaction that stores what it caused, so a crash never loses one and never
marks one that was not read.

Whether a message belongs to a status thread depends on the status mails
known when it is read: a reply read before its status mail was imported is
no member then. So the marks of non-members hold only while the number of
status mails other than relbot's own stays what it was (``status_mark``);
when it changes (an import), they are dropped and those files screened again.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from relbot.core.tracker.events import Kind
from relbot.edges.store.schema import events_table, outbox_table, seen_files_table
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

    def mark(self, conn: Connection, names: Iterable[str], *, member: bool = False) -> None:
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
            rows = [
                {"folder": self.folder, "name": n, "member": member}
                for n in chunk
                if n not in known
            ]
            if rows:
                conn.execute(seen_files_table.insert(), rows)

    def status_mark(self) -> int:
        """How many status mails the store knows that relbot did not send itself (no reply
        to relbot's own mail can come before it): what non-member marks hold for."""
        query = (
            sa.select(sa.func.count())
            .select_from(events_table)
            .where(events_table.c.kind == Kind.STATUS_MAIL.value)
            .where(events_table.c.source.not_in(sa.select(outbox_table.c.message_id)))
        )
        with self.store.transaction(readonly=True) as conn:
            return int(conn.execute(query).scalar_one())

    def renew_for(self, mark: int) -> None:
        """Drop the non-members' marks unless they were made with ``mark`` status mails."""
        key = f"maildir:{self.folder}"
        remembered = self.store.sync_state(key)
        if remembered == (mark, 0):
            return
        with self.store.transaction() as conn:
            if remembered is not None:
                conn.execute(
                    seen_files_table.delete()
                    .where(seen_files_table.c.folder == self.folder)
                    .where(seen_files_table.c.member.is_(False))
                )
            self.store.set_sync_state(conn, key, mark, 0)

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
