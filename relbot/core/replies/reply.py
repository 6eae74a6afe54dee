"""From one list reply to decided actions, and from an action to tracker events.

``understand_reply`` runs the stages in order: quoted and new text
(``quotes``), the item each block answers (``context``), explicit commands
(``commands``), plain words (``actions``) and who may do what (``policy``).
It reads the status mail the reply answers (``replied_state``) for context
and decides against the current tracker, so an item closed since then is
noticed. ``action_events`` turns an applied (or RM-accepted) action into the
events the store records. Nothing here raises on what a person wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from relbot.core.identity import Verification
from relbot.core.people import MAX_NAME, Sender
from relbot.core.policy import (
    Decision,
    Policy,
    claimed_by_address,
    decide,
    granted,
    is_release_manager,
    role_of,
)
from relbot.core.replies.action_base import bounded
from relbot.core.replies.actions import (
    MAX_SENTENCES,
    REVIEW_KINDS,
    Action,
    ActionKind,
    Reading,
    infer_actions,
)
from relbot.core.replies.answers import agreed_answers, answered_questions
from relbot.core.replies.commands import read_commands
from relbot.core.replies.context import Context, attribute_blocks, build_index
from relbot.core.replies.leads import status_note, with_stanza
from relbot.core.replies.message import Message
from relbot.core.replies.quotes import MAX_LINES, BlockKind, split_body, within_lines
from relbot.core.settings import TrustConfig
from relbot.core.tracker.events import Event, Kind, apply_event
from relbot.core.tracker.model import Milestone, Status, Tracker


@dataclass(frozen=True, slots=True)
class ReplyRules:
    """Everything from config that reading a reply depends on."""

    prefix: str = "#relbot"
    threshold: float = 0.8
    tracker_prefixes: tuple[str, ...] = ()
    #: "Name <addr>" of each release manager
    release_managers: tuple[str, ...] = ()
    #: person -> the addresses they write from
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    freeze_milestone: str = "Feature Freeze"
    #: the release timeline; empty: the tracker's own
    milestones: tuple[Milestone, ...] = ()
    #: where candidate bugs and unplaced new items go until the RM moves them
    triage_section: str = "known bugs"
    #: ``[trust]``: whose powers need a verified sender
    trust: TrustConfig = field(default_factory=TrustConfig)
    #: item id -> (owner, address) of who took it by mail (``policy.claimed_by_address``)
    claimed: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, hash=False)

    @property
    def policy(self) -> Policy:
        return Policy(
            release_managers=self.release_managers,
            aliases=self.aliases,
            threshold=self.threshold,
            freeze_milestone=self.freeze_milestone,
            milestones=self.milestones,
            trust=self.trust,
            claimed=self.claimed,
        )


@dataclass(frozen=True, slots=True)
class DecidedAction:
    action: Action
    decision: Decision
    reason: str
    #: the role the sender acted in: release_manager, owner or anyone
    role: str = ""


@dataclass(frozen=True, slots=True)
class ReplyResult:
    message_id: str
    sender: str
    actions: tuple[DecidedAction, ...] = ()
    notes: tuple[str, ...] = ()
    #: item id -> its text, for showing what an action is about
    item_texts: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: what the mail proved of its sender; None: not checked
    verification: Verification | None = None

    def to_json(self) -> dict[str, Any]:
        proof = self.verification
        return {
            "message_id": self.message_id,
            "from": self.sender,
            "verification": proof.as_dict() if proof is not None else None,
            "actions": [
                {
                    "item": d.action.item,
                    "item_text": self.item_texts.get(d.action.item) if d.action.item else None,
                    "action": d.action.kind.value,
                    "value": _plain(d.action.value),
                    "who": d.action.who,
                    "evidence": d.action.evidence,
                    "confidence": round(d.action.confidence, 3),
                    "decision": d.decision.value,
                    "reason": d.reason,
                    "role": d.role,
                    "verified": proof.summary() if proof is not None else "not checked",
                }
                for d in self.actions
            ],
            "notes": list(self.notes),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def sender_of(message: Message, verification: Verification | None = None) -> Sender:
    """Who sent it: with a verification, the address it proved (or the From it kept)."""
    name = " ".join(message.from_name.split())
    addr = message.from_addr.strip()
    if verification is not None:
        addr = verification.author
        name = " ".join(verification.name.split()) or name
    if len(name) > MAX_NAME:  # a mangled header, not a name: the address names them
        name = ""
    if not name and addr:
        name = addr.split("@", 1)[0].replace(".", " ").title()
    return Sender(name, addr, verification)


def understand_reply(
    message: Message,
    *,
    tracker: Tracker,
    replied_state: Tracker | None,
    rules: ReplyRules,
    today: dt.date,
    parent: Message | None = None,
    verification: Verification | None = None,
    parent_verification: Verification | None = None,
) -> ReplyResult:
    """The actions a reply proposes, each decided by the policy. Never raises.

    ``parent`` is the mail the reply answers, when it is known: a bare "Yes"
    under a release manager's question takes its meaning from the question,
    and its item from what the question was asked under. ``verification`` is
    what the mail proved of its sender (``relbot.core.identity``), and
    ``parent_verification`` what the answered mail proved of its own.
    """
    sender = sender_of(message, verification)
    shown = replied_state or tracker
    who = sender.name or sender.addr or "unknown"
    notes: list[str] = []
    proposed: list[Action] = []
    message = _within_line_limit(message, notes)
    if parent is not None:
        parent = _within_line_limit(parent, [])
    blocks = split_body(message.text)
    index = build_index(shown)
    contexts = attribute_blocks(blocks, index)
    reading = Reading(
        sender=who,
        tracker=tracker,
        index=index,
        tracker_prefixes=rules.tracker_prefixes,
        thread_ids=frozenset(message.thread_ids) | {message.message_id},
    )
    budget = [MAX_SENTENCES]
    managing = is_release_manager(sender, rules.policy)  # the RM writes notes directly
    for block, ctx in zip(blocks, contexts, strict=True):
        if block.kind is not BlockKind.TEXT or ctx is None:
            continue
        try:
            found = _read_block(block.lines, block.line_no, ctx, reading, rules, notes, budget)
            # status said in words no cue reads waits as a note on the quoted item
            spoken = managing or any(
                a.item == ctx.item_id and a.kind is not ActionKind.LINK for a in found
            )
            taken = frozenset(a.line_no for a in found)
            said = [] if spoken else status_note(block.lines, block.line_no, ctx, reading, taken)
            proposed += [*found, *said]
        except Exception as exc:  # a bug must not lose the rest of the mail
            notes.append(
                f"line {block.line_no}: could not read this block ({exc.__class__.__name__})"
            )
    if parent is not None and _asked_by_rm(parent, parent_verification, rules.policy):
        for lines, line_no, ctx in answered_questions(blocks, contexts, parent, index):
            proposed += _read_block(lines, line_no, ctx, reading, rules, notes, budget)
    if parent is None and is_release_manager(sender, rules.policy):
        # the answered mail is not at hand: the answer quoted above the RM's
        # "Thanks, I've updated the list" is what the RM agreed to
        proposed += agreed_answers(message.text, blocks, contexts, proposed, reading, budget)
    proposed = with_stanza(proposed, blocks, reading)  # answers to an S:/O:/P: template
    proposed = bounded(proposed, notes)
    decided = _decide_all(proposed, sender, tracker, rules, today, notes)
    texts = {
        it.id: it.text
        for state in (shown, tracker)
        for it in state.items
        if any(d.action.item == it.id for d in decided)
    }
    return ReplyResult(
        message.message_id, sender.from_line, tuple(decided), tuple(notes), texts, verification
    )


def _within_line_limit(message: Message, notes: list[str]) -> Message:
    """The message with its text cut after ``MAX_LINES`` lines that are not blank."""
    read, rest = within_lines(message.text)
    if not rest:
        return message
    total = message.text.count("\n") + 1
    notes.append(
        f"only the first {read.count(chr(10)) + 1:,} lines of {total:,} "
        f"were read ({MAX_LINES:,} with words on them)"
    )
    return replace(message, text=read)


def _read_block(
    lines: Sequence[str],
    first_line: int,
    ctx: Context,
    reading: Reading,
    rules: ReplyRules,
    notes: list[str],
    budget: list[int],
) -> list[Action]:
    """Commands and plain words of one block; ``budget`` is the sentences left to read."""
    found = read_commands(
        lines,
        first_line,
        ctx,
        prefix=rules.prefix,
        sender=reading.sender,
        tracker=reading.tracker,
        tracker_prefixes=rules.tracker_prefixes,
    )
    notes += found.notes
    # command lines are blanked, not removed, so line numbers stay true
    plain = ["" if first_line + i in found.lines else line for i, line in enumerate(lines)]
    inferred: tuple[Action, ...] = ()
    if any(plain) and budget[0] > 0:
        inferred, read = infer_actions(plain, first_line, ctx, reading, budget[0])
        budget[0] -= read
        if budget[0] <= 0:
            notes.append(
                f"line {first_line}: only the first {MAX_SENTENCES} sentences were read for "
                "plain-language changes; commands are read on every line read"
            )
    if found.actions:
        # an explicit command says what the block means; words beside it only explain
        commanded = {(a.kind, a.item) for a in found.actions}
        inferred = tuple(a for a in inferred if (a.kind, a.item) not in commanded)
    return [*found.actions, *inferred]


def _asked_by_rm(parent: Message, proof: Verification | None, policy: Policy) -> bool:
    """The answered mail is a release manager's, as far as it proves it."""
    asker = sender_of(parent, proof)
    if not is_release_manager(asker, policy):
        return False
    return granted("release_manager", "asked", asker, policy)[0] is Decision.APPLY


