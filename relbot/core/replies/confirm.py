"""A release manager's "Thanks, I've updated the list": agreement by reply.

When an RM answers a developer's mail with words that say the list was
updated as asked, what that mail proposed and is still waiting for review is
agreed to, exactly as if the RM had run ``relbot accept``. The wording must
say the update happened or will: a bare "Thanks" acknowledges the mail
without agreeing to anything, and a question or a "but" holds it back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from relbot.core.replies.quotes import Block, BlockKind, quote_text

#: the RM says the list reflects (or will reflect) the answer
_UPDATED = re.compile(
    r"\b("
    r"(i'?ve|i have|have|has been|i|i'll|will)\s+(now\s+|just\s+)?"
    r"(update|amend|adjust|change|move|mark|note|record|remove|drop|defer|add)(d|ed)?\b"
    r"|updated( the| my)?( list| tracker| page| status| entry| item)?\b"
    r"|marked (it |this |that |them )?(as )?(done|fixed|deferred|resolved|complete)"
    r"|(ok|okay|great|thanks|thank you|good)[,.!]*\s*(will do|done|updated|noted)\b"
    r"|^\s*(done|updated|noted)\b[.!,]*\s*(thanks|thank you)?[.!]*\s*$"
    # "Sounds good to me.", "Fine, added it to the list.", "I'm happy with that."
    r"|^\s*(that\s+|this\s+)?sounds\s+(good|fine|reasonable)(\s+to\s+me)?\s*[.!]*\s*$"
    r"|\badded\s+(it\s+|this\s+|them\s+)?to\s+(my|the)\s+list\b"
    r"|\b(i\s+am|i'm)\s+(personally\s+)?(good|fine|ok|okay|happy)\s+with\s+(it|this|that)\b"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_HELD_BACK = re.compile(
    r"\?|\b(but|however|not yet|once|when|if|unless|wait|hold on|won't|will not|can't)\b",
    re.IGNORECASE,
)
#: longer than this, the answer is about more than the update
_MAX_WORDS = 40


def confirms_update(new_text: str) -> bool:
    """True when an RM's own words agree that the list now says what was asked."""
    text = " ".join(new_text.split())
    if not text or len(text.split()) > _MAX_WORDS:
        return False
    for sentence in re.split(r"(?<=[.!?])\s+|\n", new_text):
        sentence = sentence.strip()
        if _UPDATED.search(sentence) and not _HELD_BACK.search(sentence):
            return True
    return False


#: "On Tue, 3 Sep 2019, Roger Pau Monné wrote:", "Jan Beulich <jb@suse.com> wrote:"
_WROTE = re.compile(
    r"^\s*+(?:(?:On|Quoting)\s(?>.*,)\s*+)?"
    r"(?P<name>[^,:<>()\"\s]++(?:\s++[^,:<>()\"\s]++)*?)\"?(?:\s*+(?:<[^<>]*+>|\([^()]*+\)))?"
    r"\s++(?:wrote|writes|said)\s*+:\s*+$",
    re.IGNORECASE,
)
#: an Outlook header's "From: Jürgen Groß <jgross@suse.com>"
_FROM = re.compile(r"^\s*\*?(?:From|Von|De)\*?:\s*\"?(?P<name>[^\"<>\[\]@]+?)\"?\s*(?:[<\[]|$)")
_NAME = re.compile(r"^[^\W\d_][\w'.\-]*(?:\s+[^\W\d_][\w'.\-]*){0,4}$")
#: "I'll update the list": a promise to look at the answer, not yet agreement with it
_PROMISE = re.compile(
    r"\b(?:i'?ll|i will|will)\s+(?:now\s+|just\s+)?update\b(?:\s+(?:the|my)\s+(?:list|tracker))?",
    re.IGNORECASE,
)
#: how far above a quote its attribution or Outlook header may stand
_HEADER_LINES = 8
#: who wrote an answer when no attribution names them
QUOTED_WRITER = "the quoted writer"


@dataclass(frozen=True, slots=True)
class AgreedAnswer:
    """A quoted answer an RM's confirmation stands under, read as its writer's words."""

    lines: tuple[str, ...]
    line_no: int
    writer: str
    #: an attribution line named the writer
    named: bool


def agreed_answer(
    body: str, blocks: Sequence[Block], n: int, *, outer: int = 0
) -> AgreedAnswer | None:
    """The quoted answer directly above block ``n`` when that block confirms an update.

    The answer is the last run of the quote at one level, with lines one
    level deeper (the status mail the writer answered) just above it; its
    writer is the one the attribution or Outlook header of that level names.
    """
    if n <= 0 or n >= len(blocks):
        return None
    block, above = blocks[n], blocks[n - 1]
    if block.kind is not BlockKind.TEXT or above.kind is not BlockKind.QUOTE:
        return None
    own = quote_text(block)
    if not confirms_update(own) or not confirms_update(_PROMISE.sub(" ", own)):
        return None
    depths = above.depths or (above.depth,) * len(above.lines)
    end = len(above.lines)
    while end > 0 and not above.lines[end - 1].strip():
        end -= 1
    if end == 0:
        return None
    level = depths[end - 1]
    start = end
    while start > 0 and (depths[start - 1] == level or not above.lines[start - 1].strip()):
        start -= 1
    while start < end and not above.lines[start].strip():
        start += 1
    before = start - 1
    while before >= 0 and not above.lines[before].strip():
        before -= 1
    if level < 1 or before < 0 or depths[before] != level + 1:
        return None
    lines = above.lines[start:end]
    writer = _writer(body, above.line_no, block.line_no, level) or ""
    return AgreedAnswer(lines, above.line_no + start, writer or QUOTED_WRITER, bool(writer))


def _writer(body: str, quote_line: int, text_line: int, level: int) -> str:
    """The name the attribution of quote level ``level`` gives, scanning up from the answer."""
    raw = body.replace("\r\n", "\n").split("\n")
    first = max(0, quote_line - 1 - _HEADER_LINES)
    for i in range(min(text_line - 2, len(raw) - 1), first - 1, -1):
        depth, content = _depth_of(raw[i])
        wrote = _WROTE.match(content)
        if wrote is not None and depth < level:
            name = " ".join(wrote.group("name").split())
            return name if _NAME.match(name) else ""
        heading = _FROM.match(content)
        if heading is not None and depth <= level:
            name = " ".join(heading.group("name").split())
            return name if _NAME.match(name) else ""
    return ""


_MARKS = re.compile(r"^[ \t\u00a0]{0,3}((?:>[ \t\u00a0]?)+)")


def _depth_of(line: str) -> tuple[int, str]:
    match = _MARKS.match(line)
    if match is None:
        return 0, line
    return match.group(1).count(">"), line[match.end() :]
