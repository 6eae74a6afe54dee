"""Leases read and taken over by name: who holds one, and a hand-over from a known holder.

``Store.acquire_lease`` takes a free or expired lease; these add what a guard
needs to decide more: the current holder and its expiry, and a compare-and-set
that passes the lease on only if ``previous`` still holds it, so of two
processes taking over from the same dead holder only one wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from relbot.edges.store.dialects import error_reason
from relbot.edges.store.schema import from_utc, leases_table, utc
from relbot.edges.store.store import Store
from relbot.errors import StoreError


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    expires_at: dt.datetime


def read_lease(store: Store, name: str) -> Lease | None:
    """The lease as stored now (it may have expired), or None."""
    query = sa.select(leases_table).where(leases_table.c.name == name)
    with store.transaction(readonly=True) as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    expires = from_utc(row.expires_at) or dt.datetime.min.replace(tzinfo=dt.UTC)
    return Lease(row.name, row.holder, expires)


def take_over_lease(
    store: Store, name: str, holder: str, *, previous: str, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    """Give ``name`` to ``holder`` if ``previous`` still holds it; False if not."""
    try:
        with store.engine.begin() as conn:
            moved = conn.execute(
                leases_table.update()
                .where(leases_table.c.name == name)
                .where(leases_table.c.holder == previous)
                .values(holder=holder, expires_at=utc(now + ttl))
            ).rowcount
    except SQLAlchemyError as exc:
        raise StoreError(f"store: lease {name}: {error_reason(exc)}") from exc
    return bool(moved)
