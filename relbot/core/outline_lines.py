"""Cleaning a status mail's text into numbered lines before it is read.

Mail copied from the web archive carries the page's chrome: the
``[Date Prev][Date Next]...`` navigation, the title, ``• To:/From:`` bullets,
and after the body the list footer ("Xen-devel mailing list", a mailman
``____`` rule, the hosting blurb). A ``-- `` signature ends the body too.
Binary junk and absurdly long lines are skipped with a problem noted, so the
reader behind this stays linear on any input.

``signoff_at`` finds where the sender signs off ("Best regards,\n Oleksii",
"Thanks,\nGeorge", a lone "Paul" or "Ian."): no part of any section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: longer lines are not prose a person wrote (base64, binary, minified HTML)
MAX_LINE = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAV = re.compile(r"^\s*\[Date Prev\]")
_HEADER_BULLET = re.compile(r"^\s*•\s*[A-Za-z][A-Za-z-]*:")
_FOOTERS = (
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^\S+ mailing list\s*$"),
    re.compile(r"(?i)^lists\.\S+ is hosted with"),
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the body; ``number`` counts from 1 in the text given."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Cleaned:
    lines: list[Line]
    title: str
    problems: tuple[str, ...]


def clean_lines(text: str) -> Cleaned:
    """The body's lines with archive chrome, footer and signature removed."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[Line] = []
    problems: list[str] = []
    title = ""
    want_title = False
    content_seen = False
    skipped = 0
    for number, original in enumerate(raw, start=1):
        if original in ("-- ", "--"):
            break
        line = original.replace("\xa0", " ").replace("\t", "        ").rstrip()
        if len(line) > MAX_LINE or _CONTROL.search(line):
            skipped += 1
            if skipped <= 20:
                why = "too long" if len(line) > MAX_LINE else "binary or control characters"
                problems.append(f"line {number}: skipped ({why})")
            continue
        if _NAV.match(line):
            if content_seen:
                break
            want_title = True
            continue
        if not line:
            lines.append(Line(number, ""))
            continue
        if want_title:
            title, want_title = line.strip(), False
            continue
        if _HEADER_BULLET.match(line) and not content_seen:
            continue
        if any(p.match(line) for p in _FOOTERS):
            break
        content_seen = True
        lines.append(Line(number, line))
    if skipped > 20:
        problems.append(f"... {skipped - 20} more lines skipped")
    return Cleaned(lines, title, tuple(problems))


_CLOSING = re.compile(
    r"(?i)^(?:(?:best|kind|warm|many)\s+)?(?:regards|wishes|thanks|thank\s+you|cheers|br|ta"
    r"|greetings|sincerely|all\s+the\s+best)(?:\s+\w+)?\s*[,.!]*$"
)
_NAME = re.compile(r"^[~\-]*\s*[A-Z][\w'-]*(?:\s+[A-Z][\w'.-]*){0,2}\s*[.,]?$")


def signoff_at(lines: list[Line]) -> int:
    """Index of the first line of the closing greeting and name, else ``len(lines)``."""
    end = len(lines)
    while end and not lines[end - 1].text.strip():
        end -= 1
    start = end
    while start and lines[start - 1].text.strip():
        start -= 1
    block = [ln.text for ln in lines[start:end]]
    if (
        not start
        or not block
        or len(block) > 3
        or block[0][:1] in ("*", "[", "|")
        or block[0].startswith("  ")
    ):
        return len(lines)
    if _CLOSING.match(block[0].strip()):
        return start
    if len(block) == 1 and _NAME.match(block[0].strip()) and len(block[0].split()) <= 3:
        # a lone name: the greeting may stand in the paragraph above it
        above = start - 1
        while above and not lines[above - 1].text.strip():
            above -= 1
        if above and _CLOSING.match(lines[above - 1].text.strip()):
            return above - 1
        return start
    return len(lines)