def _decide_all(
    proposed: Sequence[Action],
    sender: Sender,
    tracker: Tracker,
    rules: ReplyRules,
    today: dt.date,
    notes: list[str],
) -> list[DecidedAction]:
    """Decide in order, each against the tracker as the ones before left it."""
    state = tracker
    out: list[DecidedAction] = []
    policy = rules.policy
    at = dt.datetime.combine(today, dt.time())
    for action in proposed:
        if action.item and tracker.item(action.item) is None:
            notes.append(
                f"line {action.line_no}: {action.kind.value} for {action.item}, "
                "which is no longer in the tracker"
            )
        decision, reason = decide(action, sender=sender, tracker=state, policy=policy, today=today)
        role = role_of(action, sender, state, policy)
        out.append(DecidedAction(action, decision, reason, role))
        if decision is Decision.APPLY:
            events = action_events(
                action,
                state,
                actor=sender.name,
                source="",
                at=at,
                triage_section=rules.triage_section,
            )
            for event in events:
                state = apply_event(state, event)
            # what the sender took in this mail is theirs for the rest of it
            taken = claimed_by_address(events, {"": sender.addr})
            if taken:
                merged = dict(policy.claimed)
                for item_id, pairs in taken.items():
                    merged[item_id] = merged.get(item_id, ()) + pairs
                policy = replace(policy, claimed=merged)
    return out


