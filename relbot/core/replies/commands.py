"""Explicit commands: lines of new text that start with the prefix (``#relbot``).

A command is exact, so it carries confidence 1.0; whether it takes effect is
the policy's call. The grammar (docs/commands.md)::

    #relbot [T12] claim [NAME] | unclaim [NAME] | done | defer [RELEASE] | drop
                | status STATUS [VERSION|RELEASE] | link URL [TITLE]
                | bug TITLE [URL] | add SECTION: TEXT | note TEXT
    #relbot accept ID | reject ID | hold | approve      (release managers)

Without ``T12`` a command acts on the item quoted above it. Only new text is
read, so a command quoted from someone else's mail never fires again. What
cannot be read becomes a note naming the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from relbot.core.replies.actions import Action, ActionKind, next_release, pointer_value
from relbot.core.replies.context import Context, tokens
from relbot.core.replies.pointers import find_pointers
from relbot.core.statusmail.items import read_item_head
from relbot.core.statusmail.reader import OutlineHints
from relbot.core.tracker.model import Status, Tracker, parse_status

VERBS = (
    "claim",
    "unclaim",
    "done",
    "defer",
    "drop",
    "status",
    "link",
    "bug",
    "add",
    "note",
    "accept",
    "reject",
    "hold",
    "approve",
)
#: verbs that act on an item, quoted or named
_ITEM_VERBS = frozenset({"claim", "unclaim", "done", "defer", "drop", "status", "link", "note"})
_ITEM = re.compile(r"^\[?(T\d{1,6})\]?$", re.IGNORECASE)
_RELEASE = re.compile(r"^\d+(?:\.\d+)+$")
_URLISH = re.compile(r"^(?:https?://|ftp://|<[^>]+@[^>]+>$)", re.IGNORECASE)
_HINTS = OutlineHints()


@dataclass(frozen=True, slots=True)
class Commands:
    """What the command lines of one block said, and which lines they were."""

    actions: tuple[Action, ...] = ()
    notes: tuple[str, ...] = ()
    lines: frozenset[int] = frozenset()


def is_command(line: str, prefix: str) -> bool:
    head = line.lstrip()
    return bool(prefix) and head[: len(prefix)].lower() == prefix.lower()


def read_commands(
    lines: Sequence[str],
    first_line: int,
    ctx: Context,
    *,
    prefix: str,
    sender: str,
    tracker: Tracker,
    tracker_prefixes: Sequence[str] = (),
) -> Commands:
    """Commands in a block of new text; ``lines`` are its lines from ``first_line``."""
    actions: list[Action] = []
    notes: list[str] = []
    used: set[int] = set()
    for offset, line in enumerate(lines):
        if not is_command(line, prefix):
            continue
        line_no = first_line + offset
        used.add(line_no)
        rest = line.lstrip()[len(prefix) :].lstrip(" :\t")
        action, note = _read_one(rest, line_no, ctx, sender, tracker, tracker_prefixes)
        if action is not None:
            actions.append(action)
        if note:
            notes.append(f"line {line_no}: {note}")
    return Commands(tuple(actions), tuple(notes), frozenset(used))


def _read_one(
    rest: str,
    line_no: int,
    ctx: Context,
    sender: str,
    tracker: Tracker,
    tracker_prefixes: Sequence[str],
) -> tuple[Action | None, str]:
    words = rest.split()
    item = ctx.item_id
    named = False
    if words and _ITEM.match(words[0]):
        item, named, words = words[0].upper().strip("[]"), True, words[1:]
        if tracker.item(item) is None:
            return None, f"no item {item} in the tracker"
    if not words:
        return None, "a command prefix with no command"
    verb, args = words[0].lower(), words[1:]
    text = " ".join(args)
    if verb not in VERBS:
        close = difflib.get_close_matches(verb, VERBS, n=1, cutoff=0.6)
        hint = f" — did you mean '{close[0]}'?" if close else f" (known: {', '.join(VERBS)})"
        return None, f"unknown command '{verb}'{hint}"
    if verb in _ITEM_VERBS and item is None:
        return (
            None,
            f"'{verb}' needs an item: quote it above the command or name it ('#relbot T12 {verb}')",
        )

    def make(kind: ActionKind, value: dict[str, Any], on: str | None = item) -> Action:
        return Action(kind, on, value, sender, f"{verb} {text}".strip(), 1.0, line_no)

    match verb:
        case "claim" | "unclaim":
            kind = ActionKind.CLAIM if verb == "claim" else ActionKind.UNCLAIM
            return make(kind, {"owner": text or sender}), ""
        case "done":
            return make(ActionKind.STATUS, {"status": Status.DONE.value}), ""
        case "drop":
            return make(ActionKind.STATUS, {"status": Status.DROPPED.value}), ""
        case "defer":
            release = args[0] if args else next_release(tracker)
            value = {"status": Status.DEFERRED.value}
            if release:
                value["release"] = release
            return make(ActionKind.STATUS, value), ""
        case "status":
            return _status(args, make)
        case "link":
            found = find_pointers(text, tracker_prefixes)
            if not found:
                return None, f"'link' needs a URL, a <message-id> or a tracker id, got {text!r}"
            value = pointer_value(found[0])
            title = " ".join(a for a in args if not _URLISH.match(a) and a not in found[0].value)
            if title:
                value["title"] = title
            return make(ActionKind.LINK, value), ""
        case "bug":
            found = find_pointers(text, tracker_prefixes)
            title = " ".join(a for a in args if not _URLISH.match(a)) or (
                found[0].value if found else ""
            )
            if not title:
                return None, "'bug' needs a title: '#relbot bug TITLE [URL]'"
            value = {**(pointer_value(found[0]) if found else {}), "title": title}
            if named:
                value["parent"] = item or ""
            return make(ActionKind.CANDIDATE_BUG, value, None), ""
        case "add":
            return _add(text, ctx, tracker, make)
        case "note":
            if not text:
                return None, "'note' needs text: '#relbot note TEXT'"
            return make(ActionKind.NOTE, {"text": text}), ""
        case "accept" | "reject":
            if not args:
                return None, f"'{verb}' needs the id of a pending proposal"
            kind = ActionKind.ACCEPT if verb == "accept" else ActionKind.REJECT
            return make(kind, {"id": args[0]}, None), ""
        case _:  # hold, approve: the weekly mail waiting for review
            kind = ActionKind.HOLD if verb == "hold" else ActionKind.APPROVE
            return make(kind, {"text": text} if text else {}, None), ""


def _status(args: Sequence[str], make: Any) -> tuple[Action | None, str]:
    # "status patches posted v3": the status may be several words
    for cut in range(len(args), 0, -1):
        status = parse_status(" ".join(args[:cut]))
        if status is None:
            continue
        value = {"status": status.value}
        extra = " ".join(args[cut:])
        if extra and status is Status.DEFERRED:
            value["release"] = extra
        elif extra and status is Status.PATCHES_POSTED:
            value["version"] = extra if extra.lower().startswith("v") else f"v{extra}"
        elif extra:
            value["note"] = extra
        return make(ActionKind.STATUS, value), ""
    known = ", ".join(s.value for s in Status)
    got = " ".join(args) or "nothing"
    return None, f"'status' needs one of: {known}; got {got!r}"


def _add(text: str, ctx: Context, tracker: Tracker, make: Any) -> tuple[Action | None, str]:
    section_text, sep, body = text.partition(":")
    if not sep or not body.strip():
        if not text:
            return None, "'add' needs text: '#relbot add SECTION: TEXT'"
        section_text, body = "", text
    section, note = resolve_section(section_text, ctx, tracker)
    head = read_item_head(body, _HINTS.vocabulary)
    value: dict[str, Any] = {
        "text": head.text,
        "section": section,
        "owners": list(head.owners),
        "tags": list(head.tags),
    }
    if head.status is not Status.OPEN:
        value["status"] = head.status.value
    return make(ActionKind.ADD, value, None), note


def resolve_section(name: str, ctx: Context, tracker: Tracker) -> tuple[str, str]:
    """The section key a person meant; a note when it had to be guessed."""
    if not name.strip():
        return (
            ctx.section or "",
            "" if ctx.section else "'add' without a section: the RM will place it",
        )
    wanted = tokens(name)
    for sec in tracker.sections:
        if tokens(sec.key) == wanted or tokens(sec.title) == wanted:
            return sec.key, ""
    scored = [
        (len(set(wanted) & set(tokens(f"{s.key} {s.title}"))), s.key) for s in tracker.sections
    ]
    scored.sort(reverse=True)
    if scored and scored[0][0] and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1], ""
    return name.strip(), f"unknown section {name.strip()!r}: the RM will place it"
