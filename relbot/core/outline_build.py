"""Turning what the outline reader collected into frozen Outline values.

The reader fills mutable drafts line by line; this module names sections by
their heading path, reads each item's head and attribute lines, applies the
"Deferred until 4.3" sub-item and "Completed" section rules, and resolves
milestone dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from relbot.core.model import Footnote, Link, Status
from relbot.core.outline_items import (
    Vocabulary,
    deferral_release,
    looks_like_name,
    read_item_head,
)
from relbot.core.outline_model import (
    Outline,
    OutlineHints,
    OutlineItem,
    OutlineMilestone,
    OutlineSection,
)

_RELEASE = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
#: more problems than this are summarised: junk input must not give a huge list
MAX_PROBLEMS = 200


@dataclass(slots=True)
class DraftItem:
    indent: int
    line: int
    bullet: str
    lines: list[str]
    attrs: list[tuple[int, str, list[str]]] = field(default_factory=list)
    children: list[DraftItem] = field(default_factory=list)
    bracket_open: bool = False
    links: list[Link] = field(default_factory=list)


@dataclass(slots=True)
class DraftSection:
    path: tuple[str, ...]
    title: str
    line: int
    items: list[DraftItem] = field(default_factory=list)
    text: list[list[str]] = field(default_factory=list)


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


def heading_key(text: str) -> str:
    """ "Hypervisor, Blockers:" -> "hypervisor, blockers"."""
    return " ".join(text.strip().strip(":").lower().split())


def milestone_date(when: str, year: int | None) -> dt.date | None:
    """ "19 March", "March 19", "25 March 2013", "2013-03-25"; None if vague."""
    when = when.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", when)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(?i)(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?(?:\s+(\d{4}))?", when)
    if m:
        day, month, yr = m.group(1), m.group(2), m.group(3)
    else:
        m = re.fullmatch(r"(?i)([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?", when)
        if not m:
            return None
        month, day, yr = m.group(1), m.group(2), m.group(3)
    number = _MONTHS.get(month[:3].lower())
    the_year = int(yr) if yr else year
    if number is None or the_year is None:
        return None
    return _date(the_year, number, int(day))


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _heading_key(text: str) -> str:
    return " ".join(text.strip().strip(":").lower().split())


def build_outline(draft: Draft, hints: OutlineHints) -> Outline:
    """Freeze a draft; problems from reading items are added to its own."""
    problems = draft.problems
    sections = tuple(
        OutlineSection(
            key=key,
            title=sec.title,
            line=sec.line,
            items=tuple(_freeze(it, key, hints, problems) for it in sec.items),
            text=tuple("\n".join(p) for p in sec.text if p),
        )
        for key, sec in _kept_sections(draft.sections)
    )
    if not sections and not draft.milestones:
        problems.append("no timeline and no section headings found: not a status mail")
    extra = len(problems) - MAX_PROBLEMS
    if extra > 0:
        problems = [*problems[:MAX_PROBLEMS], f"... and {extra} more"]
    return Outline(
        release=_release(draft.title, draft.preamble, draft.intro),
        title=draft.title,
        preamble=tuple(draft.preamble),
        intro=tuple("\n".join(p) for p in draft.intro if p),
        milestones=tuple(draft.milestones),
        marker_after=draft.marker_after,
        sections=sections,
        footnotes=tuple(draft.footnotes),
        problems=tuple(problems),
    )


def _kept_sections(drafts: list[DraftSection]) -> list[tuple[str, DraftSection]]:
    """Drop empty grouping headings, and name each section by its path."""
    has_content = {sec.path for sec in drafts if sec.items or sec.text}
    kept: list[tuple[str, DraftSection]] = []
    for sec in drafts:
        if sec.path not in has_content:
            continue
        parts = [
            heading_key(sec.path[i])
            for i in range(len(sec.path))
            if sec.path[: i + 1] in has_content or i == len(sec.path) - 1
        ]
        key = " / ".join(p for p in parts if p)
        kept.append((key, sec))
    return kept


def _release(title: str, preamble: list[str], intro: list[list[str]]) -> str:
    """The release the mail is about: "Plan for a 4.2 release", else the first x.y."""
    texts = (*preamble, title, *(ln for p in intro for ln in p))
    for text in texts:
        if re.search(r"(?i)release|plan|development|update|status", text):
            m = _RELEASE.search(text)
            if m:
                return m.group(1)
    for text in texts:
        m = _RELEASE.search(text)
        if m:
            return m.group(1)
    return ""


def _freeze(item: DraftItem, section: str, hints: OutlineHints, problems: list[str]) -> OutlineItem:
    head = read_item_head(" ".join(item.lines), hints.vocabulary)
    if head.unclosed:
        problems.append(
            f"line {item.line}: '(' not closed (line cut off?); read owners"
            f" {', '.join(head.owners) or '-'}"
        )
    owners = list(head.owners)
    links = list(item.links)
    notes: list[str] = []
    status, note, version, release = head.status, head.status_note, head.version, head.release
    for _indent, kind, parts in item.attrs:
        value = " ".join(parts)
        if kind in ("owner", "owners"):
            owners += [o.strip() for o in value.split(",") if o.strip() not in ("", "?")]
            continue
        if kind in ("status", "prognosis"):
            note = value if not note else f"{note}, {value}"
            continue
        what, value = attribute_line(value, hints.vocabulary)
        if what == "owner" and not head.owners:
            owners.append(value)
        elif what == "owner":
            notes.append(value)
        elif what == "link":
            words = value.split()
            url = words[-1]
            if url.startswith("<") and url.endswith(">"):
                links.append(Link(message_id=url[1:-1], title=" ".join(words[:-1])))
            else:
                links.append(Link(url=url, title=" ".join(words[:-1])))
        elif what == "tracker":
            links.append(Link(tracker_id=value))
        else:
            notes.append(value)
    children = tuple(_freeze(c, section, hints, problems) for c in item.children)
    if status is Status.OPEN:
        for child in children:
            later = deferral_release(child.text)
            if later is not None and child.text.lower().startswith("defer"):
                status, release = Status.DEFERRED, later
                break
    last = section.rsplit(" / ", 1)[-1]
    if last in hints.done_sections and not status.closed:
        status = Status.DONE
    lines = tuple(item.lines)
    if head.item_id and lines:
        lines = (lines[0].replace(f"[{head.item_id}]", "", 1).lstrip(), *lines[1:])
    return OutlineItem(
        text=head.text,
        line=item.line,
        item_id=head.item_id,
        tags=head.tags,
        owners=tuple(dict.fromkeys(owners)),
        status=status,
        status_note=note,
        version=version,
        release=release,
        links=tuple(links),
        notes=tuple(notes),
        lines=lines,
        children=children,
    )


def attribute_line(text: str, vocab: Vocabulary) -> tuple[str, str]:
    """Classify a ``-  ...`` line under an item: owner, link or note."""
    stripped = text.strip()
    if re.match(r"(?i)^(https?|ftp)://\S+$", stripped) or re.match(
        r"^<[^<>\s]+@[^<>\s]+>$", stripped
    ):
        return "link", stripped
    if re.match(r"^[A-Z][A-Z0-9]*-\d+$", stripped):
        return "tracker", stripped
    words = stripped.split()
    if words and re.match(r"(?i)^(https?)://", words[-1]):
        return "link", stripped
    if looks_like_name(stripped, vocab) or (
        stripped.endswith(" et al") and looks_like_name(stripped[:-6], vocab)
    ):
        return "owner", stripped
    return "note", stripped
