"""Reading a plain-text status mail into an outline: timeline, sections, items.

One reader serves every layout the list has used (REPLIES.md): the 2012 seed's
``hypervisor, blockers:`` headings with ``*`` bullets nested by indentation,
the 2013/2019 ``= Timeline =`` / ``== Hypervisor ==`` / ``=== x86 ===``
headings with ``  -  Name`` owner lines, and the 2024 ``*** x86 ***:``
headings with ``[PATCH ...] subject [`` / URL / ``]`` items. What varies is
vocabulary, which comes from ``OutlineHints`` (the ``[import]`` config).

Section keys are the heading text lower-cased with its decoration removed
("hypervisor, blockers"). Nested ``=`` headings join their path with " / "
("hypervisor / x86"); a heading that only groups others ("= Projects =") is
left out of the path.

Nothing here raises on what a person wrote: whatever cannot be read becomes a
``problems`` entry "line N: ...". ``Outline.ok`` says whether the text was a
status mail at all (a section or a timeline was found).
"""

from __future__ import annotations

import re

from relbot.core.statusmail.attrs import attach_line, loose_attr, pending_bracket, title_line
from relbot.core.statusmail.build import build_outline, prose_sections
from relbot.core.statusmail.draft import Draft, DraftAttr, DraftItem, DraftSection
from relbot.core.statusmail.headings import (
    BULLET,
    COLON_HEADING,
    decorated_heading,
    underlined_titles,
)
from relbot.core.statusmail.issues import prose_and_issues
from relbot.core.statusmail.lines import Line, clean_lines, signoff_at
from relbot.core.statusmail.outline import (
    Outline,
    OutlineHints,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
)
from relbot.core.statusmail.sections import heading_key
from relbot.core.statusmail.table import TableReader, header_fields, is_rule, starred_block
from relbot.core.statusmail.timeline import (
    dated_milestones,
    is_table_chrome,
    mail_year,
    milestone_date,
    read_milestone,
    strip_marker,
)
from relbot.core.tracker.model import Footnote

__all__ = [
    "Outline",
    "OutlineHints",
    "OutlineItem",
    "OutlineMilestone",
    "OutlineSection",
    "milestone_date",
    "read_status_mail",
]


#: "[4] https://..." and, as some mailers write it, "[4]https://..."
_FOOTNOTE = re.compile(r"^\[(\d{1,3})\](?:\s+|(?=https?://|<))(\S+)\s*$")
_MAX_DEPTH = 16


#: the hints when the config gives none
DEFAULT_HINTS = OutlineHints()


def read_status_mail(
    text: str, hints: OutlineHints = DEFAULT_HINTS, *, year: int | None = None
) -> Outline:
    """Read a status mail's body (archive page chrome allowed) into an Outline.

    ``year`` dates milestones written without one ("19 March"); pass the year
    of the mail's Date header. Items nest by indentation; ``-`` lines under a
    ``*`` item are its owners, links or notes; relbot's own generated parts
    (``hints.skip_blocks``) and the sender's sign-off are left out.
    """
    cleaned = clean_lines(text)
    end = signoff_at(cleaned.lines)
    reader = _Reader(hints, year, cleaned.lines[:end])
    reader.run()
    closing = [ln.text.strip() for ln in cleaned.lines[end:]]
    return reader.finish(cleaned.title, cleaned.problems, closing)


