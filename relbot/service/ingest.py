"""The one path every incoming message takes, from a file, an mbox or IMAP.

For each message: a cheap header read decides whether it is already known,
whether a loop guard stops it, and whether it belongs to a status thread.
Only thread members are read in full and understood. A member's raw bytes,
the events it causes, its pending proposals and (for IMAP) the new sync
watermark are committed in one transaction, so a crash at any point followed
by a restart ends in the same state as no crash. A member that cannot be
understood is stored in quarantine with the reason, never dropped, and never
holds up the messages after it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.engine import Connection

from relbot.core.identity import Verification
from relbot.core.policy import Decision, granted, is_release_manager, may_be_from_rm
from relbot.core.replies.actions import REVIEW_KINDS, Action, ActionKind
from relbot.core.replies.message import Message, read_header_fields, read_message
from relbot.core.replies.quotes import split_body
from relbot.core.replies.reply import action_events, sender_of
from relbot.core.replies.screen import may_be_member, thread_keys
from relbot.core.replies.threads import (
    Guards,
    Membership,
    base_subject,
    guard_reason,
    thread_membership,
)
from relbot.edges.mailbox import RawMail
from relbot.edges.store.store import Store
from relbot.errors import RelbotError, UsageError
from relbot.service.budget import Budget, OverBudget
from relbot.service.history import History, apply_all
from relbot.service.ingest_report import IngestReport
from relbot.service.outbox import PREVIEW_ID, Outbox, review_by_mail
from relbot.service.parents import Parents
from relbot.service.safety import (
    ALREADY_READ,
    QUARANTINED,
    SCREEN_FAILED,
    UNPROCESSED,
    Boundary,
    compare_with_stored,
    failure,
    synthetic_id,
)
from relbot.service.understanding import (
    Claims,
    Proofs,
    _address,
    _hold_all,
    _said_in,
    agreed_evidence,
    decide_proposal,
    reply_rules,
    understand,
)
from relbot.service.units import Units
from relbot.service.wiring import Service

log = logging.getLogger("relbot.service.ingest")


OnCommit = Callable[[Connection], None]


#: parsed messages kept (text and sender, no other header) for the answers that follow them
PARSED_KEPT = 512
#: a Message-ID longer than a header line may be (RFC 5322) is keyed by a hash of it
MAX_ID_LENGTH = 998


def _own_id(found: str, header_bytes: bytes) -> str:
    msgid = found or synthetic_id(header_bytes)
    if len(msgid) > MAX_ID_LENGTH:  # longer than a header line: no index may choke on it
        msgid = synthetic_id(msgid.encode("utf-8", "replace"), "long-message-id")
    return msgid


class Ingestor(Boundary):
    """Reads messages into the store; one per run (it caches what it knows)."""

    def __init__(self, service: Service, *, now: Callable[[], dt.datetime]) -> None:
        self.service = service
        self.store: Store = service.store
        self.now = now
        self.rules = reply_rules(service)
        cfg = service.config
        self.guards = Guards(
            own_domain=cfg.mail.message_id_domain,
            own_addresses=(_address(cfg.mail.from_addr),),
        )
        self.list_tags = cfg.mail.list_tags
        self.max_bytes = cfg.parsing.max_message_bytes
        self.max_seconds = cfg.parsing.max_seconds_per_message
        self.report = IngestReport()
        self.history = History(self.store)
        #: one transaction per member, or batches of them (``units.batched()``)
        self.units = Units(self.store)
        policy = self.rules.policy
        self.parents = Parents(
            self.store, keep=PARSED_KEPT, asks=lambda fields: may_be_from_rm(fields, policy)
        )
        self.known: set[str] = self.store.known_message_ids()
        #: what a thread member proves of its sender ([trust]); non-members are never checked
        self.proofs = Proofs(service.sender_check(), self.store, keep=PARSED_KEPT)
        self.claims = Claims(self.store)
        self.refresh()

    def refresh(self) -> None:
        """Reload the status mails and thread ids (after a send, say)."""
        tracker = self.history.current()
        self.thread_ids: set[str] = set(self.known)
        self.thread_ids.update(m.message_id for m in tracker.status_mails)
        self.status_subjects = {
            base_subject(m.subject, self.list_tags) for m in tracker.status_mails if m.subject
        }
        release = tracker.release or self.service.config.release.name
        configured = self.service.config.mail.subject.replace("{release}", release)
        self.status_subjects.add(base_subject(configured, self.list_tags))

    # -- deciding from headers ---------------------------------------------

    def screen(self, header_bytes: bytes) -> tuple[str, Membership]:
        """(message id, membership) from the header block alone; counts it scanned.

        A mail whose id is stored already is a member to compare (``take``
        tells a copy from a different mail); one the screen fails on is a
        member to quarantine, so its body is fetched and kept.
        """
        self.report.scanned += 1
        msgid = ""
        try:
            # membership first, from the raw keys: only a possible member is decoded and guarded
            keys = thread_keys(header_bytes)
            if keys is not None:
                msgid = _own_id(keys.message_id, header_bytes)
                if msgid not in self.known and not may_be_member(
                    keys, self.thread_ids, self.status_subjects, PREVIEW_ID.match
                ):
                    return msgid, Membership(False)
            head = read_header_fields(header_bytes, screen=True)
            msgid = _own_id(head.message_id, header_bytes)
            reason = guard_reason(head, self.guards)
            if msgid in self.known and not reason:
                return msgid, Membership(True, 1.0, ALREADY_READ)
            if msgid in self.known:
                self.report.duplicates += 1  # our own mail, back from the list
                return msgid, Membership(False, 0.0, ALREADY_READ)
            return msgid, self._membership(head, reason)
        except Exception as exc:  # the rule at the boundary: keep the mail, read the next
            log.exception("the header screen failed on <%s>", msgid)
            return msgid or synthetic_id(header_bytes), Membership(
                True, 1.0, f"{SCREEN_FAILED}: {failure(exc)}"
            )

    def _membership(self, head: Message, reason: str | None) -> Membership:
        if reason:
            self.report.guarded += 1
            return Membership(False, 0.0, reason)
        preview = next((r for r in head.thread_ids if PREVIEW_ID.match(r)), "")
        if preview:
            return Membership(True, 1.0, f"answers the preview <{preview}>")
        return thread_membership(head, self.thread_ids, self.status_subjects, self.list_tags)

    # -- taking a whole message --------------------------------------------

    def offer(self, mail: RawMail, *, on_commit: OnCommit | None = None) -> str:
        """Screen and, if it is a thread member, take one message."""
        msgid, member = self.screen(mail.raw)
        if not member.member:
            if on_commit is not None:
                with self.units.unit() as conn:
                    on_commit(conn)
            return member.via or "not in a status thread"
        return self.take(mail, msgid, member, on_commit=on_commit)

    def take(
        self,
        mail: RawMail,
        msgid: str,
        member: Membership,
        *,
        on_commit: OnCommit | None = None,
    ) -> str:
        """Read, understand and store one thread member, in one transaction.

        Whatever goes wrong (any exception, or the time budget running out),
        the mail is kept with the reason and ``on_commit`` (the watermark) runs.
        """
        raw, problem, state = mail.raw, "", QUARANTINED
        budget = Budget(self.max_seconds)
        parsed: Message | None = None  # read already, to tell it from the mail stored
        try:
            # (or stored since the screen: two mails with one id in one fetch)
            if member.via == ALREADY_READ or msgid in self.known:
                self.units.flush()  # the stored mail may sit in the open batch
                again = compare_with_stored(self.store, raw, msgid, budget, self.list_tags)
                if again.copy or again.msg is None:
                    return self._copy(on_commit)
                member = self._membership(again.msg, guard_reason(again.msg, self.guards))
                if not member.member:
                    return self._skip(member, on_commit)
                self.report.lines.append(
                    f"<{msgid}>: Message-ID already used by a different mail; read as <{again.key}>"
                )
                msgid, parsed = again.key, again.msg
            self.report.members += 1
            if member.via.startswith(SCREEN_FAILED):
                problem = member.via
            elif len(raw) > self.max_bytes:
                problem = f"{len(raw)} bytes is over [parsing] max_message_bytes ({self.max_bytes})"
            else:
                with self.units.unit() as conn:
                    outcome = self._apply(
                        conn, raw, msgid, mail.origin, member, budget, parsed=parsed
                    )
                    if on_commit is not None:
                        on_commit(conn)
                self._remember(msgid)
                return outcome
        except OverBudget:
            problem = self._over_budget()
            state = UNPROCESSED
        except RelbotError as exc:
            problem = str(exc)
        except Exception as exc:  # the rule at the boundary: any failure keeps the mail
            log.exception("%s: could not process <%s>", mail.origin, msgid)
            problem = failure(exc)
        return self._keep(raw, msgid, mail.origin, problem, state, on_commit)

    def _remember(self, msgid: str) -> None:
        self.known.add(msgid)
        self.thread_ids.add(msgid)

    def _apply(
        self,
        conn: Connection,
        raw: bytes,
        msgid: str,
        origin: str,
        member: Membership,
        budget: Budget,
        *,
        parsed: Message | None = None,
    ) -> str:
        msg = parsed if parsed is not None else budget.run(lambda: read_message(raw))
        self.parents.keep(msg)
        verification = self.proofs.check(msg.message_id, raw)
        parent, parent_verification = self._parent(msg, conn)
        # events this transaction adds are read back by the next call, once
        # committed: the history never holds what a rollback took away
        tracker = self.history.current(conn)
        self.claims.update(self.history.events, conn)
        rules = replace(self.rules, claimed=self.claims.pairs)
        result = budget.run(
            lambda: understand(
                msg,
                tracker,
                self.history.events,
                rules,
                self.now().date(),
                shown=self.history.shown,
                parent=parent,
                verification=verification,
                parent_verification=parent_verification,
            )
        )
        if member.confidence < 1.0:
            result = _hold_all(result, f"in the thread only by its subject ({member.via})")
        if not self.store.record_message(
            conn,
            message_id=msgid,
            raw=raw,
            state="read",
            at=self.now(),
            origin=origin,
            subject=msg.subject,
            from_addr=verification.author or msg.from_addr,
            verification=verification.summary(),
        ):
            self.report.duplicates += 1
            return "already read"
        counts = {Decision.APPLY: 0, Decision.PENDING: 0, Decision.IGNORE: 0}
        for decided in result.actions:
            action = decided.action
            decision = decided.decision
            if decision is Decision.APPLY and action.kind in REVIEW_KINDS:
                self._review(conn, action, result.sender, msg.thread_ids)
            elif decision is Decision.APPLY:
                stored = self.store.append_events(
                    conn,
                    action_events(
                        action,
                        tracker,
                        actor=action.who or result.sender,
                        source=msgid,
                        at=self.now(),
                        triage_section=self.rules.triage_section,
                    ),
                )
                tracker = apply_all(tracker, stored)
            elif decision is Decision.PENDING:
                self.store.add_proposal(
                    conn,
                    message_id=msgid,
                    item=action.item,
                    action=action.kind.value,
                    value=dict(action.value),
                    who=action.who,
                    evidence=action.evidence,
                    confidence=action.confidence,
                    reason=decided.reason,
                    at=self.now(),
                )
            counts[decision] += 1
        counts[Decision.APPLY] += self._agreement(conn, msg, verification)
        state = (
            "applied"
            if counts[Decision.APPLY]
            else ("pending" if counts[Decision.PENDING] else "ignored")
        )
        self.store.update_message(conn, msgid, state=state, reason="; ".join(result.notes))
        self.report.applied += counts[Decision.APPLY]
        self.report.pending += counts[Decision.PENDING]
        self.report.ignored += counts[Decision.IGNORE]
        line = (
            f"<{msgid}> from {result.sender}: {counts[Decision.APPLY]} applied, "
            f"{counts[Decision.PENDING]} pending, {counts[Decision.IGNORE]} ignored"
        )
        self.report.lines.append(line)
        return line

    def _agreement(self, conn: Connection, msg: Message, verification: Verification) -> int:
        """An RM's "Thanks, I've updated the list" accepts what the answered mail proposed.

        Under a quote, the agreement covers the proposals whose evidence that
        quote holds; written above the whole quote (top-posted), everything
        the answered mail proposed. Like any RM decision it needs a verified
        sender where ``[trust]`` says so.
        """
        sender = sender_of(msg, verification)
        if not msg.in_reply_to or not is_release_manager(sender, self.rules.policy):
            return 0
        parent = msg.in_reply_to[0]
        waiting = self.store.proposals("pending", conn, message_id=parent)
        if not waiting:
            return 0
        agreed = agreed_evidence(split_body(msg.text))
        decision, why = granted("release_manager", "agreement", sender, self.rules.policy)
        if agreed is not None and decision is not Decision.APPLY:
            self.report.lines.append(f"agreement by {sender.addr} not taken: {why}")
            return 0
        accepted = 0
        for proposal in waiting:
            if agreed is None or not any(_said_in(proposal.evidence, q) for q in agreed):
                continue
            try:
                decide_proposal(
                    self.store, conn, proposal.id, accept=True, by=sender.name, now=self.now()
                )
            except UsageError as exc:
                self.report.lines.append(f"agreement by {sender.name}: {exc}")
            else:
                accepted += 1
        return accepted

    def _parent(self, msg: Message, conn: Connection) -> tuple[Message | None, Verification | None]:
        """The mail this one answers, when it was read before (its quote explains a
        "yes"), and what it proved of its sender when a release manager may have sent it."""
        if not msg.in_reply_to or self.history.tracker.status_mail(msg.in_reply_to[0]):
            return None, None  # an answer to the status mail itself: its quote is the context
        parent = self.parents.get(msg.in_reply_to[0], conn)
        if parent is None or parent.message_id in self.parents.header_only:
            return parent, None
        return parent, self.proofs.of(parent, conn)

    def _review(self, conn: Connection, action: Action, by: str, refs: Sequence[str]) -> None:
        """An RM's review command by mail: the same as on the command line."""
        if action.kind in (ActionKind.ACCEPT, ActionKind.REJECT):
            proposal_id = int(action.value.get("id", 0) or 0)
            accept = action.kind is ActionKind.ACCEPT
            try:
                decide_proposal(self.store, conn, proposal_id, accept=accept, by=by, now=self.now())
            except UsageError as exc:
                self.report.lines.append(f"{action.kind.value} {proposal_id}: {exc}")
            return
        hold = action.kind is ActionKind.HOLD
        self.report.lines.append(review_by_mail(Outbox(self.store), conn, hold, by, refs))
