"""New items written without a request: titles that lead paragraphs, quoted titles.

Real replies name new work in the reply's own shape more often than they ask
for it (REPLIES.md): a numbered list ``1) Grant table fixes.`` with the status
under each number; paragraphs that open with a title sentence ("Fixes for
the new parts.  Half of it is written ...") under a mail's catch-all item
("Anything else I forgot?"); a title in double quotes that no tracked item
carries ('"Per-domain grant limits" still has work to do for 5.2'). Each
becomes an add proposal at a confidence that waits for the release manager:
the shape says "new work", the words do not ask.

Also here: a new item given as answers to the mail's ``S:/O:/E:/P:``
template, a title written beside a pointer, done beside work said to remain
(partly done), and status said in prose under an item, which waits as a note.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from typing import Any

from relbot.core.replies.action_base import (
    Action,
    ActionKind,
    Reading,
    act,
    pointer_value,
    version_of,
)
from relbot.core.replies.context import Context, match_title
from relbot.core.replies.phrases import Sentence, split_sentences
from relbot.core.replies.pointers import Pointer, find_pointers
from relbot.core.replies.quotes import Block, BlockKind

#: "1) title.", "2. title" at the start of a paragraph
_NUMBERED = re.compile(r"^\s{0,3}\(?(\d{1,2})[.)]\s+(\S.*)$")
#: a first sentence that says something rather than names something
_CLAUSE = re.compile(
    r"(?i)\b(?:i|we|you|he|she|they|it|this|that|there|these|those|is|are|was|were|be|been|"
    r"has|have|had|will|would|should|can|could|may|might|must|do|does|did|'s|'re|'ve|'ll|"
    r"think|thanks?|please|yes|no)\b"
)
_QUOTED = re.compile(r"\"([^\"]{6,90})\"|\u201c([^\u201d]{6,90})\u201d")
#: words that say the quoted title is wanted for the release
_WANTED = re.compile(
    r"(?i)\b(?:pending|ought to|make it|work to do|still has|want|needs?|needed|should|"
    r"for \d+\.\d+|in time|get in|go in|release|track|list|blocker|missing)\b"
)
_BY = re.compile(
    r"(?i)\b(?:developed|development|work(?:ed)? on|being worked on|written|done) by "
    r"(?-i:([A-Z][\w\u00c0-\u024f'-]+(?: [A-Z][\w\u00c0-\u024f'-]+)?))"
)
#: an item that names no work but asks for more: "Any other series I forgot."
_INVITES = re.compile(
    r"(?i)^\W*(?:\d+[.)]\s*)?(?:and |any |some |possibly |maybe )?(?:other|others|more|"
    r"anything else|something else)(?:\s+(?:patch(?:es)?|series|items?|work|things|features?|"
    r"requests?|ones?|bits))*(?:\s+(?:that )?(?:i|we)(?:'ve| have)? (?:missed|forgot(?:ten)?))?"
    r"\W*$"
)
_TITLE_WORDS = 10
_GREETING = re.compile(r"(?i)^(?:hi|hello|hey|dear|cheers|regards|best|kind regards)\b")
#: the confidence of an add read from shape alone: the release manager decides
SHAPE = 0.6


def invites_items(text: str) -> bool:
    """Whether an item's text only invites more items rather than naming work."""
    return bool(_INVITES.search(text.strip()))


def _title(text: str) -> str:
    """The paragraph's first sentence when it only names something, else ''."""
    head = re.split(r"(?<=[.!?])\s+|\.$", text.strip(), maxsplit=1)[0].strip()
    head = head.rstrip(".!").strip()
    if not head or head.endswith("?") or len(head.split()) > _TITLE_WORDS:
        return ""
    if _CLAUSE.search(head) or "://" in head or len(head.split()) < 2:
        return ""
    if head.endswith(",") or _GREETING.match(head) or head.startswith(("~", "--")):
        return ""
    return head


def _paragraphs(lines: Sequence[str], first_line: int) -> list[tuple[int, list[str]]]:
    out: list[tuple[int, list[str]]] = []
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        if out and n > 0 and lines[n - 1].strip():
            out[-1][1].append(line)
        else:
            out.append((first_line + n, [line]))
    return out


def _owners(text: str, reading: Reading) -> list[str]:
    named = _BY.search(text)
    return [named.group(1)] if named and named.group(1) != "Me" else [reading.sender]


