"""Recognising a status mail's section headings, in every hand the list has used.

``= Timeline =`` / ``== Hypervisor ==`` (the ``=`` count is the level),
``*** x86 ***:``, ``hypervisor, blockers:`` at column 0 with bullets under
it, and a title underlined with a rule of ``=`` (level 1) or ``-`` (level 2)::

    OPEN ISSUES
    ===========

The underline is found once for the whole mail (``underlined_titles``), so
the reader can skip the rule line and treat the title like any heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

EQ_HEADING = re.compile(r"^\s*(=+)\s*([^=].*?)\s*=+\s*:?\s*$")
STAR_HEADING = re.compile(r"^\s*\*{2,}\s*([^*].*?)\s*\*{2,}\s*:?\s*$")
COLON_HEADING = re.compile(r"^(\S(?:[^:]|::)*?):\s*$")
BULLET = re.compile(r"^(\s*)([*•+-]|\d{1,2}[.)])\s+(\S.*)$")
_RULE = re.compile(r"^\s*(?:(=)=+|(-)-+)\s*$")


@dataclass(frozen=True, slots=True)
class Underlines:
    """Title line index -> heading level, and the indexes of the rules under them."""

    titles: dict[int, int]
    rules: frozenset[int]


def underlined_titles(texts: Sequence[str], max_length: int) -> Underlines:
    """Titles standing alone at column 0, a rule at least half their length under them."""
    titles: dict[int, int] = {}
    rules: set[int] = set()
    for i in range(len(texts) - 1):
        m = _RULE.match(texts[i + 1])
        title = texts[i]
        if m is None or not title.strip() or title[:1].isspace() or len(title) > max_length:
            continue
        if (i and texts[i - 1].strip()) or BULLET.match(title) or _RULE.match(title):
            continue
        if len(texts[i + 1].strip()) < max(3, len(title.strip()) // 2):
            continue
        titles[i] = 1 if m.group(1) else 2
        rules.add(i + 1)
    return Underlines(titles, frozenset(rules))


def decorated_heading(text: str) -> tuple[int, str] | None:
    """(level, title) of a ``== x ==`` or ``*** x ***`` heading, else None."""
    m = EQ_HEADING.match(text)
    if m:
        return len(m.group(1)), m.group(2)
    m = STAR_HEADING.match(text)
    if m:
        return 1, m.group(1)
    return None
