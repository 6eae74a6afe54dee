"""What keeps one mail from stopping the rest: the rule at the ingest boundary.

Whatever goes wrong with one mail (any exception, not only relbot's own, or
running past ``[parsing] max_seconds_per_message``), the mail is kept with
the reason and its raw bytes, the watermark moves past it, and the next mail
is read. Keeping it cannot fail on the mail's own data: the store writes ids
and headers as storable text, and should it still refuse the mail's id, the
mail is kept under an id made of its bytes.

A mail whose Message-ID is already stored is read and compared with the
stored one (``relbot.core.replies.identity``): a copy is a true duplicate;
a different mail is read under a key derived from its content, and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from relbot.core.replies.identity import collision_id, fingerprint
from relbot.core.replies.message import Message, read_message
from relbot.core.replies.threads import Membership
from relbot.edges.store.store import Store
from relbot.errors import RelbotError, UsageError
from relbot.service.budget import Budget, OverBudget
from relbot.service.ingest_report import IngestReport
from relbot.service.units import Units

log = logging.getLogger("relbot.service.ingest")

#: the screen's word for a mail whose Message-ID is stored already
ALREADY_READ = "already read"
#: the screen's word for a mail whose headers could not even be screened
SCREEN_FAILED = "the header screen failed"
#: states of a mail kept but not understood
QUARANTINED = "quarantined"
UNPROCESSED = "unprocessed"
KEPT_STATES = (QUARANTINED, UNPROCESSED)

OnCommit = Callable[[Connection], None]


def synthetic_id(raw: bytes, kind: str = "no-message-id") -> str:
    """An id for a message that has none (or an unusable one), stable for the same bytes."""
    return f"{kind}-{hashlib.sha256(raw).hexdigest()[:24]}@relbot.invalid"


def failure(exc: BaseException) -> str:
    """One line for the reason a mail was kept: what went wrong, from where."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def keep(
    store: Store,
    raw: bytes,
    msgid: str,
    *,
    origin: str,
    reason: str,
    at: dt.datetime,
    state: str = QUARANTINED,
    on_commit: OnCommit | None = None,
    unit: Callable[[], AbstractContextManager[Connection]] | None = None,
) -> str:
    """Store a mail that was not understood, with the reason; the id it is kept under.

    Tried under its own id first; if the store refuses that, or the id is taken,
    under an id made of its bytes. Only a store that refuses both (a database
    that is down or full) raises, and then nothing was half-written.
    """
    unit = unit or store.transaction
    key = msgid or synthetic_id(raw)
    try:
        with unit() as conn:
            stored = store.record_message(
                conn, message_id=key, raw=raw, state=state, at=at, origin=origin, reason=reason
            )
            if stored and on_commit is not None:
                on_commit(conn)
        if stored:
            return key
        why = f"its Message-ID <{key}> is taken"
    except Exception as exc:
        why = f"its Message-ID could not be stored ({failure(exc)})"
        log.warning("%s: %s; keeping it under an id made of its bytes", origin, why)
    fallback = synthetic_id(raw)
    with unit() as conn:
        store.record_message(
            conn,
            message_id=fallback,
            raw=raw,
            state=state,
            at=at,
            origin=origin,
            reason=f"{reason} ({why})",
        )
        if on_commit is not None:
            on_commit(conn)
    return fallback


@dataclass(frozen=True, slots=True)
class Again:
    """A mail whose id was stored already: a copy, or a different mail under ``key``."""

    copy: bool
    key: str = ""
    msg: Message | None = None


def compare_with_stored(
    store: Store, raw: bytes, msgid: str, budget: Budget, list_tags: tuple[str, ...]
) -> Again:
    """Whether ``raw`` is a copy of the mail stored under ``msgid`` (or its collision key)."""
    stored_raw = store.message_raw(msgid)
    if stored_raw is None or stored_raw == raw:
        return Again(copy=True)
    new = budget.run(lambda: read_message(raw))
    old = budget.run(lambda: read_message(stored_raw))
    printed = budget.run(lambda: fingerprint(new, list_tags))
    if budget.run(lambda: fingerprint(old, list_tags)) == printed:
        return Again(copy=True)
    key = collision_id(msgid, printed)
    if store.has_message(key):
        return Again(copy=True)  # this very mail came before, under its own key
    return Again(copy=False, key=key, msg=new)


class Boundary:
    """The ingestor's side of the rule: keep a mail that failed, skip a copy, move on."""

    store: Store
    #: the transaction each unit of work runs in (batched in a backfill)
    units: Units
    report: IngestReport
    now: Callable[[], dt.datetime]
    max_seconds: float
    max_bytes: int
    #: the ingestor's read-understand-store of one mail, in ``conn``'s transaction
    _apply: Callable[[Connection, bytes, str, str, Membership, Budget], str]

    def _remember(self, msgid: str) -> None:
        """Note ``msgid`` as stored (the ingestor also adds it to the thread)."""

    def _over_budget(self) -> str:
        return (
            f"not understood within [parsing] max_seconds_per_message "
            f"({self.max_seconds:g} s); kept unprocessed (`relbot retry` reads it again)"
        )

    def _copy(self, on_commit: OnCommit | None) -> str:
        self.report.duplicates += 1
        return self._skip(Membership(False, 0.0, ALREADY_READ), on_commit)

    def _skip(self, member: Membership, on_commit: OnCommit | None) -> str:
        if on_commit is not None:
            with self.units.unit() as conn:
                on_commit(conn)
        return member.via or "not in a status thread"

    def _keep(
        self,
        raw: bytes,
        msgid: str,
        origin: str,
        reason: str,
        state: str,
        on_commit: OnCommit | None,
    ) -> str:
        log.warning("%s: %s <%s>: %s", origin, state, msgid, reason)
        at = self.now()
        key = keep(
            self.store,
            raw,
            msgid,
            origin=origin,
            reason=reason,
            at=at,
            state=state,
            on_commit=on_commit,
            unit=self.units.unit,
        )
        self._remember(key)
        self.report.quarantined += 1
        self.report.lines.append(f"<{key}>: {state}: {reason}")
        return f"{state}: {reason}"

    def retry(self, row_id: int) -> str:
        """Process a quarantined or unprocessed message again; if it fails, it stays."""
        kept = (m for state in KEPT_STATES for m in self.store.messages(state))
        row = next((m for m in kept if m.id == row_id), None)
        if row is None:
            raise UsageError(f"no quarantined message {row_id} (see `relbot quarantine`)")
        raw = self.store.message_raw(row_id) or b""
        member = Membership(True, 1.0, "retry")
        try:
            if len(raw) > self.max_bytes:
                raise RelbotError(f"{len(raw)} bytes is over [parsing] max_message_bytes")
            with self.store.transaction() as conn:
                self.store.delete_message(conn, row.message_id)
                budget = Budget(self.max_seconds)
                return self._apply(conn, raw, row.message_id, row.origin, member, budget)
        except (Exception, OverBudget) as exc:
            state = UNPROCESSED if isinstance(exc, OverBudget) else QUARANTINED
            reason = self._over_budget() if isinstance(exc, OverBudget) else failure(exc)
            with self.store.transaction() as conn:
                self.store.update_message(conn, row.message_id, state=state, reason=reason)
            return f"still {state}: {reason}"
