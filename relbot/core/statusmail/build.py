"""Turning what the outline reader collected into frozen Outline values.

The reader fills mutable drafts line by line; this module names sections by
their heading path, reads each item's head and attribute lines (owners,
links, progress notes, sub-items), and applies the "Deferred until 4.3"
sub-item rule and the "Completed" / "Deferred" / "Dropped" section rules.

A ``-`` line under an item is an owner, a link or a note in the layouts that
name owners that way (2013-2020). A mail that names owners on ``owner:``
lines uses ``-`` for sub-items instead, as does a hand-typed ``-Text`` with
no space; those become child items.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass

from relbot.core.statusmail.draft import Draft, DraftItem, DraftSection
from relbot.core.statusmail.items import (
    Vocabulary,
    announced_status,
    deferral_release,
    later_release,
    looks_like_name,
    read_item_head,
    status_part,
)
from relbot.core.statusmail.outline import (
    Outline,
    OutlineHints,
    OutlineItem,
    OutlineSection,
)
from relbot.core.statusmail.sections import heading_key, kept_sections
from relbot.core.statusmail.status import sentence_status, stronger, subject_version
from relbot.core.statusmail.words import DEFERRED_SECTIONS, DROPPED_SECTIONS
from relbot.core.tracker.model import Link, Status

_RELEASE = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
_POINTER = re.compile(r"(?i)^(?:https?://|<[^<>\s]+@[^<>\s]+>$)")
#: more problems than this are summarised: junk input must not give a huge list
MAX_PROBLEMS = 200


def build_outline(draft: Draft, hints: OutlineHints) -> Outline:
    """Freeze a draft; problems from reading items are added to its own."""
    problems = draft.problems
    context = _Context(hints, draft.owner_lines)
    sections = tuple(
        OutlineSection(
            key=key,
            title=sec.title,
            line=sec.line,
            items=tuple(_freeze(it, key, context, problems) for it in sec.items),
            text=tuple("\n".join(p) for p in sec.text if p),
        )
        for key, sec in kept_sections(draft.sections)
    )
    if not sections and not draft.milestones:
        problems.append("no timeline and no section headings found: not a status mail")
    extra = len(problems) - MAX_PROBLEMS
    if extra > 0:
        problems = [*problems[:MAX_PROBLEMS], f"... and {extra} more"]
    return Outline(
        release=_release(
            draft.title,
            draft.preamble,
            [*draft.intro, *draft.closing, [s.title for s in draft.sections]],
        ),
        title=draft.title,
        preamble=tuple(draft.preamble),
        intro=tuple("\n".join(p) for p in draft.intro if p),
        milestones=tuple(draft.milestones),
        marker_after=draft.marker_after,
        sections=sections,
        footnotes=tuple(draft.footnotes),
        problems=tuple(problems),
        closing=tuple("\n".join(p) for p in draft.closing if p),
    )


def prose_sections(
    sections: list[DraftSection], hints: OutlineHints, texts: dict[int, str]
) -> list[list[str]]:
    """Take the headings above the first item that hold only prose ("= Prognosis ="
    and its legend) out of ``sections``; their lines, as intro paragraphs."""
    lead = 0
    while lead < len(sections) and not sections[lead].items:
        lead += 1
    if lead == len(sections):
        return []
    named = {heading_key(s) for s in hints.sections}
    paragraphs: list[list[str]] = []
    kept: list[DraftSection] = []
    for sec in sections[:lead]:
        key = heading_key(sec.title)
        if not sec.text or key in named or section_status(key, hints) is not None:
            kept.append(sec)
            continue
        paragraphs += [[texts.get(sec.line, sec.title)], *sec.text]
    sections[:lead] = kept
    return paragraphs


def _release(title: str, preamble: list[str], intro: list[list[str]]) -> str:
    """The release the mail is about: "Plan for a 4.2 release", else the first x.y."""
    # a version inside a URL or a Message-ID names no release, nor does a past
    # one: "[since the 5.1 release]"
    texts = tuple(
        re.sub(r"(?i)(?<!\S)\S*(?:://|@)\S*+|\b(?:since|after|from|before)\s+\d+\.\d+", " ", t)
        for t in (*preamble, title, *(ln for p in intro for ln in p))
    )
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


#: "Not for 4.3", "not in 4.18": a heading of items moved to a later release
_NOT_FOR = re.compile(r"(?i)\bnot\s+(?:for|in)\s+\d+\.\d+")
_ISSUE = re.compile(r"(?<!\s)\s*+\((#\d++)\)\s*+$")
_WORKING = re.compile(r"(?i)\b(?:investigating|looking\s+into|working\s+on|under\s+way)\b")


@dataclass(frozen=True, slots=True)
class _Context:
    hints: OutlineHints
    owner_lines: bool


def is_done_section(key: str, hints: OutlineHints) -> bool:
    """ "completed", "hypervisor / done", "bugs resolved since last update"."""
    return _done_key(key, hints.done_sections)


def section_status(key: str, hints: OutlineHints) -> Status | None:
    """The status a heading gives its open items: done, deferred, dropped, or None."""
    if _NOT_FOR.search(key.rsplit(" / ", 1)[-1]):
        return Status.DEFERRED
    # "== Completed ==" / "=== x86 ===": the part under a done heading is done too
    if any(_done_key(part, hints.done_sections) for part in key.split(" / ")):
        return Status.DONE
    if _done_key(key, DEFERRED_SECTIONS):
        return Status.DEFERRED
    if _done_key(key, DROPPED_SECTIONS):
        return Status.DROPPED
    return None


@functools.lru_cache(maxsize=256)
def _done_key(key: str, done_sections: tuple[str, ...]) -> bool:
    words = re.findall(r"[\w-]+", key.rsplit(" / ", 1)[-1])
    # "not yet merged", "to be merged into 5.2": what is still to come
    if any(w in ("not", "un", "yet", "pending", "open", "be", "will", "awaiting") for w in words):
        return False
    phrases = [h.lower() for h in done_sections]
    last = " ".join(words)
    return any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", last) for p in phrases)


def _freeze(item: DraftItem, section: str, ctx: _Context, problems: list[str]) -> OutlineItem:
    hints = ctx.hints
    head = read_item_head(" ".join(item.lines), hints.vocabulary)
    if head.unclosed:
        problems.append(
            f"line {item.line}: '(' not closed (line cut off?); read owners"
            f" {', '.join(head.owners) or '-'}"
        )
    owners = list(head.owners)
    links = list(item.links)
    notes: list[str] = []
    subs: list[DraftItem] = []
    status, note, version, release = head.status, head.status_note, head.version, head.release
    said: list[tuple[Status, str]] = []
    issue = _ISSUE.search(head.text)
    if issue is not None:
        # "title (#142)": the forge's issue number, a pointer rather than words of the title
        head = dataclasses.replace(head, text=head.text[: issue.start()].rstrip())
        links.append(Link(tracker_id=issue.group(1)))
    if status is Status.OPEN and (posted := subject_version(head.text)) is not None:
        status, version = Status.PATCHES_POSTED, posted
    had = (len(owners), len(said))
    for attr in item.attrs:
        value = " ".join(" ".join(attr.parts).split())
        kind = attr.kind
        if kind in ("status", "prognosis"):
            had = (-1, -1)
        if (kind == "-" and ctx.owner_lines) or kind == "sub":
            kind = "sub" if _sub_item(value, hints.vocabulary) else "-"
        if kind == "sub":
            subs.append(DraftItem(attr.indent, attr.line, "-", [value]))
        elif kind in ("owner", "owners"):
            owners += [o for o in split_names(value) if o != "?"]
        elif kind in ("status", "prognosis"):
            note = value if not note else f"{note}, {value}"
            if kind == "status":
                said += _said(value, hints.vocabulary)
        elif kind == "link" and re.search(r"(?i)(?:https?|ftp)://|<[^\s<>@]*+@[^\s<>]*+>", value):
            links.append(_link(value))
        elif kind == "text":
            notes.append(value)
            said += _said(value, hints.vocabulary) if sentence_status(value) else []
        else:
            _dash_line(value, ctx, owners, links, notes, said, bool(head.owners))
    # owners or status words read from lines under the item: its lines lack them
    below = (
        had == (-1, -1)
        or len(owners) > had[0]
        or any(w for _s, w in said[had[1] :] if _s is Status.PATCHES_POSTED)
    )
    for found, words in said:
        if found is Status.PATCHES_POSTED and status is Status.PATCHES_POSTED:
            version = words or version
        elif _active(status) and (stronger(status, found) or status is Status.OPEN):
            status, version = found, words or version
    children = tuple(
        _freeze(c, section, ctx, problems) for c in (*subs, *item.children) if c.lines[0]
    )
    if status is Status.OPEN:
        for child in children:
            later = deferral_release(child.text)
            if later is not None and child.text.lower().startswith("defer"):
                status, release = Status.DEFERRED, later
                break
    by_section = section_status(section, hints)
    if by_section is not None and not status.closed:
        status = by_section
        last = section.rsplit(" / ", 1)[-1]
        if status is Status.DEFERRED and not release and not _NOT_FOR.search(last):
            named = _RELEASE.search(last)
            release = named.group(1) if named else ""
    if status is Status.DEFERRED and not release:
        # "status: deferred to 4.19", "will be in 4.4": the later release it waits for
        release = next(filter(None, map(later_release, (note, *notes))), "")
    if status is not Status.PATCHES_POSTED:
        version = ""
    if note != head.status_note:
        note = _without_state(note, status_part(status, version, release), status)
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
        said_below=below,
    )


def _without_state(note: str, canonical: str, status: Status) -> str:
    """ "patches posted, awaiting review" -> "awaiting review" once the status says it."""
    low = note.lower()
    if low == status.value or (canonical and low == canonical.lower()):
        return ""
    if canonical and low.startswith(canonical.lower() + ", "):
        return note[len(canonical) + 2 :]
    return note


def _active(status: Status) -> bool:
    return status in (Status.OPEN, Status.IN_PROGRESS, Status.PATCHES_POSTED, Status.AT_RISK)


def _said(value: str, vocab: Vocabulary) -> list[tuple[Status, str]]:
    """What a ``status:`` value or a progress note announces, in the mail's words."""
    known = announced_status(value, vocab)
    found = sentence_status(value)
    out: list[tuple[Status, str]] = []
    if known is not None and known is not Status.OPEN:
        out.append((known, found[1] if found else ""))
    if found is not None:
        out.append(found)
    if not out and _WORKING.search(value) and not re.search(r"(?i)\bnot\b|n't\b", value):
        out.append((Status.IN_PROGRESS, ""))
    return out


