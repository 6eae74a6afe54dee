"""One thread member understood against the tracker: the reply pipeline of the core run
with the project's rules, each proposal decided by the policy, and a release manager's
agreement read from the quoted answer it sits under.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.engine import Connection

from relbot.core.identity import Verification
from relbot.core.policy import Decision, claimed_by_address
from relbot.core.replies.actions import REVIEW_KINDS, Action, ActionKind
from relbot.core.replies.confirm import confirms_update
from relbot.core.replies.message import Message
from relbot.core.replies.quotes import Block, BlockKind, quote_text
from relbot.core.replies.reply import (
    ReplyResult,
    ReplyRules,
    action_events,
    understand_reply,
)
from relbot.core.tracker.events import Event, Kind, fold
from relbot.core.tracker.model import Milestone, Tracker
from relbot.edges.store.store import Store
from relbot.errors import UsageError
from relbot.service.wiring import Service


def reply_rules(service: Service) -> ReplyRules:
    cfg = service.config
    return ReplyRules(
        prefix=cfg.parsing.command_prefix,
        threshold=cfg.parsing.confidence_threshold,
        tracker_prefixes=cfg.parsing.tracker_prefixes,
        release_managers=cfg.people.release_managers,
        aliases=cfg.people.aliases,
        freeze_milestone=cfg.release.freeze_milestone,
        milestones=tuple(Milestone(m.when, m.label, m.date) for m in cfg.release.milestones),
        trust=cfg.trust,
    )


class Proofs:
    """What each message read proved of its sender, kept for the answers that follow it."""

    def __init__(self, check: Callable[[bytes], Verification], store: Store, keep: int) -> None:
        self.check_raw = check
        self.store = store
        self.keep = keep
        self._seen: dict[str, Verification] = {}

    def check(self, message_id: str, raw: bytes) -> Verification:
        proof = self._seen[message_id] = self.check_raw(raw)
        while len(self._seen) > self.keep:
            del self._seen[next(iter(self._seen))]
        return proof

    def of(self, parent: Message | None, conn: Connection) -> Verification | None:
        """What an answered mail proved of its sender: a forged question asks nothing."""
        if parent is None:
            return None
        proof = self._seen.get(parent.message_id)
        if proof is None:
            raw = self.store.message_raw(parent.message_id, conn)
            proof = self.check_raw(raw) if raw is not None else None
        return proof


class Claims:
    """Who took which item by mail, from which address: an owner's powers by address.

    Read from the events as they grow (a claim's or new item's mail gives the
    address; not when the RM accepted it as a proposal); the pairs go into
    ``ReplyRules.claimed``.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        self._done = 0
        self._last: Event | None = None

    def update(self, events: Sequence[Event], conn: Connection | None = None) -> None:
        """Take in the events not read yet (all again if the history was read afresh)."""
        done = self._done
        if done > len(events) or (done and events[done - 1] is not self._last):
            self.pairs, done = {}, 0
        new = [e for e in events[done:] if e.kind in (Kind.CLAIM, Kind.ADD) and e.item]
        self._done = len(events)
        self._last = events[-1] if events else None
        if not new:
            return
        # what the RM accepted from a mail was not the sender's to take: a claim
        # for someone else, another's new item
        accepted = {
            (p.message_id, p.action)
            for p in self.store.proposals("accepted", conn)
            if p.action in ("claim", "add")
        }
        new = [e for e in new if (e.source, e.kind.value) not in accepted]
        authors = self.store.message_authors({e.source for e in new}, conn)
        for item, pairs in claimed_by_address(new, authors).items():
            self.pairs[item] = tuple(dict.fromkeys(self.pairs.get(item, ()) + pairs))


def agreed_evidence(blocks: Sequence[Block]) -> list[str] | None:
    """The quoted text an RM's agreeing words stand under; None: no agreement.

    A top-posted agreement (no quote above it) stands for the whole mail, an
    empty string that every evidence is "said in".
    """
    agreed: list[str] = []
    quote = ""
    seen_quote = False
    for block in blocks:
        if block.kind is BlockKind.QUOTE:
            quote = " ".join(quote_text(block).split())
            seen_quote = True
            continue
        if confirms_update(quote_text(block)):
            agreed.append(quote if seen_quote else "")
    return agreed or None


def _said_in(evidence: str, quote: str) -> bool:
    if not quote:
        return True
    words = " ".join(evidence.split())
    return bool(words) and words[:60] in quote


def understand(
    msg: Message,
    tracker: Tracker,
    events: list[Event],
    rules: ReplyRules,
    today: dt.date,
    *,
    shown: Callable[[int], Tracker | None] | None = None,
    parent: Message | None = None,
    verification: Verification | None = None,
    parent_verification: Verification | None = None,
) -> ReplyResult:
    """Understand a reply against the status mail it answers (else the tracker).

    ``shown(event_count)`` gives the state a status mail showed; by default
    ``events`` are folded up to it. ``parent`` is the mail it answers, if read.
    ``verification``: what the mail proved of its sender (``parent_verification``: the
    answered mail, of its own).
    """
    replied: Tracker | None = None
    for ref in msg.thread_ids:
        mail = tracker.status_mail(ref)
        if mail is not None:
            if shown is not None:
                replied = shown(mail.event_count)
            elif mail.event_count:
                replied = fold(events[: mail.event_count])
            break
    return understand_reply(
        msg,
        tracker=tracker,
        replied_state=replied,
        rules=rules,
        today=today,
        parent=parent,
        verification=verification,
        parent_verification=parent_verification,
    )


def decide_proposal(
    store: Store, conn: Connection, proposal_id: int, *, accept: bool, by: str, now: dt.datetime
) -> list[Event]:
    """Accept (apply) or reject one pending proposal, inside ``conn``'s transaction."""
    row = store.proposal(proposal_id, conn)
    if row is None:
        raise UsageError(f"no proposal {proposal_id} (see `relbot pending`)")
    if row.state != "pending":
        raise UsageError(f"proposal {proposal_id} is already {row.state}")
    stored: list[Event] = []
    if accept and ActionKind(row.action) in REVIEW_KINDS:
        # a mailed review command held for its sender (not verified): the RM
        # does it directly, then rejects the held copy
        what = row.action if row.action in ("hold", "approve") else f"{row.action} ID"
        raise UsageError(
            f"proposal {proposal_id} is a mailed '#relbot {row.action}' held because of "
            f"its sender ({row.reason}); to do it, run `relbot {what}`, then "
            f"`relbot reject {proposal_id}`"
        )
    if accept:
        action = Action(
            kind=ActionKind(row.action),
            item=row.item,
            value=row.value or {},
            who=row.who,
            evidence=row.evidence,
            confidence=row.confidence,
        )
        tracker = store.tracker(conn)
        events = action_events(
            action, tracker, actor=row.who or by, source=row.message_id or "cli", at=now
        )
        if not events:
            raise UsageError(
                f"proposal {proposal_id} no longer applies"
                + (f" ({row.item} is not in the tracker)" if row.item else "")
            )
        stored = store.append_events(conn, events)
    store.decide_proposal(
        conn, proposal_id, state="accepted" if accept else "rejected", by=by, at=now
    )
    return stored


def _hold_all(result: ReplyResult, reason: str) -> ReplyResult:
    held = tuple(
        replace(d, decision=Decision.PENDING, reason=reason)
        if d.decision is Decision.APPLY and d.action.kind not in REVIEW_KINDS
        else d
        for d in result.actions
    )
    return replace(result, actions=held)


def _address(entry: str) -> str:
    return email.utils.parseaddr(entry)[1].lower()
