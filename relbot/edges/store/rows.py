"""Rows as the store hands them out: stored messages, proposals waiting for review, and
events read back from their table.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from relbot.core.tracker.events import Event, Kind
from relbot.edges.store.schema import (
    from_utc,
)


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    message_id: str
    origin: str
    subject: str
    from_addr: str
    received_at: dt.datetime
    state: str
    reason: str
    #: what the mail proved of its sender: "pass (dkim, example.org)", "fail: ..."
    verification: str = ""


@dataclass(frozen=True, slots=True)
class ProposalRow:
    id: int
    message_id: str
    item: str | None
    action: str
    value: Any
    who: str
    evidence: str
    confidence: float
    reason: str
    state: str
    created_at: dt.datetime


def event_from_row(r: Any) -> Event:
    return Event(
        kind=Kind(r.kind),
        at=from_utc(r.at) or dt.datetime.min.replace(tzinfo=dt.UTC),
        actor=r.actor,
        source=r.source,
        item=r.item,
        data=json.loads(r.data),
        seq=int(r.seq),
    )


def proposal_from_row(r: Any) -> ProposalRow:
    return ProposalRow(
        id=int(r.id),
        message_id=r.message_id,
        item=r.item,
        action=r.action,
        value=json.loads(r.value),
        who=r.who,
        evidence=r.evidence,
        confidence=float(r.confidence),
        reason=r.reason,
        state=r.state,
        created_at=from_utc(r.created_at) or dt.datetime.min,
    )
