"""The outbox: one row per week's status mail, and the states it goes through.

A row holds the week key (``2026-W48``), the Message-ID and the full message
bytes, and is committed before anything talks to SMTP. Every state change is
a compare-and-set (``UPDATE ... WHERE state IN (...)``), so of two processes
only one moves a row on, and ``TRANSITIONS`` is the one table of what may
follow what.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from relbot.core.replies.message import read_header_fields
from relbot.edges.mailbox import iter_paths
from relbot.edges.store.store import Store, from_utc, outbox_table, utc
from relbot.errors import MailboxError, StoreError, UsageError
from relbot.service.wiring import Service


class State(StrEnum):
    #: rendered; goes out on time unless review says otherwise
    DRAFT = "draft"
    #: a release manager stopped it
    HELD = "held"
    #: a release manager approved this exact text
    APPROVED = "approved"
    #: handed to SMTP, not yet known to be accepted: check the list first
    SENDING = "sending"
    SENT = "sent"
    #: the server refused it for good (5xx); stays here until someone acts
    FAILED = "failed"


#: state -> the states it may move to
TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.HELD, State.APPROVED, State.SENDING}),
    State.HELD: frozenset({State.APPROVED, State.DRAFT}),
    State.APPROVED: frozenset({State.HELD, State.SENDING}),
    # back to DRAFT/APPROVED: the server answered 4xx, so nothing went out
    State.SENDING: frozenset({State.SENT, State.FAILED, State.DRAFT, State.APPROVED}),
    State.FAILED: frozenset({State.SENDING, State.HELD, State.APPROVED}),
    State.SENT: frozenset(),
}

#: rows that have not gone out and may still change
OPEN_STATES = frozenset({State.DRAFT, State.HELD, State.APPROVED, State.FAILED})


def sources_of(target: State) -> frozenset[State]:
    """The states ``target`` may be reached from."""
    return frozenset(s for s, nexts in TRANSITIONS.items() if target in nexts)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    week: str
    message_id: str
    subject: str
    raw: bytes
    state: State
    created_at: dt.datetime
    send_at: dt.datetime | None
    sent_at: dt.datetime | None
    attempts: int
    error: str
    preview_sent: bool
    #: when it was last handed to the transport
    attempted_at: dt.datetime | None = None


class Outbox:
    """The outbox table of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading ---------------------------------------------------------------

    def get(self, week: str, conn: Connection | None = None) -> OutboxRow | None:
        return self._one(outbox_table.c.week == week, conn)

    def by_message_id(self, message_id: str, conn: Connection | None = None) -> OutboxRow | None:
        return self._one(outbox_table.c.message_id == message_id, conn)

    def rows(self, limit: int | None = None) -> list[OutboxRow]:
        """Newest week first."""
        query = sa.select(outbox_table).order_by(outbox_table.c.week.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.store.transaction() as conn:
            return [_row(r) for r in conn.execute(query)]

    def last_sent(self, before_week: str | None = None) -> OutboxRow | None:
        query = sa.select(outbox_table).where(outbox_table.c.state == State.SENT.value)
        if before_week is not None:
            query = query.where(outbox_table.c.week < before_week)
        query = query.order_by(outbox_table.c.week.desc()).limit(1)
        with self.store.transaction() as conn:
            found = conn.execute(query).first()
        return _row(found) if found else None

    def pending(self, conn: Connection | None = None) -> OutboxRow | None:
        """The newest row that has not gone out (draft, held, approved, failed)."""
        query = (
            sa.select(outbox_table)
            .where(outbox_table.c.state.in_([s.value for s in OPEN_STATES]))
            .order_by(outbox_table.c.week.desc())
            .limit(1)
        )
        with _connection(self.store, conn) as c:
            found = c.execute(query).first()
        return _row(found) if found else None

    # -- writing ---------------------------------------------------------------

    def create(
        self,
        *,
        week: str,
        message_id: str,
        subject: str,
        raw: bytes,
        state: State,
        now: dt.datetime,
        send_at: dt.datetime | None,
    ) -> OutboxRow:
        """Insert the week's row and commit it; the existing row if there is one."""
        try:
            with self.store.engine.begin() as conn:
                conn.execute(
                    outbox_table.insert().values(
                        week=week,
                        message_id=message_id,
                        subject=subject,
                        raw=raw,
                        state=state.value,
                        created_at=utc(now),
                        send_at=utc(send_at) if send_at else None,
                        attempts=0,
                        error="",
                        preview_sent=False,
                    )
                )
        except IntegrityError:
            pass  # another process made it first: theirs is the week's row
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"store: outbox {week}: {exc}") from exc
        row = self.get(week)
        if row is None:
            raise StoreError(
                f"store: outbox {week}: could not insert the row "
                f"(is Message-ID <{message_id}> used by another week?)"
            )
        return row

    def move(
        self,
        week: str,
        to: State,
        *,
        only_from: frozenset[State] | None = None,
        conn: Connection | None = None,
        **values: Any,
    ) -> bool:
        """Compare-and-set the row's state; False when it was not in a source state.

        ``only_from`` narrows the sources ``TRANSITIONS`` allows.
        """
        allowed = sources_of(to) if only_from is None else only_from & sources_of(to)
        if "sent_at" in values and values["sent_at"] is not None:
            values["sent_at"] = utc(values["sent_at"])
        query = (
            outbox_table.update()
            .where(outbox_table.c.week == week)
            .where(outbox_table.c.state.in_([s.value for s in allowed]))
            .values(state=to.value, **values)
        )
        with _connection(self.store, conn) as c:
            return bool(c.execute(query).rowcount)

    def start_sending(self, week: str, from_state: State, now: dt.datetime) -> bool:
        """``from_state`` -> sending, counting the attempt; committed on return."""
        with self.store.transaction() as conn:
            return self.move(
                week,
                State.SENDING,
                only_from=frozenset({from_state}),
                conn=conn,
                attempts=outbox_table.c.attempts + 1,
                attempted_at=utc(now),
            )

    def count_attempt(self, week: str, now: dt.datetime) -> bool:
        """One more attempt at a row that stays ``sending``; False if it is not."""
        with self.store.transaction() as conn:
            result = conn.execute(
                outbox_table.update()
                .where(outbox_table.c.week == week)
                .where(outbox_table.c.state == State.SENDING.value)
                .values(attempts=outbox_table.c.attempts + 1, attempted_at=utc(now))
            )
            return bool(result.rowcount)

    def update_draft(self, week: str, *, raw: bytes, subject: str) -> bool:
        """Replace a draft's text (same Message-ID); False unless it is a draft."""
        with self.store.transaction() as conn:
            result = conn.execute(
                outbox_table.update()
                .where(outbox_table.c.week == week)
                .where(outbox_table.c.state == State.DRAFT.value)
                .values(raw=raw, subject=subject)
            )
            return bool(result.rowcount)

    def note_error(self, week: str, error: str) -> None:
        """Record what went wrong without moving the row."""
        with self.store.transaction() as conn:
            conn.execute(
                outbox_table.update().where(outbox_table.c.week == week).values(error=error)
            )

    def mark_previewed(self, week: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                outbox_table.update().where(outbox_table.c.week == week).values(preview_sent=True)
            )

    def hold(self, week: str) -> OutboxRow:
        """Stop a week's mail; UsageError when it has gone out or is going."""
        return self._decide(week, State.HELD, "hold")

    def approve(self, week: str) -> OutboxRow:
        """Release a held or draft mail to go out as it is."""
        return self._decide(week, State.APPROVED, "approve")

    def _decide(self, week: str, to: State, verb: str) -> OutboxRow:
        row = self.get(week)
        if row is None:
            raise UsageError(f"no mail for {week} in the outbox (see `relbot outbox`)")
        if row.state is not to and not self.move(week, to, only_from=frozenset({row.state})):
            row = self.get(week) or row
            raise UsageError(f"cannot {verb} {week}: it is {row.state.value}")
        return self.get(week) or row

    # -- helpers ---------------------------------------------------------------

    def _one(self, where: Any, conn: Connection | None) -> OutboxRow | None:
        with _connection(self.store, conn) as c:
            found = c.execute(sa.select(outbox_table).where(where)).first()
        return _row(found) if found else None


