"""Replies read before the status mail they answer was imported, read again once it is.

A reply that arrives before its status mail is imported has nothing to be
understood against: its actions wait without an item, or go nowhere. When the
status mail then arrives, each reply that names it (In-Reply-To or References)
is taken back (its events undone, its pending proposals superseded) and read
again through the ingest path, as if it had come after the mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from relbot.core.replies.message import read_header_fields
from relbot.core.tracker.events import Event, Kind
from relbot.service.ingest import Ingestor
from relbot.service.wiring import Service

#: the states of messages that were read (not our own, not a status mail)
_READ_STATES = frozenset({"read", "applied", "pending", "ignored"})
#: what a superseded proposal is marked; `relbot accept` says it is already that
SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Reread:
    replies: int = 0
    applied: int = 0
    pending: int = 0
    ignored: int = 0
    quarantined: int = 0

    def summary(self) -> str:
        return (
            f"read again {self.replies} replies to it: applied {self.applied}, "
            f"pending {self.pending}, ignored {self.ignored}, quarantined {self.quarantined}"
        )


def reread_answers(service: Service, status_mail_id: str, *, now: dt.datetime) -> Reread:
    """Read again every stored reply that answers ``status_mail_id``, oldest first."""
    store = service.store
    needle = status_mail_id.encode("utf-8", "replace")
    answers = []
    for row in store.messages():
        if row.state not in _READ_STATES:
            continue
        raw = store.message_raw(row.id) or b""
        if needle in raw and status_mail_id in read_header_fields(raw).thread_ids:
            answers.append(row)
    if not answers:
        return Reread()
    events = store.events()
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
            reason = f"read again: the status mail <{status_mail_id}> it answers arrived"
            store.update_message(conn, row.message_id, state="quarantined", reason=reason)
    ingestor = Ingestor(service, now=lambda: now)
    for row in answers:
        ingestor.retry(row.id)
    report = ingestor.report
    stuck = {m.message_id for m in store.messages("quarantined")}
    quarantined = sum(1 for row in answers if row.message_id in stuck)
    return Reread(len(answers), report.applied, report.pending, report.ignored, quarantined)
