"""Who may do what: apply an action now, hold it for the release manager, or ignore it.

Three roles: release managers (the addresses config gives them), the owners
of an item (the addresses config lists for the person an owner string names:
"Ian J", "IanJ" and "Ian Jackson" are one person), and everyone else; a
display name alone gives no role. Where ``[trust]`` says a role's powers need
a verified sender and the mail did not prove its sender, what it asks for
waits for the RM: "sender not verified". The RM may do anything; an owner
may update their own items; anyone may claim an unowned item for themselves
and point at bugs. After the freeze milestone new items from anyone but an
RM wait for one. Anything else, and anything less sure than the threshold,
waits. What would change nothing (a
claim already held, a duplicate link, a transition the table forbids) is
ignored, with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from relbot.core.people import (
    MAX_NAME,
    Sender,
    is_owner_address,
    is_release_manager_address,
    names_match,
    same_person,
)
from relbot.core.replies.action_base import REVIEW_KINDS, Action, ActionKind
from relbot.core.replies.headers import parse_addresses
from relbot.core.settings import TrustConfig, TrustRole
from relbot.core.tracker.events import Event, Kind
from relbot.core.tracker.model import Item, Link, Milestone, Status, Tracker, can_transition


class Decision(StrEnum):
    APPLY = "apply"
    PENDING = "pending"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Policy:
    """The parts of config the decision needs."""

    release_managers: tuple[str, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    threshold: float = 0.8
    freeze_milestone: str = "Feature Freeze"
    #: the timeline to find the freeze in; empty: the tracker's own
    milestones: tuple[Milestone, ...] = ()
    #: which roles' powers need a verified sender
    trust: TrustConfig = field(default_factory=TrustConfig)
    #: item id -> (owner, address) pairs: who took the item by mail, and from where
    claimed: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, hash=False)


def is_release_manager(sender: Sender, policy: Policy) -> bool:
    """By address only: the RM's own, or an alias listed under the RM's name."""
    return is_release_manager_address(sender.addr, policy.release_managers, policy.aliases)


#: the header fields a mail's author may be read from ([trust] reads X-Original-From
#: and Reply-To under a list's own From)
AUTHOR_FIELDS = frozenset({"from", "reply-to", "x-original-from", "sender"})


def may_be_from_rm(fields: Sequence[tuple[str, str]], policy: Policy) -> bool:
    """Whether any address a mail's author could be read from is a release manager's.

    ``fields``: (lower-cased name, value) pairs of its header. False means no
    verification can make the mail a release manager's.
    """
    return any(
        is_release_manager_address(addr, policy.release_managers, policy.aliases)
        for name, value in fields
        if name in AUTHOR_FIELDS
        for _, addr in parse_addresses(value)
    )


def owns(item: Item, sender: Sender, tracker: Tracker, policy: Policy) -> bool:
    """The sender's address is an owner's of the item or of one it is part of."""
    current: Item | None = item
    seen: set[str] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if any(
            is_owner_address(
                o, sender.addr, release_managers=policy.release_managers, aliases=policy.aliases
            )
            for o in current.owners
        ):
            return True
        if _took(current, sender, policy):
            return True
        current = tracker.item(current.parent) if current.parent else None
    return False


def _took(item: Item, sender: Sender, policy: Policy) -> bool:
    """The sender's address took this item by mail, as an owner it still has."""
    addr = sender.addr.strip().lower()
    return bool(addr) and any(
        took == addr and any(o == owner or names_match(o, owner) for o in item.owners)
        for owner, took in policy.claimed.get(item.id, ())
    )


def is_frozen(today: dt.date, policy: Policy, tracker: Tracker) -> bool:
    """Past the freeze milestone; a freeze with no date counts as past.

    A timeline without the configured label ("Hard code freeze", "Code freeze")
    freezes at its first milestone that is a freeze of any kind.
    """
    wanted = policy.freeze_milestone.lower().strip()
    stones = policy.milestones or tracker.milestones
    found = next((s for s in stones if wanted and wanted in s.label.lower()), None)
    if found is None:
        found = next((s for s in stones if "freeze" in s.label.lower()), None)
    return found is not None and (found.date is None or today >= found.date)


