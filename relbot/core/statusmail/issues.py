"""Reading items written as paragraphs: the blocker tracker's issue blocks.

Some release managers keep a tracker of issues rather than a bulleted list::

    OPEN ISSUES AND BLOCKERS
    ========================

    Timer drift on large hosts
    Information from
      Some Person <some@example.org>
    References
      https://lists.example.org/archives/html/dev/2021-02/msg00123.html

    Patch 2/ is still waiting for review.

Each issue is a short title line opening a paragraph, with evidence lines
("Information from", "References", "Key participants", "Quoting X:", ``| ``
quoted statements) under it, and the release manager's prose after. A
section with no bullets whose paragraphs look like this becomes items: the
title line the item's text (a leftover letter label "G." dropped), URLs
under "References" its links, the prose its notes. A section whose
paragraphs carry no evidence line stays prose: an intro is never an item.
"""

from __future__ import annotations

import itertools
import re

from relbot.core.statusmail.draft import DraftAttr, DraftItem, DraftSection
from relbot.core.statusmail.sections import heading_key
from relbot.core.tracker.model import Link

#: the lines that show a paragraph above them is an issue, not prose
_EVIDENCE = re.compile(
    r"(?i)^(?:information from|references?\b|key part\w*|related\b.*:|quoting \w+:|\| )"
)
#: an indented pointer line: "   [PATCH v2 0/4] subject", "  Name <address>", a URL
_POINTER_LINE = re.compile(r"^\s+(?:\[PATCH|\S.*<[^<>\s]+@[^<>\s]+>|(?:https?|ftp)://)")
#: a line of prose, not a title: "It went in last week.", "I think ..."
_PROSE = re.compile(
    r"(?i)^(?:this|that|these|it|i|we|there|now|as|he|she|they|my|our|please|thanks)\b"
)
_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"')\]]+")
_LETTER = re.compile(r"^[A-Z]\.\s+")
#: a title line is short: a sentence of prose is not a title
_TITLE_WORDS = 14


def _is_title(line: str) -> bool:
    text = line.strip()
    if not text or line[0].isspace() or text.startswith(("|", ">", "[")):
        return False
    if text.endswith((":", "?", ",")) or _EVIDENCE.match(text) or _URL.match(text):
        return False
    if _PROSE.match(text):
        return False
    return len(text.split()) <= _TITLE_WORDS


def _has_evidence(paragraphs: list[list[str]]) -> bool:
    return any(
        _EVIDENCE.match(ln.strip()) or ln.startswith("| ") or _POINTER_LINE.match(ln)
        for p in paragraphs
        for ln in p
    )


def issue_items(sec: DraftSection) -> bool:
    """Read ``sec``'s paragraphs as issue blocks when they are; True if it did."""
    if sec.items or not sec.text:
        return False
    # an issue opens with a title paragraph (or a title line over evidence lines)
    # a mail that parts its issues by wider gaps (an empty paragraph here)
    # starts an issue only after one
    gapped = any(not p for p in sec.text)
    starts = [
        i
        for i, p in enumerate(sec.text)
        if p
        and (not gapped or i == 0 or not sec.text[i - 1])
        and _is_title(p[0])
        and (len(p) == 1 or _EVIDENCE.match(p[1].strip()) or _POINTER_LINE.match(p[1]))
        and _has_evidence(sec.text[i + 1 : i + 4] if len(p) == 1 else [p[1:]])
    ]
    if not starts:
        return False
    # prose before the first issue stays the section's text
    lead = [p for p in sec.text[: starts[0]] if p]
    issues = [sec.text[a:b] for a, b in itertools.pairwise([*starts, len(sec.text)])]
    for block in issues:
        title = _LETTER.sub("", block[0][0].strip()).strip("\"'")
        item = DraftItem(0, sec.line, "", [title])
        rest = [block[0][1:], *block[1:]]
        for para in rest:
            urls = [u.rstrip(".,;") for ln in para for u in _URL.findall(ln)]
            item.links += [Link(url=u) for u in urls if Link(url=u) not in item.links]
            if para and not _EVIDENCE.match(para[0].strip()) and not para[0].startswith("| "):
                prose = " ".join(" ".join(para).split())
                if prose and not _URL.fullmatch(prose):
                    item.attrs.append(DraftAttr(0, "text", [prose], sec.line))
        sec.items.append(item)
    sec.text = lead
    sec.tail_from = len(lead)
    return True


def prose_and_issues(sections: list[DraftSection], log_sections: tuple[str, ...]) -> None:
    """The sender's change log back to prose; a blocker tracker's paragraphs to items."""
    for sec in sections:
        if heading_key(sec.title) in log_sections:
            # "= Updates =": what moved to completed, what was added; not items
            sec.text, sec.items = [*sec.text, *(it.lines for it in sec.items)], []
        issue_items(sec)