class _Reader:
    """One pass over the cleaned lines; each line goes to exactly one place."""

    def __init__(self, hints: OutlineHints, year: int | None, lines: list[Line]) -> None:
        self.hints = hints
        self.vocab = hints.vocabulary
        self.year = year
        self.lines = lines
        self.problems: list[str] = []
        self.mode = "preamble"
        self.preamble: list[str] = []
        self.before_timeline: list[list[str]] = [[]]
        self.after_timeline: list[list[str]] = [[]]
        self.seen_timeline = False
        self.milestones: list[OutlineMilestone] = []
        self.marker_after: int | None = None
        self.sections: list[DraftSection] = []
        self.heading_path: list[tuple[int, str, bool]] = []
        self.stack: list[DraftItem] = []
        self.footnotes: list[Footnote] = []
        self.blank = True
        #: blank lines before the current line: two or more part a tracker's issues
        self.blanks = self.gap = 0
        self.skipping = False
        #: a hand-written "Changes since last week:" list, kept as prose
        self.written = False
        self.table = TableReader(hints.table_columns)
        self.owner_lines = False
        self.underlines = underlined_titles([ln.text for ln in lines], hints.max_heading_length)
        # the column the sender wraps at: a title line ending well before it was broken by hand
        self.width = max(
            (len(ln.text) for ln in lines if len(ln.text) <= 100 and "://" not in ln.text),
            default=72,
        )
        # "A couple of things to note:" above the timeline is prose, not a section,
        # when sections follow the timeline; a mail that puts its timeline last
        # keeps the headings above it
        self.timeline_at = next((i for i in range(len(lines)) if self._timeline_line(i)), -1)
        if self.timeline_at >= 0 and not self._sections_after(self.timeline_at):
            self.timeline_at = -1

    # -- dispatch ---------------------------------------------------------

    def run(self) -> None:
        for index, line in enumerate(self.lines):
            self.feed(index, line)

    def feed(self, index: int, line: Line) -> None:
        text = line.text
        if not text.strip():
            self.blank = True
            self.blanks += 1
            self.skipping = self.written = False
            self._table_row(self.table.end(), line.number)
            if self.mode == "timeline" and self.milestones:
                self.mode = "intro"
            return
        if index in self.underlines.rules:
            return
        was_blank, self.blank = self.blank, False
        self.gap, self.blanks = self.blanks, 0
        if self.skipping or (was_blank and self._skip_start(index)):
            self.skipping = True
            return
        if self.written:
            self._kept_prose(line, was_blank)
            return
        if self.stack and pending_bracket(self.stack[-1], text):
            return
        m = _FOOTNOTE.match(text)
        if m:
            self.footnotes.append(Footnote(int(m.group(1)), m.group(2)))
            return
        if self.mode == "timeline" and self._milestone(line):
            return
        if self._table_line(index, line):
            return
        if self._heading(index, line):
            return
        if self.mode in ("preamble", "timeline", "intro") and not self.sections:
            self._prose(line, was_blank)
            return
        self._section_line(line, was_blank)

    def _skip_start(self, index: int) -> bool:
        low = self.lines[index].text.strip().lower()
        if not any(low.startswith(p) for p in self.hints.skip_blocks):
            return False
        if any(low.startswith(p) for p in self.hints.written_blocks):
            # relbot lists changes as "Name:" / "  - ..."; "*" bullets are the sender's
            self.written = starred_block(t.text for t in self.lines[index + 1 :])
        return not self.written

    def _kept_prose(self, line: Line, was_blank: bool) -> None:
        if not self.sections:
            self._prose(line, was_blank)
            return
        self._close_items()
        self._section_text(self.sections[-1], line, was_blank)

    # -- tables -------------------------------------------------------------

    def _table_line(self, index: int, line: Line) -> bool:
        after = self.lines[index + 1].text if index + 1 < len(self.lines) else ""
        taken, row = self.table.feed(line.text, line.number, after)
        self._table_row(row, line.number)
        self.mode = "section" if taken else self.mode
        return taken

    def _table_row(self, item: DraftItem | None, number: int) -> None:
        if item is None:
            return
        if not self.sections:
            self.sections.append(DraftSection(("",), "", number))
        self._close_items()
        sec = self.sections[-1]
        sec.items.append(item)
        sec.tail_from = len(sec.text)

    # -- headings and timeline --------------------------------------------

    def _timeline_line(self, index: int) -> bool:
        text = self.lines[index].text
        stripped = text.strip()
        headed = decorated_heading(text) or index in self.underlines.titles
        if not (headed or stripped.endswith(":")):
            return False
        return len(stripped) <= self.hints.max_heading_length and any(
            w in stripped.lower() for w in self.hints.timeline_headings
        )

    def _heading(self, index: int, line: Line) -> bool:
        text = line.text
        if not self.seen_timeline and self._timeline_line(index):
            self._start_timeline(line)
            return True
        decorated = decorated_heading(text)
        if decorated is not None:
            level, title = decorated
        elif index in self.underlines.titles:
            level, title = self.underlines.titles[index], text.strip().rstrip(":")
        elif self._colon_heading(index, text):
            # "Hypervisor:" under "** Blockers **" is a part of it, as a new style nests
            level = 1 + max((lv for lv, _p, fancy in self.heading_path if fancy), default=0)
            title = text.strip()[:-1]
        else:
            return False
        self._close_items()
        while self.heading_path and self.heading_path[-1][0] >= level:
            self.heading_path.pop()
        # "== Hypervisor::x86 ==" is the x86 part of the hypervisor section
        for part in (p.strip() for p in title.split("::")):
            if part:
                self.heading_path.append((level, part, decorated is not None))
        self.sections.append(
            DraftSection(tuple(t for _, t, _f in self.heading_path), title.strip(), line.number)
        )
        self.mode = "section"
        return True

    def _colon_heading(self, index: int, text: str) -> bool:
        """``hypervisor, blockers:`` at column 0 with bullets under it."""
        m = COLON_HEADING.match(text)
        if m is None or len(text) > self.hints.max_heading_length:
            return False
        if BULLET.match(text) and len(m.group(1).split()) > 3:
            return False  # "* Early boot cleanups for Arm:" is an item; "* x86:" heads a group
        if len(m.group(1).split()) > self.hints.max_heading_words:
            return False
        if self.mode == "timeline" or index < self.timeline_at:
            return False
        known = heading_key(m.group(1)) in {heading_key(s) for s in self.hints.sections}
        return known or self._bullet_next(index)

    def _sections_after(self, start: int) -> bool:
        for i in range(start + 1, len(self.lines)):
            text = self.lines[i].text
            if decorated_heading(text) or i in self.underlines.titles:
                return True
            if COLON_HEADING.match(text) and self._bullet_next(i):
                return True
        return False

    def _bullet_next(self, index: int) -> bool:
        for line in self.lines[index + 1 : index + 4]:
            text = line.text
            if text.strip():
                cols = self.hints.table_columns
                table = header_fields(text, cols) is not None or ("+" in text and is_rule(text))
                return table or BULLET.match(text) is not None
        return False

    def _start_timeline(self, line: Line) -> None:
        self.seen_timeline = True
        self.mode = "timeline"
        self.preamble.append(line.text.strip())

    def _milestone(self, line: Line) -> bool:
        text, marked = strip_marker(line.text, self.hints.marker_words)
        if marked and not text.strip():
            self.marker_after = len(self.milestones) - 1
            return True
        found = read_milestone(text, self.year)
        if found is None:
            if is_table_chrome(text):
                return True
            if self.milestones:
                self.mode = "intro"
            return False
        when, label = found
        self.milestones.append(
            OutlineMilestone(when, label, milestone_date(when, self.year), line.number)
        )
        if marked:
            self.marker_after = len(self.milestones) - 1
        return True

    def _prose(self, line: Line, was_blank: bool) -> None:
        target = self.after_timeline if self.seen_timeline else self.before_timeline
        if was_blank and target[-1]:
            target.append([])
        target[-1].append(line.text.rstrip())

    # -- sections and items -----------------------------------------------

    def _section_line(self, line: Line, was_blank: bool) -> None:
        if not self.sections:
            self.sections.append(DraftSection(("",), "", line.number))
        sec = self.sections[-1]
        text = line.text
        indent = len(text) - len(text.lstrip())
        m = BULLET.match(text)
        top = self.stack[-1] if self.stack else None
        if m and not self._is_attribute(m, indent, top):
            self._new_item(sec, indent, m.group(2), m.group(3), line)
            return
        if top is not None and not was_blank and m is None:
            loose = loose_attr(text)
            if loose is not None and (indent > top.indent or loose[0] == ">"):
                kind = "sub" if loose[0] == "-" else "-"
                top.attrs.append(DraftAttr(indent, kind, [loose[1]], line.number))
                return
        if top is not None and (m or indent > top.indent):
            self._item_continuation(top, indent, m, text, line)
            return
        self._close_items()
        self._section_text(sec, line, was_blank)

    def _section_text(self, sec: DraftSection, line: Line, was_blank: bool) -> None:
        if was_blank and self.gap >= 2 and sec.text:
            sec.text.append([])  # a wider gap: an empty paragraph marks it
        if was_blank or not sec.text:
            sec.text.append([])
        sec.text[-1].append(line.text.rstrip())

    def _is_attribute(self, m: re.Match[str], indent: int, top: DraftItem | None) -> bool:
        return m.group(2) == "-" and top is not None and top.bullet != "-" and indent > top.indent

    def _new_item(self, sec: DraftSection, indent: int, bullet: str, body: str, line: Line) -> None:
        while self.stack and self.stack[-1].indent >= indent:
            self.stack.pop()
        if len(self.stack) >= _MAX_DEPTH:
            # deeper than any outline a person writes: keep it flat, stay finite
            self.stack.pop()
            self.problems.append(f"line {line.number}: nested too deep, kept as a sibling")
        item = DraftItem(indent, line.number, bullet, [])
        title_line(item, body, self.vocab)
        item.end = len(line.text)
        if self.stack:
            self.stack[-1].children.append(item)
        else:
            sec.items.append(item)
            sec.tail_from = len(sec.text)
        self.stack.append(item)

    def _item_continuation(
        self, top: DraftItem, indent: int, m: re.Match[str] | None, text: str, line: Line
    ) -> None:
        dash = m.group(3) if m is not None else None
        said = attach_line(top, indent, dash, text, line.number, self.vocab, self.width)
        if said == "owner line":
            self.owner_lines = True
        elif said == "too long":
            self.problems.append(f"line {line.number}: item too long, rest ignored")

    def _close_items(self) -> None:
        self.stack.clear()

    # -- freezing ------------------------------------------------------------

    def finish(self, title: str, problems: tuple[str, ...], signoff: list[str]) -> Outline:
        if self.seen_timeline:
            preamble = [*(ln for p in self.before_timeline for ln in p), *self.preamble]
            intro = self.after_timeline
        else:
            # "Plan for a 4.3 release:" on its own still opens the mail
            first = self.before_timeline[0] if self.before_timeline else []
            lead = len(first) == 1 and first[0].endswith(":") and "release" in first[0].lower()
            preamble = first if lead else []
            intro = self.before_timeline[1:] if lead else self.before_timeline
        prose_and_issues(self.sections, self.hints.log_sections)
        texts = {ln.number: ln.text.strip() for ln in self.lines}
        intro = [*intro, *prose_sections(self.sections, self.hints, texts)]
        closing: list[list[str]] = []
        if any(signoff):
            if self.sections:
                # "Please reply ...", "Have a nice week!" above the sign-off close the mail
                last = self.sections[-1]
                closing, last.text = last.text[last.tail_from :], last.text[: last.tail_from]
            closing.append([ln for ln in signoff if ln])
        if self.year is None and (year := mail_year([m.when for m in self.milestones])):
            self.milestones = dated_milestones(self.milestones, year)
        return build_outline(
            Draft(
                title=title,
                preamble=preamble,
                intro=intro,
                milestones=self.milestones,
                marker_after=self.marker_after,
                sections=self.sections,
                footnotes=self.footnotes,
                problems=[*problems, *self.problems],
                closing=closing,
                owner_lines=self.owner_lines,
            ),
            self.hints,
        )
