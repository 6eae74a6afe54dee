"""The values an imported status mail is read into, and the reader's hints.

``outline.read_status_mail`` produces an ``Outline``; ``reconcile`` turns it
into events. ``OutlineHints`` are the ``[import]`` config keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from relbot.core.statusmail.items import Vocabulary
from relbot.core.statusmail.words import (
    DEFAULT_NOT_NAMES,
    DEFAULT_NOT_TAGS,
    DEFAULT_PROGNOSIS_WORDS,
    DEFAULT_STATUS_WORDS,
    DEFAULT_TABLE_COLUMNS,
)
from relbot.core.tracker.model import Footnote, Link, Status


@dataclass(frozen=True, slots=True)
class OutlineHints:
    """The vocabulary of the list's status mails: the ``[import]`` config keys."""

    #: names that count as owners whatever their shape ("wei.liu2", "anthony")
    people: tuple[str, ...] = ()
    #: (phrase, status) pairs read inside an item's trailing parentheses
    status_words: tuple[tuple[str, str], ...] = DEFAULT_STATUS_WORDS
    #: one-word forecasts kept as the status note ("good", "fair")
    prognosis_words: tuple[str, ...] = DEFAULT_PROGNOSIS_WORDS
    #: capitalised words that are never a name ("So", "Nothing")
    not_names: tuple[str, ...] = DEFAULT_NOT_NAMES
    #: bracketed words that open a patch subject rather than tag an item
    not_tags: tuple[str, ...] = DEFAULT_NOT_TAGS
    #: headings whose items are done ("== Completed ==")
    done_sections: tuple[str, ...] = ("completed", "done", "resolved", "fixed", "merged")
    #: words in the line or heading that opens the timeline
    timeline_headings: tuple[str, ...] = ("time line", "timeline", "schedule")
    #: the phrase of the "we are here" marker in the timeline
    marker_words: tuple[str, ...] = ("we are here",)
    #: section names accepted as headings even with no bullet under them
    sections: tuple[str, ...] = ()
    #: a block starting with one of these is relbot's own generated part
    #: ("Changes since ...:"), left out up to the next blank line
    skip_blocks: tuple[str, ...] = ("changes since", "volunteers wanted")
    #: headings of the sender's own change log ("= Updates =": what moved to
    #: completed, what was added): its bullets name changes, not items
    log_sections: tuple[str, ...] = ("updates", "changes", "recent changes", "news")
    #: skip blocks that are relbot's only as a ``Name:`` / ``- ...`` list: one
    #: the sender wrote as ``*`` bullets ("Changes since last week:") is kept as prose
    written_blocks: tuple[str, ...] = ("changes since",)
    #: (header word, field) pairs naming an items table's columns; the fields
    #: are text, owners, status, links and notes, and other columns are notes
    table_columns: tuple[tuple[str, str], ...] = DEFAULT_TABLE_COLUMNS
    #: a plain ``heading:`` line longer than this is text, not a heading
    max_heading_length: int = 60
    #: ... and so is one of more words than this ("I tried this and got:")
    max_heading_words: int = 6
    #: an import that would remove more than this share of the open items
    #: (or a mail of another release) needs ``relbot import --replace``
    max_removed_share: float = 0.5

    @property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(
            self.people, self.status_words, self.prognosis_words, self.not_names, self.not_tags
        )


@dataclass(frozen=True, slots=True)
class OutlineItem:
    """One bullet and what it says; ``lines`` are its words as wrapped by hand."""

    text: str
    line: int
    item_id: str = ""
    tags: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    status: Status = Status.OPEN
    status_note: str = ""
    version: str = ""
    release: str = ""
    links: tuple[Link, ...] = ()
    notes: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    children: tuple[OutlineItem, ...] = ()
    #: owners or status words stood on lines under the item (``-  Name``,
    #: ``status: ...``), so ``lines`` alone do not say them
    said_below: bool = False


@dataclass(frozen=True, slots=True)
class OutlineMilestone:
    when: str
    label: str
    date: dt.date | None
    line: int


@dataclass(frozen=True, slots=True)
class OutlineSection:
    key: str
    title: str
    line: int
    items: tuple[OutlineItem, ...] = ()
    #: free paragraphs after or between the items, line breaks kept
    text: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outline:
    """Everything read from one status mail."""

    release: str = ""
    title: str = ""
    preamble: tuple[str, ...] = ()
    #: paragraphs between the timeline and the first section, line breaks kept
    intro: tuple[str, ...] = ()
    milestones: tuple[OutlineMilestone, ...] = ()
    #: index of the milestone the "WE ARE HERE" marker follows (-1: before all)
    marker_after: int | None = None
    sections: tuple[OutlineSection, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    problems: tuple[str, ...] = ()
    #: what closes the mail after its last item: "Have a nice week!", the sign-off
    closing: tuple[str, ...] = ()

    @property
    def is_status_mail(self) -> bool:
        """False for chat, junk or a fragment: the import should be refused."""
        return bool(self.sections or self.milestones)

    @property
    def ok(self) -> bool:
        return self.is_status_mail

    def walk(self) -> Iterator[tuple[OutlineSection, OutlineItem | None, OutlineItem]]:
        """(section, parent, item) depth-first in mail order."""

        def visit(
            sec: OutlineSection, parent: OutlineItem | None, items: tuple[OutlineItem, ...]
        ) -> Iterator[tuple[OutlineSection, OutlineItem | None, OutlineItem]]:
            for it in items:
                yield sec, parent, it
                yield from visit(sec, it, it.children)

        for sec in self.sections:
            yield from visit(sec, None, sec.items)