def _noop(action: Action, item: Item, sender: Sender, policy: Policy) -> str:
    """Why the action would change nothing, or ''."""
    value = action.value
    if action.kind in (ActionKind.STATUS, ActionKind.CORRECTION):
        try:
            new = Status(str(value.get("status", "")))
        except ValueError:
            return f"unknown status {value.get('status')!r}"
        if new == item.status:
            same_version = str(value.get("version", item.version)) == item.version
            same_release = str(value.get("release", item.release)) == item.release
            if same_version and same_release:
                return f"{item.id} is already {new.value}"
        elif not can_transition(item.status, new):
            return f"{item.id} cannot go from {item.status.value} to {new.value}"
    elif action.kind in (ActionKind.CLAIM, ActionKind.UNCLAIM) and (
        len(str(value.get("owner", ""))) > MAX_NAME
    ):
        return f"{len(str(value.get('owner', ''))):,} characters are not a person's name"
    elif action.kind is ActionKind.CLAIM:
        claimant = str(value.get("owner", ""))
        if any(names_match(o, claimant) or names_match(claimant, o) for o in item.owners):
            return f"{item.id} is already owned by {claimant}"
    elif action.kind is ActionKind.UNCLAIM:
        leaver = str(value.get("owner", ""))
        if not any(names_match(o, leaver) or names_match(leaver, o) for o in item.owners):
            return f"{leaver} does not own {item.id}"
    elif action.kind is ActionKind.LINK:
        link = Link(
            **{k: str(value.get(k, "")) for k in ("url", "message_id", "tracker_id", "title")}
        )
        # the same mail by its URL or by its Message-ID is the same link
        if any(_link_names(x) & _link_names(link) for x in item.links):
            return f"{item.id} already links {link.key}"
    elif action.kind is ActionKind.NOTE and str(value.get("text", "")).strip() in item.notes:
        return f"{item.id} already has that note"
    return ""


def _known_pointer(action: Action, tracker: Tracker) -> str:
    keys = {str(action.value.get(k, "")) for k in ("url", "message_id", "tracker_id")} - {""}
    for it in tracker.items:
        if any(x.key in keys for x in it.links):
            return it.id
    return ""


def decide(
    action: Action,
    *,
    sender: Sender,
    tracker: Tracker,
    policy: Policy,
    today: dt.date,
) -> tuple[Decision, str]:
    """The decision on one action, with a reason a person can read."""
    rm = is_release_manager(sender, policy)
    if action.kind in REVIEW_KINDS:
        if rm:
            return granted("release_manager", "release manager", sender, policy)
        return Decision.IGNORE, f"only a release manager may {action.kind.value}"
    item = tracker.item(action.item) if action.item else None
    if action.item and item is None:
        return Decision.IGNORE, f"{action.item} is not in the tracker"
    if item is not None:
        why = _noop(action, item, sender, policy)
        if why:
            return Decision.IGNORE, why
    if action.kind is ActionKind.CANDIDATE_BUG:
        known = _known_pointer(action, tracker)
        if known:
            return Decision.IGNORE, f"already tracked under {known}"
    if action.confidence < policy.threshold:
        return (
            Decision.PENDING,
            f"confidence {action.confidence:.2f} is below {policy.threshold:.2f}",
        )
    if item is None and action.kind not in (ActionKind.ADD, ActionKind.CANDIDATE_BUG):
        return Decision.PENDING, "no item: the release manager decides which one is meant"
    if rm:
        return granted("release_manager", "release manager", sender, policy)
    return _by_role(action, item, sender, tracker, policy, today)