def _sub_item(value: str, vocab: Vocabulary) -> bool:
    """A ``-`` line that is a piece of the item rather than a pointer or progress."""
    what, _ = attribute_line(value, vocab)
    if what in ("link", "tracker", "version") or sentence_status(value) is not None:
        return False
    # "pci pass-thru (external)" is a piece of work; "Goal: ..." or a sentence is a note
    return len(value.split()) <= 8 and ":" not in value


def _dash_line(
    value: str,
    ctx: _Context,
    owners: list[str],
    links: list[Link],
    notes: list[str],
    said: list[tuple[Status, str]],
    head_owners: bool,
) -> None:
    vocab = ctx.hints.vocabulary
    what, value = attribute_line(value, vocab)
    if what == "owner" and not head_owners:
        owners += split_names(value)
    elif what == "link":
        links.append(_link(value))
    elif what == "tracker":
        links.append(Link(tracker_id=value))
    elif what == "version":
        said.append((Status.PATCHES_POSTED, value))
    else:
        notes.append(value)
        said += _said(value, vocab) if sentence_status(value) else []


def _link(value: str) -> Link:
    words = value.split()
    url = words[-1] if words else ""
    title = " ".join(words[:-1]).rstrip(":")
    if url.startswith("<") and url.endswith(">"):
        return Link(message_id=url[1:-1], title=title)
    return Link(url=url.rstrip(".,;"), title=title)


