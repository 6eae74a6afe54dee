"""Placing one line under an item: a title line, or one of its attribute lines.

Under a bullet come, by layout: the title's wrapped lines; ``-  Name`` /
``-  url`` / ``- 6/12 are merged`` lines; ``owner:`` / ``status:`` /
``prognosis:`` / ``Reference:`` lines; a bare URL; free text describing the
item ("Many older 32-bit PV kernels ..." under ``owner: ?``, shell commands
included). Once an item has an attribute line, or its title has ended with
``(owner, status)``, plain lines no longer extend the title: they are notes.
"""

from __future__ import annotations

import re

from relbot.core.model import Link
from relbot.core.outline_build import DraftAttr, DraftItem
from relbot.core.outline_items import Vocabulary, ends_with_state

_KEY_VALUE = re.compile(
    r"(?i)^(owners?|status|prognosis|reference|references|link|links|url|patch(?:es)?)"
    r"\s*:\s*(.*)$"
)
_URL_LINE = re.compile(r"(?i)^(?:[A-Za-z][\w ]{0,20}:\s*)?<?(?:https?|ftp)://\S+$")
_INLINE_LINK = re.compile(r"(?i)\[\s*((?:https?|ftp)://[^\s\]]+)\s*\]\s*$")
_KEYS = {"owners": "owner", "prognosis": "prognosis", "status": "status", "owner": "owner"}
#: attribute kinds whose value a deeper plain line carries on
_WRAPPING = ("-", "status", "prognosis", "text", "sub")
MAX_ITEM_LINES = 200


def _key(word: str) -> str:
    """ "Owners" -> "owner", "Reference" -> "link": what a ``key:`` line gives."""
    return _KEYS.get(word.lower(), "link")


def loose_attr(text: str) -> tuple[str, str] | None:
    """``-EHCI debug port`` (no space after the dash) or ``> http://...``."""
    stripped = text.lstrip()
    if stripped.startswith(">"):
        rest = stripped.lstrip(">").strip()
        return (">", rest) if rest else None
    if stripped.startswith("-") and len(stripped) > 1 and stripped[1].isalnum():
        return "-", stripped[1:]
    return None


def title_line(item: DraftItem, body: str, vocab: Vocabulary) -> None:
    """One line of an item's title; a ``[`` at its end opens a URL on the next."""
    body = body.strip()
    inline = _INLINE_LINK.search(body)
    if inline is not None:
        item.links.append(Link(url=inline.group(1).rstrip(".,;)")))
        body = body[: inline.start()].rstrip()
    elif body.endswith("["):
        item.bracket_open = True
        body = body[:-1].rstrip()
    if body or not item.lines:
        item.lines.append(body)
    if body.endswith(")") and ends_with_state(body, vocab):
        # what follows "(owner, status)" describes the item; it is no title
        item.closed = True


def attach_line(
    top: DraftItem, indent: int, dash: str | None, text: str, number: int, vocab: Vocabulary
) -> str:
    """Put a line under ``top``; "owner line" for a bare ``owner:`` line, "too long"
    when the title was cut, else ""."""
    stripped = text.strip()
    if dash is not None:
        kv = _KEY_VALUE.match(dash.strip())
        kind, value = (_key(kv.group(1)), kv.group(2)) if kv else ("-", dash)
        top.attrs.append(DraftAttr(indent, kind, [value.strip()], number))
        return ""
    kv = _KEY_VALUE.match(stripped)
    if kv:
        kind = _key(kv.group(1))
        top.attrs.append(DraftAttr(indent, kind, [kv.group(2).strip()], number))
        return "owner line" if kind == "owner" and indent > top.indent else ""
    last = top.attrs[-1] if top.attrs else None
    if (
        last is not None
        and last.kind in _WRAPPING
        and (indent > last.indent or (last.kind == "text" and indent >= last.indent))
    ):
        last.parts.append(stripped)
        return ""
    if _URL_LINE.match(stripped):
        top.attrs.append(DraftAttr(indent, "link", [stripped], number))
        return ""
    if last is not None or top.closed:
        top.attrs.append(DraftAttr(indent, "text", [stripped], number))
        return ""
    if len(top.lines) < MAX_ITEM_LINES:
        title_line(top, stripped, vocab)
        return ""
    if len(top.lines) == MAX_ITEM_LINES:
        top.lines.append("...")
        return "too long"
    return ""