def lead_adds(
    lines: Sequence[str], first_line: int, ctx: Context, reading: Reading, invited: bool
) -> list[Action]:
    """Adds for paragraphs led by a title: numbered, or any under an inviting item."""
    out: list[Action] = []
    if ctx.item_id is not None and not invited:
        return out  # under a tracked item, a paragraph speaks of that item
    paragraphs = _paragraphs(lines, first_line)
    for n, (line_no, para) in enumerate(paragraphs):
        joined = " ".join(" ".join(para).split())
        numbered = _NUMBERED.match(para[0])
        about = joined  # the paragraph and, for a numbered one, those up to the next number
        if numbered is not None:
            joined = " ".join(numbered.group(2).split() + " ".join(para[1:]).split())
            after = [p for _, p in paragraphs[n + 1 :]]
            stop = next((i for i, p in enumerate(after) if _NUMBERED.match(p[0])), len(after))
            about = " ".join([joined, *(" ".join(p) for p in after[:stop])])
        elif not invited:
            continue
        title = _title(joined)
        if not title or ((found := match_title(reading.index, title)) and found[1] >= 0.7):
            continue
        value: dict[str, Any] = {
            "text": title,
            "section": ctx.section or "",
            "links": [
                pointer_value(p)
                for p in find_pointers(joined, reading.tracker_prefixes)
                if p.url or p.message_id
            ],
            "owners": _owners(about, reading),
        }
        version = version_of(joined)
        if version:  # "1) Grant table fixes.  Awaiting review of v3."
            value.update(status="patches posted", version=version)
        out.append(act(ActionKind.ADD, None, value, reading, Sentence(joined, line_no), SHAPE))
    return out


def quoted_adds(s: Sentence, ctx: Context, reading: Reading) -> list[Action]:
    """'"Some title" still has work to do for 5.2': a title no item carries."""
    if not _WANTED.search(s.text) or s.text.rstrip().endswith("?"):
        return []
    out: list[Action] = []
    for m in _QUOTED.finditer(s.text):
        title = (m.group(1) or m.group(2)).strip(" .,")
        words = [w for w in title.lower().split() if w not in ("the", "a", "an", "my", "our")]
        if len(words) < 2 or _CLAUSE.match(title):
            continue  # 'as for "the plan"' quotes a phrase, not a title
        found = match_title(reading.index, title)
        if found is not None and found[1] >= 0.6:
            continue
        value: dict[str, Any] = {"text": title, "section": ctx.section or "", "links": []}
        out.append(act(ActionKind.ADD, None, value, reading, s, SHAPE))
    return out


#: what says nothing of the work: thanks, acks, a sign-off name
_ACK = re.compile(
    r"(?i)^(?:thanks?(?: you)?|thx|ok(?:ay)?|yes|yep|sure|indeed|agreed|right|great|good|"
    r"fine|noted|cheers|regards|best regards|sounds good|hi|hello|hey|dear)\b"
)
_NOTE_CHARS = 300
#: notes read from one answer at most: a long answer is for the RM to read whole
_NOTES = 3
_BOTH = re.compile(r"(?i)\b(?:these|those|the) two\b|\bboth of (?:these|them|those)\b")
_TRAILER = re.compile(r"(?i)^[\w-]+-by:\s")
#: a status statement under an item: the RM reads it, relbot only proposes it
STATEMENT = 0.5


def status_note(
    lines: Sequence[str],
    first_line: int,
    ctx: Context,
    reading: Reading,
    read_lines: frozenset[int] = frozenset(),
) -> list[Action]:
    """What was said under a quoted item that no cue read: notes for the RM to keep.

    "Still bisecting.", "I think this needs a v3.", "An update is nearly
    ready": status in the writer's words, one note a paragraph.
    Questions, thanks and a sign-off are not status.
    """
    item = reading.tracker.item(ctx.item_id) if ctx.item_id else None
    if ctx.item_id is None or item is None or invites_items(item.text):
        return []
    paragraphs: list[list[Sentence]] = []
    blank = [first_line + n for n, line in enumerate(lines) if not line.strip()]
    for s in split_sentences(lines, first_line):
        text = s.text.strip()
        if text.endswith("?") or _ACK.match(text) or len(text.split()) < 2:
            continue
        if s.line_no in read_lines:
            continue  # a sentence another reading already took
        if text.startswith(("--", "~", "#")) or re.fullmatch(r"[\w.'-]+,?", text):
            continue
        if _TRAILER.match(text) or text.endswith(":"):
            continue  # "Acked-by: ...", an attribution line
        gap = paragraphs and any(paragraphs[-1][-1].line_no < n < s.line_no for n in blank)
        if not paragraphs or gap:
            paragraphs.append([])
        paragraphs[-1].append(s)
    out: list[Action] = []
    for para in paragraphs[:_NOTES]:
        said = " ".join(s.text for s in para)
        if len(said) > _NOTE_CHARS:
            said = said[:_NOTE_CHARS].rsplit(" ", 1)[0] + " ..."
        items = [ctx.item_id]
        if _BOTH.search(said) and len(ctx.quoted) >= 2:
            # "these two need a decision first": the last two items quoted
            shown = [e.item_id for e in reading.index.entries if e.item_id in ctx.quoted]
            if ctx.item_id in shown:
                at = shown.index(ctx.item_id)
                items = shown[max(0, at - 1) : at + 1]
        out += [act(ActionKind.NOTE, i, {"text": said}, reading, para[0], STATEMENT) for i in items]
    return out


