"""Placing one line under an item: a title line, or one of its attribute lines.

Under a bullet come, by layout: the title's wrapped lines; ``-  Name`` /
``-  url`` / ``- 6/12 are merged`` lines; ``owner:`` / ``status:`` /
``prognosis:`` / ``Reference:`` lines; ``Information from:`` with the names
on the lines below it; a bare URL or ``<message-id>``; free text describing
the item ("Many older 32-bit PV kernels ..." under ``owner: ?``, shell
commands included). Once an item has an attribute line, or its title has
ended with ``(owner, status)``, plain lines no longer extend the title: they
are notes. So is a capitalised sentence under a title line that stopped well
short of the mail's width: the writer broke the line there, it did not wrap.
"""

from __future__ import annotations

import re

from relbot.core.statusmail.draft import DraftAttr, DraftItem
from relbot.core.statusmail.items import Vocabulary, ends_with_state
from relbot.core.tracker.model import Link

_KEY_VALUE = re.compile(
    r"(?i)^(owners?|information\s+from|status|prognosis|reference|references|link|links|url"
    r"|patch(?:es)?)\s*:\s*(.*)$"
)
_URL_LINE = re.compile(
    r"(?i)^(?:[A-Za-z][\w ]{0,20}:\s*)?(?:<?(?:https?|ftp)://\S+|<[^<>\s]+@[^<>\s]+>)$"
)
_INLINE_LINK = re.compile(r"(?i)\[\s*((?:https?|ftp)://[^\s\]]+)\s*\]\s*$")
_KEYS = {
    "owners": "owner",
    "prognosis": "prognosis",
    "status": "status",
    "owner": "owner",
    "information from": "owner",
}
#: attribute kinds whose value a deeper plain line carries on
_WRAPPING = ("-", "status", "prognosis", "text", "sub", "owner")
MAX_ITEM_LINES = 200


def _key(word: str) -> str:
    """ "Owners" -> "owner", "Reference" -> "link": what a ``key:`` line gives."""
    return _KEYS.get(" ".join(word.lower().split()), "link")


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


def _broken_before(top: DraftItem, stripped: str, width: int) -> bool:
    """A sentence whose first word would have fitted on the title's last line.

    Not when the title is prose already ("Nested VMX. Needs nested EPT ..."), a
    parenthesis is still open, or the line closes the item with ``(Owner)``.
    """
    first = stripped.split()[0]
    title = " ".join(top.lines)
    if not first[0].isupper() or top.bracket_open or title.count("(") > title.count(")"):
        return False
    if re.search(r"[.!?](?:\s|$)", title) or stripped.endswith(")"):
        return False
    return top.end + 1 + len(first) <= width


def attach_line(
    top: DraftItem,
    indent: int,
    dash: str | None,
    text: str,
    number: int,
    vocab: Vocabulary,
    width: int = 72,
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
    if last is not None or top.closed or _broken_before(top, stripped, width):
        top.attrs.append(DraftAttr(indent, "text", [stripped], number))
        return ""
    if len(top.lines) < MAX_ITEM_LINES:
        title_line(top, stripped, vocab)
        top.end = len(text.rstrip())
        return ""
    if len(top.lines) == MAX_ITEM_LINES:
        top.lines.append("...")
        return "too long"
    return ""


_URL = re.compile(r"(?i)\b(?:https?|ftp)://\S+")


def pending_bracket(top: DraftItem, text: str) -> bool:
    """Lines of a ``subject [`` / URL / ``]`` item belong to it whatever their indent."""
    if not top.bracket_open:
        return False
    stripped = text.strip()
    if stripped.startswith("]"):
        top.bracket_open = False
        return True
    url = _URL.search(stripped)
    if url:
        top.links.append(Link(url=url.group(0).rstrip(".,;)]")))
        return True
    top.bracket_open = False
    return False
