"""The mutable drafts the outline reader fills line by line, before they are frozen.

``outline`` creates them, ``outline_attrs`` places an item's lines in them and
``outline_build`` freezes them into ``Outline`` values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relbot.core.statusmail.outline import OutlineMilestone
from relbot.core.tracker.model import Footnote, Link


@dataclass(slots=True)
class DraftAttr:
    """A line under an item that is not its title: ``-  Name``, ``status: ...``."""

    indent: int
    #: "-" (a dash or ``>`` line), "sub" (a dash line that is a sub-item),
    #: "text" (free text), or a key: "owner", "status", "prognosis", "link"
    kind: str
    parts: list[str]
    line: int


@dataclass(slots=True)
class DraftItem:
    indent: int
    line: int
    bullet: str
    lines: list[str]
    attrs: list[DraftAttr] = field(default_factory=list)
    children: list[DraftItem] = field(default_factory=list)
    bracket_open: bool = False
    links: list[Link] = field(default_factory=list)
    #: the title ended with "(owner, status)": later plain lines are notes
    closed: bool = False
    #: the column the title's last line ended at
    end: int = 0


@dataclass(slots=True)
class DraftSection:
    path: tuple[str, ...]
    title: str
    line: int
    items: list[DraftItem] = field(default_factory=list)
    text: list[list[str]] = field(default_factory=list)
    #: paragraphs of ``text`` from here on follow the section's last item
    tail_from: int = 0


@dataclass(slots=True)
class Draft:
    title: str
    preamble: list[str]
    intro: list[list[str]]
    milestones: list[OutlineMilestone]
    marker_after: int | None
    sections: list[DraftSection]
    footnotes: list[Footnote]
    problems: list[str]
    #: paragraphs after the last item that close the mail, sign-off included
    closing: list[list[str]] = field(default_factory=list)
    #: the mail names owners on ``owner:`` lines, so ``-`` lines are sub-items
    owner_lines: bool = False
