"""Replies that came before the status mail they answer, read once it is imported.

A reply that arrives before its status mail is imported has nothing to be
understood against: its actions wait without an item, or go nowhere, or (under
a subject of its own) it is not taken for a thread member at all. When the
status mail then arrives:

* each stored reply that names it (In-Reply-To or References) is taken back
  (its events undone, its pending proposals superseded) and read again
  through the ingest path, as if it had come after the mail;
* the mailbox is searched for replies naming it that were never read (IMAP:
  a header search in ``[imap] folders``; a maildir or mbox: its files), and
  those are read now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from relbot.core.replies.message import read_header_fields
from relbot.core.tracker.events import Event, Kind
from relbot.edges.mailbox import RawMail, iter_paths
from relbot.errors import RelbotError
from relbot.service.ingest import Ingestor
from relbot.service.wiring import Service

#: the states of messages that were read (not our own, not a status mail)
_READ_STATES = frozenset({"read", "applied", "pending", "ignored"})
#: what a superseded proposal is marked; `relbot accept` says it is already that
SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Reread:
    #: stored replies read again
    replies: int = 0
    #: replies found in the mailbox that had not been read
    found: int = 0
    applied: int = 0
    pending: int = 0
    ignored: int = 0
    quarantined: int = 0
    #: why the mailbox could not be searched ('' when it was)
    problem: str = ""

    def summary(self) -> str:
        """One line for `relbot import`; '' when there was nothing to read."""
        parts = []
        if self.replies:
            parts.append(f"read again {self.replies} replies to it")
        if self.found:
            noun = "reply" if self.found == 1 else "replies"
            parts.append(f"found {self.found} more {noun} to it in the mailbox")
        if parts:
            parts.append(
                f"applied {self.applied}, pending {self.pending}, ignored {self.ignored}, "
                f"quarantined {self.quarantined}"
            )
        if self.problem:
            parts.append(f"could not search the mailbox for more replies: {self.problem}")
        return "; ".join(parts)


def reread_answers(service: Service, status_mail_id: str, *, now: dt.datetime) -> Reread:
    """Read the replies to ``status_mail_id`` that came before it: stored ones again,
    oldest first, then the mailbox's unread ones."""
    store = service.store
    answers = [
        row
        for row in store.messages()
        if row.state in _READ_STATES and _answers(store.message_raw(row.id) or b"", status_mail_id)
    ]
    events = store.events() if answers else []
    for row in answers:
        with store.transaction() as conn:
            mine = (e for e in events if e.source == row.message_id)
            taken = [e.seq for e in mine if e.kind is not Kind.UNDO]
            if taken:
                data: dict[str, object] = {"event": taken[0]}
                if len(taken) > 1:
                    data["events"] = taken
                undo = Event(Kind.UNDO, now, service.rm_name, row.message_id, None, data)
                store.append_events(conn, [undo])
            for proposal in store.proposals("pending", conn):
                if proposal.message_id == row.message_id:
                    store.decide_proposal(conn, proposal.id, state=SUPERSEDED, by="relbot", at=now)
            # quarantined for the moment: if reading it again fails it stays
            # there, listed by `relbot quarantine` and taken by `relbot retry`
            reason = f"read again: the status mail <{status_mail_id}> it answers arrived"
            store.update_message(conn, row.message_id, state="quarantined", reason=reason)
    ingestor = Ingestor(service, now=lambda: now)
    for row in answers:
        ingestor.retry(row.id)
    members = ingestor.report.members
    problem = ""
    try:
        _read_unread(service, ingestor, status_mail_id)
    except RelbotError as exc:
        problem = str(exc)
    report = ingestor.report
    stuck = {m.message_id for m in store.messages("quarantined")}
    return Reread(
        replies=len(answers),
        found=report.members - members,
        applied=report.applied,
        pending=report.pending,
        ignored=report.ignored,
        quarantined=sum(1 for row in answers if row.message_id in stuck) + report.quarantined,
        problem=problem,
    )


def _answers(raw: bytes, status_mail_id: str) -> bool:
    """Whether a message names ``status_mail_id`` in In-Reply-To or References."""
    needle = status_mail_id.encode("utf-8", "replace")
    return needle in raw and status_mail_id in read_header_fields(raw).thread_ids


def _read_unread(service: Service, ingestor: Ingestor, status_mail_id: str) -> None:
    """Offer the mailbox's replies to the mail; those already read count as duplicates."""
    config = service.config
    if config.mailbox.source == "imap":
        with service.imap_source() as source:
            for folder in config.imap.folders:
                source.select(folder)
                uids = source.search_replies(status_mail_id)
                for uid, raw in source.fetch_bodies(uids):
                    ingestor.offer(RawMail(f"imap:{folder}:{uid}", raw))
        return
    path = config.path(config.mailbox.path)
    if not path.exists():
        return
    try:
        for mail in iter_paths([path]):
            if _answers(mail.raw, status_mail_id):
                ingestor.offer(mail)
    except OSError as exc:
        raise RelbotError(f"[mailbox] path {path}: {exc.strerror or exc}") from exc
