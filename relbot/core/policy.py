"""Who may do what: apply an action now, hold it for the release manager, or ignore it.

Three roles: release managers (from config, "Name <addr>"), the owners of an
item (its owner strings, matched tolerantly: "Ian J", "IanJ" and "Ian
Jackson" are one person; an aliases table adds addresses), and everyone
else. The RM may do anything; an owner may update their own items; anyone may
claim an unowned item for themselves and point at bugs. After the freeze
milestone new items from anyone but an RM wait for one. Anything else, and
anything less sure than the threshold, waits. What would change nothing (a
claim already held, a duplicate link, a transition the table forbids) is
ignored, with the reason.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from relbot.core.people import Sender, name_words, names_match, same_person
from relbot.core.replies.action_base import REVIEW_KINDS, Action, ActionKind
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


def is_release_manager(sender: Sender, policy: Policy) -> bool:
    for entry in policy.release_managers:
        name, addr = email.utils.parseaddr(entry)
        if addr and sender.addr and addr.lower() == sender.addr.lower():
            return True
        if name and name_words(name) == name_words(sender.name):
            return True
        if name and any(sender.addr.lower() == a.lower() for a in policy.aliases.get(name, ())):
            return True
    return False


def owns(item: Item, sender: Sender, tracker: Tracker, policy: Policy) -> bool:
    """The sender owns the item or one it is part of."""
    current: Item | None = item
    seen: set[str] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if any(same_person(o, sender, policy.aliases) for o in current.owners):
            return True
        current = tracker.item(current.parent) if current.parent else None
    return False


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
    elif action.kind is ActionKind.CLAIM:
        claimant = str(value.get("owner", ""))
        if any(names_match(o, claimant) or names_match(claimant, o) for o in item.owners):
            return f"{item.id} is already owned by {claimant}"
    elif action.kind is ActionKind.UNCLAIM:
        leaver = str(value.get("owner", ""))
        if not any(names_match(o, leaver) or names_match(leaver, o) for o in item.owners):
            return f"{leaver} does not own {item.id}"
    elif action.kind is ActionKind.LINK:
        key = Link(
            **{k: str(value.get(k, "")) for k in ("url", "message_id", "tracker_id", "title")}
        ).key
        if any(x.key == key for x in item.links):
            return f"{item.id} already links {key}"
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
            return Decision.APPLY, "release manager"
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
        return Decision.APPLY, "release manager"
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
            return Decision.APPLY, "anyone may add their own work before the freeze"
        return Decision.PENDING, "new items from others wait for the RM"
    if action.kind is ActionKind.CANDIDATE_BUG:
        return Decision.APPLY, "anyone may point at a bug"
    if item is None:  # every other kind was given an item above; kept for safety
        return Decision.PENDING, "no item"
    if action.kind is ActionKind.LINK:
        return Decision.APPLY, "anyone may point at a bug"
    if owns(item, sender, tracker, policy):
        return Decision.APPLY, f"owner of {item.id}"
    if action.kind is ActionKind.CLAIM:
        own = same_person(str(action.value.get("owner", "")), sender, policy.aliases)
        if own and not item.owners:
            return Decision.APPLY, f"anyone may claim an unowned item ({item.id})"
        if own:
            return Decision.PENDING, f"{item.id} is owned by {', '.join(item.owners)}"
        return Decision.PENDING, "a claim for someone else waits for the RM"
    return Decision.PENDING, f"only an owner of {item.id} or the RM may change it"
