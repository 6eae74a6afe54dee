"""Requests for new items: "could you add X?", "please track this", an item in the
mail's own format, and what "it" stands for in "could you add it?".

``add_action`` reads the request a cue found; ``told_before`` fills an add
whose text is only a pronoun from what the sentences before it named;
``bullet_actions`` reads an item written as the status mail writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from relbot.core.replies.action_base import (
    BUG_WORDS,
    Action,
    ActionKind,
    Reading,
    act,
    pointer_value,
    section_for,
    version_of,
)
from relbot.core.replies.context import Context, match_chunk
from relbot.core.replies.naming import antecedent
from relbot.core.replies.phrases import Hit, Sentence
from relbot.core.replies.pointers import Pointer, PointerKind, find_pointers
from relbot.core.statusmail.items import looks_like_name, read_item_head
from relbot.core.statusmail.reader import OutlineHints
from relbot.core.tracker.model import Status

_ITEM_BULLET = re.compile(r"^\s*(?:[*•+-])\s+(\S.*)$")
_HINTS = OutlineHints()


def _clean_add_text(x: str) -> str:
    where = r"(?:the|this|your|our)\s++(?:\S++\s++){0,2}?(?:list|tracker|todo|plan|mail)"
    x = re.sub(rf"(?<!\s)\s++(?:to|on(?:to)?|in)\s++{where}\b.*$", "", x, flags=re.I)
    x = re.sub(
        r"(?<!\s)\s++(?:as well|too|also|please|as (?:a )?(?:blocker|nice[- ]to[- ]have))\b.*$",
        "",
        x,
        flags=re.I,
    )
    return x.strip(" .,;:!?\"'(")


def owner_line(text: str) -> str:
    """The name on an owner line ("  -  Jan Beulich", "owner: Wei Liu"), else ''."""
    m = re.match(r"^\s*(?:-|owners?:)\s+(\S.*?)\s*$", text, re.I)
    if m and looks_like_name(m.group(1), _HINTS.vocabulary):
        return m.group(1)
    return ""


def bullet_actions(s: Sentence, reading: Reading, ctx: Context) -> list[Action]:
    """An item written in the mail's own format: a claim when it is a known item."""
    m = _ITEM_BULLET.match(s.text)
    if m is None or owner_line(s.text) or re.match(r"(?i)(?:https?|ftp)://", m.group(1)):
        return []
    head = read_item_head(m.group(1), _HINTS.vocabulary)
    if not (head.owners or head.tags or (ctx.section and ctx.item_id is None)):
        return []
    found = match_chunk(reading.index, head.text)
    if found is not None and found[1] >= 0.75:
        item = reading.index.entries[found[0]].item_id
        known = reading.tracker.item(item)
        owners = [o for o in head.owners if known is None or o not in known.owners]
        return [act(ActionKind.CLAIM, item, {"owner": o}, reading, s, 0.85) for o in owners]
    value: dict[str, Any] = {
        "text": head.text,
        "section": ctx.section or "",
        "owners": list(head.owners),
        "tags": list(head.tags),
    }
    if head.status is not Status.OPEN:
        value["status"] = head.status.value
    return [act(ActionKind.ADD, None, value, reading, s, 0.85 if ctx.section else 0.7)]


def fill_add(asked: Action, s: Sentence, pointers: Sequence[Pointer]) -> Action | None:
    """The item a "please add the following:" announced: a series subject or a bullet."""
    series = next((p for p in pointers if p.kind is PointerKind.PATCH), None)
    links = [pointer_value(p) for p in pointers if p.kind not in (PointerKind.PATCH,)]
    bullet = _ITEM_BULLET.match(s.text)
    if series is not None:
        text, owners = series.value, []
    elif bullet is not None and not owner_line(s.text):
        written = bullet.group(1)
        for p in pointers:  # "- title <url>": the URL is the link, not words of the title
            written = written.replace(p.url, " ") if p.url else written
        head = read_item_head(" ".join(written.split()), _HINTS.vocabulary)
        text, owners = head.text, list(head.owners)
    else:
        return None
    value = {**asked.value, "text": text, "links": links, "owners": owners}
    return replace(asked, value=value, evidence=s.text, line_no=s.line_no)


