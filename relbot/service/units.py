"""Units of work against the store: each in its own transaction, or batched.

A thread member (its message, events, proposals) is one unit: it is stored
whole or not at all. By default each unit is its own transaction, which IMAP
needs (a member commits with the watermark at its UID). A backfill from files
or an mbox instead runs ``batched()``: units become savepoints inside a shared
transaction that commits every ``BATCH_UNITS`` units or ``BATCH_SECONDS``,
whichever comes first, so a year's archive does not pay one disk sync per
member. A crash loses at most the batch not yet committed, and since nothing
of it is stored, a re-run reads those messages again: nothing is lost and
nothing applied twice. A unit that fails rolls back to its savepoint alone.
The shared transaction is opened at the first unit, so a run of non-members
holds no write lock, and it is held for at most about ``BATCH_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

from sqlalchemy.engine import Connection

from relbot.edges.store.store import Store
from relbot.errors import StoreError

#: units per committed batch
BATCH_UNITS = 200
#: seconds a batch stays open at most (other writers wait for its lock)
BATCH_SECONDS = 1.0


class Units:
    """Hands out the transaction (or savepoint) each unit of work runs in."""

    def __init__(self, store: Store) -> None:
        self.store = store
        #: units per batch and its longest time open (a test may shorten them)
        self.every, self.seconds = BATCH_UNITS, BATCH_SECONDS
        self._batching = False
        self._open: ExitStack | None = None
        self._conn: Connection | None = None
        self._started = 0.0
        self._count = 0

    def unit(self) -> AbstractContextManager[Connection]:
        """The connection one unit runs in: committed at its end, or with its batch."""
        if not self._batching:
            return self.store.transaction()
        return self._in_batch()

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Units inside share transactions; what is done is committed at the end.

        On an error from outside the units (a mailbox that cannot be read) the
        units done so far are committed, each being whole; on a store error
        or an interrupt the open batch is rolled back.
        """
        self._batching = True
        try:
            yield
        except StoreError:
            self._close(commit=False)
            raise
        except Exception:
            self._close(commit=True)
            raise
        except BaseException:
            self._close(commit=False)
            raise
        else:
            self._close(commit=True)
        finally:
            self._batching = False

    def flush(self) -> None:
        """Commit the open batch now, so that other connections see what it holds."""
        self._close(commit=True)

    @contextmanager
    def _in_batch(self) -> Iterator[Connection]:
        if self._conn is None:
            stack = ExitStack()
            self._conn = stack.enter_context(self.store.transaction())
            self._open, self._started, self._count = stack, time.monotonic(), 0
        with self.store.savepoint(self._conn) as conn:
            yield conn
        self._count += 1
        if self._count >= self.every or time.monotonic() - self._started >= self.seconds:
            self._close(commit=True)

    def _close(self, *, commit: bool) -> None:
        stack, self._open, self._conn = self._open, None, None
        if stack is None:
            return
        if commit:
            stack.close()
        else:
            rollback = StoreError("store: batch abandoned")
            try:
                stack.__exit__(StoreError, rollback, None)
            except StoreError as exc:
                if exc is not rollback:
                    raise