def clean_title(text: str, p: Pointer) -> str:
    """The words of a sentence around a pointer, as a title (the pointer itself if few)."""
    for part in (p.url, f"<{p.message_id}>", p.value):
        text = text.replace(part, " ") if part else text
    text = " ".join(re.sub(r"[\[\]()<>]", " ", text).split()).strip(" :-.,")
    return text[:100] if len(text) >= 12 else p.value


#: a title line given with its pointer: "- Allow X to do Y <url>", '"Title" <url>'
_TITLE_LINE = re.compile(r"^\s*(?:[-*•]\s+|\d{1,2}[.)]\s+)(?P<t>[^\s].*)$|^\s*\"(?P<q>[^\"]{8,})\"")


def title_beside(text: str, p: Pointer) -> str:
    """The title written as a list line or in quotes next to a pointer, else ''."""
    if not (p.url or p.message_id):
        return ""
    m = _TITLE_LINE.match(text)
    if m is None:
        return ""
    title = clean_title(m.group("t") or m.group("q"), p)
    return title if title != p.value and len(title.split()) >= 3 else ""


def shares_words(title: str, reading: Reading, item_id: str) -> bool:
    item = reading.tracker.item(item_id)
    if item is None:
        return True
    words = {w for w in re.findall(r"[a-z0-9][\w/.-]*", item.text.lower()) if len(w) > 3}
    return any(w in words for w in re.findall(r"[a-z0-9][\w/.-]*", title.lower()) if len(w) > 3)


#: work said to remain beside news of a commit: "the test rig needs to be updated",
#: "that part has to wait for the next rc", "the tools side is still waiting for review"
_REMAINING = re.compile(
    r"(?i)\b(?:still (?:needs?|pending|missing|open|to do|waiting)|needs? to be (?:updated|done|"
    r"fixed|merged|committed|reviewed|posted)|(?:have|has) to wait|(?<!no )(?:work|patches|"
    r"parts?) (?:remains?|left)|waiting (?:for|on) (?:review|an? ack))"
)


def partly_when_work_remains(final: Action, sentences: Sequence[Sentence]) -> Action:
    """A "done" beside work said to remain is partly done, and waits for the RM."""
    if final.value.get("status") != "done":
        return final
    if not any(_REMAINING.search(s.text) for s in sentences):
        return final
    value = {**final.value, "status": "partly done"}
    return dataclasses.replace(final, value=value, confidence=round(final.confidence * 0.9, 3))


#: a template prompt the status mail asked to answer: "S: feature name", "O: owner"
_PROMPT = re.compile(r"^\s*([SOEP]):\s+\S")
_LINE = 200
_PERSON = re.compile(r"^\s*+([^<>\s](?:[^<>\n]*?[^<>\s])?)\s*+<[^<>\s]+@[^<>\s]+>\s*+$")


def stanza_add(blocks: Sequence[Block], reading: Reading) -> Action | None:
    """A new item given as answers to the mail's ``S:/O:/E:/P:`` template, each
    written under its quoted prompt: title from S, owners from O and E, the
    pointers under S as links (what P says stays in the mail for the RM)."""
    answers: dict[str, list[str]] = {}
    first = 0
    for quote, text in itertools.pairwise(blocks):
        if quote.kind is not BlockKind.QUOTE or text.kind is not BlockKind.TEXT:
            continue
        asked = [ln for ln in quote.lines if ln.strip()]
        m = _PROMPT.match(asked[-1]) if asked else None
        if m is not None:
            answers.setdefault(m.group(1), []).extend(ln for ln in text.lines if ln.strip())
            first = first or text.line_no
    named = [ln.strip() for ln in answers.get("S", ()) if "://" not in ln]
    title = next((t for t in reversed(named) if not t.endswith(":")), "")
    if not title:
        return None
    people = [
        m.group(1)
        for ln in answers.get("O", []) + answers.get("E", [])
        if len(ln) <= _LINE and (m := _PERSON.match(ln))  # bounded: the match stays cheap
    ]
    value: dict[str, Any] = {
        "text": title.rstrip("."),
        "section": "",
        "links": [
            pointer_value(p)
            for p in find_pointers("\n".join(answers["S"]), reading.tracker_prefixes)
            if p.url or p.message_id
        ],
        "owners": list(dict.fromkeys(people)) or [reading.sender],
    }
    return act(ActionKind.ADD, None, value, reading, Sentence(title, first), SHAPE)


def with_stanza(proposed: list[Action], blocks: Sequence[Block], reading: Reading) -> list[Action]:
    """``proposed`` with the template's new item; its pointers are not items of their own."""
    stanza = stanza_add(blocks, reading)
    if stanza is None:
        return proposed
    mine = {str(x.get("url")) for x in stanza.value["links"]}
    kept = [
        a
        for a in proposed
        if not (a.kind is ActionKind.CANDIDATE_BUG and str(a.value.get("url")) in mine)
    ]
    return [*kept, stanza]