def refine_add(old: Action, s: Sentence, reading: Reading) -> Action:
    """A later sentence on a new item: the section it names, the sender as owner."""
    value = dict(old.value)
    section = section_for(s.text, reading, Context())
    if section:
        value["section"] = section
    if ME_OWNER.search(s.text):
        value["owners"] = [*value.get("owners", ()), reading.sender]
    return replace(old, value=value)


#: "please add the following:", "add it under x86": the item is told elsewhere
_PLACEHOLDER = re.compile(
    r"(?i)(?:the |this |these )?(?:following|below|above)"
    r"(?: (?:items?|entry|entries|series|ones?|patch(?:es)?))?"
    r"(?:\s*$|\s+(?:to|under|in|into|on|for|as|with)\b|\s*[,:;])"
    r"|(?:this|these|that|those|it|them)(?: (?:one|item|entry|series|ones|items))?"
    r"(?:\s*$|\s+(?:to|under|in|into|on|for|as|with)\b|\s*[,:;])"
)
#: "with me as owner", "owner would be me"
ME_OWNER = re.compile(
    r"(?i)\b(?:me as (?:the )?owner|owner(?:'s| is| would be| will be|:) me|assign it to me)\b"
)


def is_placeholder(text: str) -> bool:
    """Add text that only points elsewhere ("the following", "it under x86")."""
    return bool(_PLACEHOLDER.match(text.strip()))


def told_before(
    asked: Action, hit: Hit, seen: Sequence[Sentence], reading: Reading
) -> tuple[Action, set[tuple[str, int]]] | None:
    """An add whose text is "it" filled from what was named just before the request.

    Returns the filled action and the sentences (evidence, line) it came from.
    """
    s = hit.sentence
    before = [Sentence(s.text[: hit.match.start()], s.line_no), *reversed(seen[-2:])]
    for said in before:
        pointers = find_pointers(said.text, reading.tracker_prefixes)
        subjects = [p.value for p in pointers if p.kind is PointerKind.PATCH]
        text = antecedent(said.text, subjects)
        if not text:
            continue
        links = [dict(x) for x in asked.value.get("links", ())]
        links += [
            v
            for p in pointers
            if p.kind not in (PointerKind.PATCH, PointerKind.COMMIT)
            and (v := pointer_value(p)) not in links
        ]
        value: dict[str, Any] = {**asked.value, "text": text, "links": links}
        version = version_of(" ".join([said.text, *subjects]))
        if version:
            value.update(status=Status.PATCHES_POSTED.value, version=version)
        section = section_for(said.text, reading, Context())
        value["section"] = value.get("section") or section
        return replace(asked, value=value), {(said.text, said.line_no)}
    return None


def add_action(hit: Hit, reading: Reading, ctx: Context, pointers: Sequence[Pointer]) -> Action:
    groups = {k: v for k, v in hit.match.groupdict().items() if v}
    raw = groups.get("x") or groups.get("y") or groups.get("z") or ""
    for p in pointers:
        for shown in (p.url, f"<{p.message_id}>" if p.message_id else ""):
            raw = raw.replace(shown, " ") if shown else raw
    text = _clean_add_text(" ".join(raw.replace("()", "").split()))
    if len(text) < 3 or text.lower() in ("this", "it", "that", "these", "them", "this one"):
        text = next((p.title for p in pointers if p.title), text)
    named = [p.url for p in pointers if p.url and p.url in (groups.get("x") or "")]
    if len(text) < 3 and named:
        # "I'd like to see <url> merged": the pointer names the series until the RM titles it
        text = named[0]
    value: dict[str, Any] = {
        "text": text,
        "section": section_for(hit.sentence.text, reading, ctx),
        "links": [pointer_value(p) for p in pointers if p.kind is not PointerKind.COMMIT],
    }
    if BUG_WORDS.search(hit.sentence.text):
        value["tags"] = ["BUG"]
    return act(ActionKind.ADD, None, value, reading, hit.sentence, hit.confidence)