def action_events(
    action: Action,
    tracker: Tracker,
    *,
    actor: str,
    source: str,
    at: dt.datetime,
    triage_section: str = "known bugs",
) -> tuple[Event, ...]:
    """The events that carry out an action; review commands are the caller's."""
    if action.kind in REVIEW_KINDS:
        return ()
    value = action.value

    def ev(kind: Kind, item: str | None = action.item, **data: Any) -> Event:
        return Event(kind=kind, at=at, actor=actor, source=source, item=item, data=data)

    def pick(*keys: str) -> dict[str, Any]:
        return {k: _plain(value[k]) for k in keys if value.get(k)}

    item = tracker.item(action.item) if action.item else None
    match action.kind:
        case ActionKind.CLAIM if item is not None:
            events = [ev(Kind.CLAIM, owner=str(value.get("owner") or actor))]
            if item.status is Status.OPEN:
                events.append(ev(Kind.STATUS, status=Status.IN_PROGRESS.value))
            return tuple(events)
        case ActionKind.UNCLAIM if item is not None:
            return (ev(Kind.UNCLAIM, owner=str(value.get("owner") or actor)),)
        case ActionKind.STATUS | ActionKind.CORRECTION if item is not None:
            return (ev(Kind.STATUS, **pick("status", "version", "release", "note")),)
        case ActionKind.LINK if item is not None:
            return (ev(Kind.LINK, **pick("url", "message_id", "tracker_id", "title")),)
        case ActionKind.NOTE if item is not None:
            return (ev(Kind.NOTE, text=str(value.get("text", ""))),)
        case ActionKind.ADD:
            data = pick("text", "owners", "tags", "links", "status", "version")
            parent = str(value.get("parent") or "")
            section = str(value.get("section") or triage_section)
            return (
                ev(
                    Kind.ADD,
                    None,
                    id=tracker.new_item_id(),
                    section=section,
                    parent=parent if tracker.item(parent) else None,
                    **data,
                ),
            )
        case ActionKind.CANDIDATE_BUG:
            link = pick("url", "message_id", "tracker_id")
            parent = str(value.get("parent") or "")
            return (
                ev(
                    Kind.ADD,
                    None,
                    id=tracker.new_item_id(),
                    section=str(value.get("section") or triage_section),
                    parent=parent if tracker.item(parent) else None,
                    text=str(value.get("title") or link.get("url") or ""),
                    tags=["BUG"],
                    links=[link] if link else [],
                ),
            )
    return ()