def _by_role(
    action: Action,
    item: Item | None,
    sender: Sender,
    tracker: Tracker,
    policy: Policy,
    today: dt.date,
) -> tuple[Decision, str]:
    if action.kind is ActionKind.ADD:
        if is_frozen(today, policy, tracker):
            return Decision.PENDING, f"after {policy.freeze_milestone} new items wait for the RM"
        owners: Sequence[str] = action.value.get("owners", ())
        if owners and all(same_person(o, sender, policy.aliases) for o in owners):
            return granted(
                "anyone", "anyone may add their own work before the freeze", sender, policy
            )
        return Decision.PENDING, "new items from others wait for the RM"
    if action.kind is ActionKind.CANDIDATE_BUG:
        return granted("anyone", "anyone may point at a bug", sender, policy)
    if item is None:  # every other kind was given an item above; kept for safety
        return Decision.PENDING, "no item"
    if action.kind is ActionKind.LINK:
        return granted("anyone", "anyone may point at a bug", sender, policy)
    if owns(item, sender, tracker, policy):
        return granted("owner", f"owner of {item.id}", sender, policy)
    if action.kind is ActionKind.CLAIM:
        own = same_person(str(action.value.get("owner", "")), sender, policy.aliases)
        if own and not item.owners:
            return granted(
                "anyone", f"anyone may claim an unowned item ({item.id})", sender, policy
            )
        if own:
            return Decision.PENDING, f"{item.id} is owned by {', '.join(item.owners)}"
        return Decision.PENDING, "a claim for someone else waits for the RM"
    return Decision.PENDING, f"only an owner of {item.id} or the RM may change it"


_ROLE_WORDS = {"release_manager": "release manager", "owner": "owner", "anyone": "sender"}


def role_of(action: Action, sender: Sender, tracker: Tracker, policy: Policy) -> TrustRole:
    """The role the sender acts in for this action, by address."""
    if is_release_manager(sender, policy):
        return "release_manager"
    item = tracker.item(action.item) if action.item else None
    if item is not None and owns(item, sender, tracker, policy):
        return "owner"
    return "anyone"


def granted(role: TrustRole, why: str, sender: Sender, policy: Policy) -> tuple[Decision, str]:
    """Apply with ``why``, unless the role needs a verified sender and this one is not."""
    proof = sender.verification
    if proof is not None and proof.verified:
        return Decision.APPLY, f"{why} (verified: {proof.method}, {proof.domain})"
    if not policy.trust.needs(role):
        return Decision.APPLY, why
    found = proof.detail if proof is not None and proof.detail else "not checked"
    return Decision.PENDING, (
        f"sender not verified ({_ROLE_WORDS[role]} {sender.addr or sender.name}: {found})"
    )


def claimed_by_address(
    events: Sequence[Event], authors: Mapping[str, str]
) -> dict[str, tuple[tuple[str, str], ...]]:
    """Item id -> (owner, address): each claim and own new item made by mail, with the
    address of the mail (``authors``: Message-ID -> address) that made it.

    An owner written only as a name gets an owner's powers from the address that
    took the item, for that item only, while the name is still among its owners.
    """
    found: dict[str, dict[tuple[str, str], None]] = {}
    for event in events:
        addr = authors.get(event.source, "").strip().lower()
        if not addr or not event.item:
            continue
        if event.kind is Kind.CLAIM:
            owners = [str(event.data.get("owner", ""))]
        elif event.kind is Kind.ADD:
            owners = [str(o) for o in event.data.get("owners", ())]
        else:
            continue
        for owner in owners:
            if owner:
                found.setdefault(event.item, {})[(owner, addr)] = None
    return {item: tuple(pairs) for item, pairs in found.items()}


def _link_names(link: Link) -> set[str]:
    """Every name a link goes by: its key, its URL, its Message-ID (lower case, no "/")."""
    names = {link.key, link.url, link.message_id, link.url.rstrip("/").rsplit("/", 1)[-1]}
    if link.url.rstrip("/").rsplit("/", 1)[-1].count("@") != 1:
        names.discard(link.url.rstrip("/").rsplit("/", 1)[-1])
    return {n.strip("<>/").lower() for n in names if n}