def split_names(value: str) -> list[str]:
    """ "Boris Ostrovsky, Roger Pau Monné & Wei Liu" -> the three names."""
    names: list[str] = []
    # "Jürgen Groß <jgross@suse.com>": the address is not part of the name
    value = re.sub(r"(?<!\s)\s*+<[^<>\s]+@[^<>\s]+>", "", value)
    # "@andyhhp (Andrew Cooper)": a forge handle beside the name; a bare "@handle" is the name
    value = re.sub(r"(?<![\w.])@[\w.-]+\s*\(([^()]+)\)", r"\1", value)
    value = re.sub(r"(?<![\w.])@(?=[\w-])", "", value)
    for part in re.split(r"(?<!\s)\s*+(?:,|&|;|\band\b)\s*+", value):
        part = part.strip()
        if part.endswith(" et al"):
            names += [part[:-6].strip(), "et al"]
        elif part:
            names.append(part)
    return names


def attribute_line(text: str, vocab: Vocabulary) -> tuple[str, str]:
    """Classify a ``-  ...`` line under an item: owner, link, tracker, version or note."""
    stripped = text.strip()
    if re.match(r"(?i)^(https?|ftp)://\S+$", stripped) or re.match(
        r"^<[^<>\s]+@[^<>\s]+>$", stripped
    ):
        return "link", stripped
    if re.match(r"^(?:[A-Z][A-Z0-9]*-\d+|#\d+)$", stripped):
        return "tracker", stripped
    if re.match(r"(?i)^(?:v\d+(?:\.\d+)?|rfc(?:\s+v\d+)?)$", stripped):
        return "version", " ".join(
            w.upper() if w.lower() == "rfc" else w.lower() for w in stripped.split()
        )
    words = stripped.split()
    if words and len(words) <= 6 and _POINTER.match(words[-1]):
        return "link", stripped
    names = split_names(stripped)
    if names and all(
        looks_like_name(n, vocab) or (n.endswith(" et al") and looks_like_name(n[:-6], vocab))
        for n in names
    ):
        return "owner", stripped
    return "note", stripped
