"""The values reply reading produces: an ``Action``, its kind, and what reading needs.

Shared by the readers of plain words (``actions``, ``adds``) and of commands
(``commands``); the helpers here turn a sentence, a pointer or a version
number into action fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from relbot.core.replies.context import Context, ItemIndex
from relbot.core.replies.phrases import Sentence
from relbot.core.replies.pointers import Pointer, PointerKind
from relbot.core.tracker.model import Tracker


class ActionKind(StrEnum):
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    STATUS = "status"
    LINK = "link"
    NOTE = "note"
    ADD = "add"
    CANDIDATE_BUG = "candidate-bug"
    CORRECTION = "correction"
    # review commands: only a release manager's, applied by the edge
    ACCEPT = "accept"
    REJECT = "reject"
    HOLD = "hold"
    APPROVE = "approve"


REVIEW_KINDS = frozenset(
    {ActionKind.ACCEPT, ActionKind.REJECT, ActionKind.HOLD, ActionKind.APPROVE}
)


@dataclass(frozen=True, slots=True)
class Action:
    """One proposed change. ``value`` holds its details as plain JSON values."""

    kind: ActionKind
    item: str | None
    value: Mapping[str, Any] = field(default_factory=dict, hash=False)
    who: str = ""
    evidence: str = ""
    confidence: float = 0.0
    line_no: int = 0


_VERSION = re.compile(r"\bv(\d+)\b|\bversion (\d+)\b", re.I)
BUG_WORDS = re.compile(
    r"\b(?:bug|crash\w*|fail\w*|regression|broken|break\w*|oops|hang\w*|panic\w*|bsod|"
    r"error|leak\w*|deadlock\w*|corrupt\w*|xsa-\d+)\b",
    re.I,
)


#: "(v8 -> v9)", "v16->v20->v21": a version delta ends where the series is now
_DELTA = re.compile(r"(?i)\bv\d+(?:\s*-+>\s*v(\d+))+")


def version_of(text: str) -> str:
    delta = _DELTA.search(text)
    if delta:
        return f"v{delta.group(1)}"
    m = _VERSION.search(text)
    return f"v{m.group(1) or m.group(2)}" if m else ""


def pointer_value(p: Pointer) -> dict[str, str]:
    """A pointer as link fields; advisories and tracker ids become tracker_id."""
    ids = (PointerKind.ADVISORY, PointerKind.TRACKER, PointerKind.BUG)
    value = {
        "url": p.url,
        "message_id": p.message_id,
        "tracker_id": p.value if p.kind in ids and not p.url else "",
        "title": p.title,
    }
    if not any(value.values()):
        value["title"] = p.value
    return {k: v for k, v in value.items() if v}


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader needs besides the text: who wrote, and the trackers."""

    sender: str
    tracker: Tracker
    index: ItemIndex
    tracker_prefixes: tuple[str, ...] = ()
    #: Message-IDs of the thread: pointers at these are the thread itself
    thread_ids: frozenset[str] = frozenset()


def act(
    kind: ActionKind,
    item: str | None,
    value: Mapping[str, Any],
    r: Reading,
    s: Sentence,
    conf: float,
) -> Action:
    return Action(kind, item, value, r.sender, s.text, round(conf, 3), s.line_no)


def section_for(text: str, reading: Reading, ctx: Context) -> str:
    """A section the words name ("as a tools blocker"), else the quoted one."""
    lowered = text.lower()
    best = ""
    for sec in reading.tracker.sections:
        words = re.split(r"[^a-z0-9]+", (sec.title or sec.key).lower())
        words = [w.rstrip("s") for w in words if len(w) > 2]
        if words and all(w in lowered for w in words):
            best = sec.key
    return best or ctx.section or ""


#: changes read from one mail: more is a mistake or an attack, each costs a
#: policy decision and a row, and the release manager can read the rest
MAX_ACTIONS = 200


def bounded(proposed: list[Action], notes: list[str]) -> list[Action]:
    """The first ``MAX_ACTIONS`` of ``proposed``; a note says how many more were left."""
    if len(proposed) <= MAX_ACTIONS:
        return proposed
    notes.append(
        f"line {proposed[MAX_ACTIONS].line_no}: only the first {MAX_ACTIONS} changes of this "
        f"mail were read; {len(proposed) - MAX_ACTIONS} more were not"
    )
    return proposed[:MAX_ACTIONS]
