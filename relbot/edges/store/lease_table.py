"""The store's lease table: named leases, one holder at a time for the week's send or a running
``relbot run``, taken and renewed atomically, so of two racing processes one wins.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from relbot.edges.store.dialects import error_reason
from relbot.edges.store.schema import leases_table, utc
from relbot.errors import StoreError


class _Store(Protocol):
    """What the lease methods use of the store they are part of."""

    engine: Engine

    def transaction(
        self: _Store, *, readonly: bool = False
    ) -> AbstractContextManager[Connection]: ...

    def _conn(self: _Store, conn: Connection | None) -> AbstractContextManager[Connection]: ...


class Leases:
    """The lease methods of ``Store``."""

    def acquire_lease(
        self: _Store, name: str, holder: str, *, now: dt.datetime, ttl: dt.timedelta
    ) -> bool:
        """Take or renew a named lease; False while another holder has it.

        The conditional UPDATE and the primary-key INSERT are each atomic, so
        of two processes racing for a free or expired lease only one wins.
        """
        expires = utc(now + ttl)
        try:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    leases_table.update()
                    .where(leases_table.c.name == name)
                    .where(
                        sa.or_(
                            leases_table.c.holder == holder, leases_table.c.expires_at < utc(now)
                        )
                    )
                    .values(holder=holder, expires_at=expires)
                ).rowcount
                if taken:
                    return True
                exists = conn.execute(
                    sa.select(leases_table.c.name).where(leases_table.c.name == name)
                ).first()
                if exists:
                    return False
                conn.execute(
                    leases_table.insert().values(name=name, holder=holder, expires_at=expires)
                )
                return True
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            raise StoreError(f"store: lease {name}: {error_reason(exc)}") from exc

    def lease_holder(self: _Store, name: str) -> str | None:
        query = sa.select(leases_table.c.holder).where(leases_table.c.name == name)
        with self._conn(None) as c:
            row = c.execute(query).first()
        return str(row[0]) if row else None

    def take_over_lease(
        self: _Store, name: str, old: str, new: str, *, now: dt.datetime, ttl: dt.timedelta
    ) -> bool:
        """Give ``name`` to ``new`` if ``old`` still holds it (atomic: one taker wins)."""
        lease = leases_table.c
        change = leases_table.update().where((lease.name == name) & (lease.holder == old))
        with self.transaction() as conn:
            return bool(conn.execute(change.values(holder=new, expires_at=utc(now + ttl))).rowcount)

    def release_lease(self: _Store, name: str, holder: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                leases_table.delete()
                .where(leases_table.c.name == name)
                .where(leases_table.c.holder == holder)
            )