# -- did it reach the list? ----------------------------------------------------


def reached_list(service: Service, message_id: str) -> bool:
    """Whether a message with ``message_id`` is in the watched folders.

    IMAP: a header search in each of ``[imap] folders``. A local maildir or
    mbox: the messages already read into the store, then the files themselves.
    """
    config = service.config
    if config.mailbox.source == "imap":
        with service.imap_source() as source:
            for folder in config.imap.folders:
                source.select(folder)
                if source.search_message_id(message_id):
                    return True
        return False
    known = service.store.messages()
    if any(m.message_id == message_id and m.state != "outgoing" for m in known):
        return True
    path = config.path(config.mailbox.path)
    if not path.exists():
        return False
    try:
        return any(
            read_header_fields(mail.raw).message_id == message_id for mail in iter_paths([path])
        )
    except OSError as exc:
        raise MailboxError(f"[mailbox] path {path}: {exc}") from exc


@contextmanager
def _connection(store: Store, conn: Connection | None) -> Iterator[Connection]:
    """``conn`` when the caller has a transaction open, else a new one."""
    if conn is not None:
        yield conn
        return
    with store.transaction() as c:
        yield c


def _row(r: Any) -> OutboxRow:
    return OutboxRow(
        id=int(r.id),
        week=r.week,
        message_id=r.message_id,
        subject=r.subject,
        raw=bytes(r.raw),
        state=State(r.state),
        created_at=from_utc(r.created_at) or dt.datetime.min.replace(tzinfo=dt.UTC),
        send_at=from_utc(r.send_at),
        sent_at=from_utc(r.sent_at),
        attempts=int(r.attempts),
        error=r.error,
        preview_sent=bool(r.preview_sent),
        attempted_at=from_utc(r.attempted_at),
    )


#: the id relbot gives a week's preview (relbot.core.compose): a reply to it
#: is an RM reviewing that week's mail
PREVIEW_ID = re.compile(r"^relbot\.preview\.(?P<week>\d{4}-W\d{2})\.[0-9a-f]+@")


def review_by_mail(box: Outbox, conn: Connection, hold: bool, by: str, refs: Sequence[str]) -> str:
    """An RM's hold or approve by mail, as on the command line; what became of it.

    The week is the one whose preview the mail answers (``refs``), else the
    one waiting in the outbox.
    """
    row = next((r for r in map(_week_of_id, refs) if r), "") or _pending_week(box, conn)
    target = State.HELD if hold else State.APPROVED
    verb = "hold" if hold else "approve"
    if not row:
        return f"{verb} by {by}: no mail waiting in the outbox"
    if box.move(row, target, conn=conn):
        return f"{row}: {target.value} by {by} (by mail)"
    current = box.get(row, conn)
    state = current.state.value if current else "not in the outbox"
    return f"{verb} {row} by {by}: cannot, it is {state}"


def _week_of_id(message_id: str) -> str:
    """The week a preview's Message-ID names, else ''."""
    m = PREVIEW_ID.match(message_id)
    return m.group("week") if m else ""


def _pending_week(box: Outbox, conn: Connection) -> str:
    row = box.pending(conn)
    return row.week if row else ""
