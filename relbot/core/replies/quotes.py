"""Split a reply's body into quoted blocks and new text.

The reply's meaning is in its new text, and its context is the quote just
above it, so this stage keeps both, in order, with their line numbers, and
drops what belongs to neither: attribution lines ("On ... X wrote:"), ``[snip]``
markers, signatures, mailing-list footers and blank padding. Outlook's
``-----Original Message-----`` block and top-posting are read as quotes too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    QUOTE = "quote"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Block:
    """A run of quoted lines (markers stripped) or of new text."""

    kind: BlockKind
    lines: tuple[str, ...]
    #: deepest quote level in the run (0 for new text)
    depth: int
    #: 1-based line of the block's first line in the body
    line_no: int
    #: quote level of each line (0 for new text and the blank lines inside a quote)
    depths: tuple[int, ...] = field(default=(), compare=False)


def quote_text(block: Block) -> str:
    return "\n".join(block.lines)


def new_text(blocks: Iterable[Block]) -> str:
    """The replier's own words, blocks separated by a blank line."""
    return "\n\n".join(quote_text(b) for b in blocks if b.kind is BlockKind.TEXT)


# Quote markers may be indented a little, spaced ("> >") or padded with the
# non-breaking spaces Evolution uses.
_QUOTE = re.compile(r"^[ \t\u00a0]{0,3}((?:>[ \t\u00a0]?)+)")
# Possessive quantifiers (*+) everywhere a run of whitespace meets another
# quantifier that could take the same characters: backtracking between the
# two made a line of 30,000 tabs take 15 s (tests/test_regex_linear.py).
_SNIP = re.compile(
    r"^\s*+(?:[\[<(]\s*+(?:\.{3}|…|(?:snip(?:ped)?|trimmed|cut)\b)[^\]>)]*+[\]>)]"
    r"|-*+\s*+snip\s*+-*+|\.\.\.\s*+snip\s*+\.\.\.)\s*+$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--[ \t]?$")
_RULE = re.compile(r"^\s*+_{20,}+\s*+$")
_FOOTER_LINE = re.compile(
    r"mailing list|^\S+@lists?\.|listinfo|^https?://lists?\.|^https?://\S+/mailman/|unsubscribe",
    re.IGNORECASE,
)

# An attribution names the quoted author and says they wrote; these forms are
# distinctive enough to drop wherever they stand.
_ATTRIBUTION_STRONG = re.compile(
    r"^(?:On\s.{4,200}\s(?:wrote|writes|said)"
    r"|Quoting\s.{2,200}"
    r"|Am\s.{4,200}\sschrieb\s.{0,100}"
    r"|Le\s.{4,200}\sa\sécrit"
    r"|.{1,120}\swrites\s\(\".*\"\)"
    r"|.{0,100}\d.{0,100}<[^<>\s]+@[^<>\s]+>\s*(?:wrote)?"
    r")\s*:\s*$",
    re.IGNORECASE,
)
# Looser forms ("X wrote:") only count when a quote follows.
_ATTRIBUTION_WEAK = re.compile(r"^\S.{0,120}\s(?:wrote|writes|said)\s*:\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^(?:On|Quoting|Am|Le)\s", re.IGNORECASE)
_GROUPWISE = re.compile(r"^>>>\s.*>>>\s*$")

_OUTLOOK_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
    r"|Forwarded message)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FIELD = re.compile(
    r"^\s*\*?(?:From|Sent|Date|To|Cc|Subject|Von|Gesendet|An|Betreff|De|Envoyé|À|Objet)\*?:",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|Von|De)\*?:\s*\S", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Line:
    kind: BlockKind | None  # None: a blank line, which joins its neighbours' run
    depth: int
    text: str
    line_no: int


def _quote_depth(line: str) -> tuple[int, str]:
    if _GROUPWISE.match(line):
        return 0, line
    match = _QUOTE.match(line)
    if match is None:
        return 0, line
    return match.group(1).count(">"), line[match.end() :]


def _outlook_header_end(lines: list[str], start: int) -> int:
    """Index after an Outlook-style header block starting at ``start``, or -1."""
    i = start
    if _OUTLOOK_SEPARATOR.match(lines[i]):
        i += 1
    elif not (_RULE.match(lines[i]) or _OUTLOOK_FROM.match(lines[i])):
        return -1
    elif _RULE.match(lines[i]):
        i += 1
    first = i
    seen: set[str] = set()
    while i < len(lines) and i - first < 12:
        line = lines[i]
        if _OUTLOOK_FIELD.match(line):
            seen.add(line.strip().lstrip("*").split(":", 1)[0].lower())
        elif line.strip() and i > first and line[:1] in " \t":
            pass  # a folded To:/Cc: list
        else:
            break
        i += 1
    # "Sent:" is Outlook's own; without it or the separator a pasted patch
    # header (From:/Date:/Subject:) would read as a quote
    sent = bool(seen & {"sent", "gesendet", "envoyé"})
    enough = (len(seen) >= 3 and sent) or (i > first and _OUTLOOK_SEPARATOR.match(lines[start]))
    if not enough or not _OUTLOOK_FROM.match(lines[first] if first < len(lines) else ""):
        return -1
    return i


def _next_content(lines: list[str], start: int) -> tuple[int, str]:
    """Quote depth and text of the first non-blank line from ``start``."""
    for line in lines[start : start + 4]:
        depth, text = _quote_depth(line)
        if text.strip() or depth:
            return depth, text
    return 0, ""


def _is_attribution(lines: list[str], i: int, text: str, depth: int) -> int:
    """How many lines (0, 1 or 2) of attribution start at line ``i``."""
    stripped = text.strip()
    if _GROUPWISE.match(stripped):
        return 1
    if not stripped.endswith(":") and not _ATTRIBUTION_START.match(stripped):
        return 0
    if len(stripped) > 300:
        return 0
    candidates = [(stripped, 1)]
    if i + 1 < len(lines) and _ATTRIBUTION_START.match(stripped) and not stripped.endswith(":"):
        next_depth, next_text = _quote_depth(lines[i + 1])
        if next_depth == depth:
            candidates.append((f"{stripped} {next_text.strip()}", 2))
    for candidate, count in candidates:
        after, _ = _next_content(lines, i + count)
        if _ATTRIBUTION_STRONG.match(candidate):
            return count
        if after > depth and _ATTRIBUTION_WEAK.match(candidate):
            return count
    return 0


#: blank lines in a row that are kept; more only cost time
MAX_BLANK_RUN = 50


def _classify(text: str) -> list[_Line]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[_Line] = []
    outlook_from: int | None = None  # once Outlook's header block is seen, all is quote
    in_signature = False
    blank_run = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if outlook_from is None and not in_signature and not line.strip():
            # a blank line between others: the checks below cannot apply, and a
            # mail of half a million of them took seconds; past MAX_BLANK_RUN in
            # a row they say nothing more and are left out
            blank_run += 1
            if blank_run <= MAX_BLANK_RUN:
                out.append(_Line(None, 0, "", i + 1))
            i += 1
            continue
        blank_run = 0
        depth, content = _quote_depth(line)
        if outlook_from is None and depth == 0:
            end = _outlook_header_end(lines, i)
            if end >= 0:
                outlook_from = i
                in_signature = False
                i = end
                continue
        if outlook_from is not None:
            depth += 1
        skip = _is_attribution(lines, i, content, depth - (outlook_from is not None))
        if skip:
            i += skip
            continue
        if _SNIP.match(content):
            i += 1
            continue
        if _RULE.match(content) and _FOOTER_LINE.search(_next_content(lines, i + 1)[1].strip()):
            i += 1
            while i < len(lines) and _FOOTER_LINE.search(_quote_depth(lines[i])[1].strip()):
                i += 1
            continue
        if depth == 0 and _SIGNATURE.match(content):
            in_signature = True
        if depth:
            in_signature = False
            kind: BlockKind | None = BlockKind.QUOTE
        elif in_signature:
            i += 1
            continue
        else:
            kind = BlockKind.TEXT if content.strip() else None
        text_out = content.replace("\u00a0", " ")
        out.append(_Line(kind, depth, text_out if kind else "", i + 1))
        i += 1
    return out


def _resolve_blanks(lines: list[_Line]) -> list[_Line]:
    """A blank line between two quoted lines is part of the quote; else new text."""
    resolved: list[_Line] = []
    previous: BlockKind | None = None
    following: list[BlockKind | None] = [None] * len(lines)
    upcoming: BlockKind | None = None
    for index in range(len(lines) - 1, -1, -1):
        following[index] = upcoming
        if lines[index].kind is not None:
            upcoming = lines[index].kind
    for index, line in enumerate(lines):
        if line.kind is None:
            kind = (
                BlockKind.QUOTE
                if previous is BlockKind.QUOTE and following[index] is BlockKind.QUOTE
                else BlockKind.TEXT
            )
            line = _Line(kind, 0, "", line.line_no)
        else:
            previous = line.kind
        resolved.append(line)
    return resolved


#: lines with words on them read of a mail's body. Every stage reads line by
#: line, and a reply quoting a whole status mail is a few hundred lines; half
#: a million short lines (``-`` each) took 2.6 s, where this many take 0.1 s
MAX_LINES = 20_000

_WORDED_LINE = re.compile(r"\S[^\n]*+")


def within_lines(text: str, limit: int = MAX_LINES) -> tuple[str, str]:
    """``text`` cut after its ``limit``-th line that is not blank: (read, rest).

    Blank lines are not counted: padding costs little to skip (``split_body``
    shortens long runs of it), and what follows it is still read.
    """
    if text.count("\n") < limit:
        return text, ""
    worded = _WORDED_LINE.finditer(text)
    last = next(itertools.islice(worded, limit - 1, None), None)
    if last is None or next(worded, None) is None:
        return text, ""
    return text[: last.end()], text[last.end() :]


def split_body(text: str) -> tuple[Block, ...]:
    """Quoted blocks and new text of a reply body, in order. Never raises."""
    blocks: list[Block] = []
    run: list[_Line] = []

    def flush() -> None:
        start, end = 0, len(run)
        while start < end and not run[start].text.strip():
            start += 1
        while end > start and not run[end - 1].text.strip():
            end -= 1
        if start == end:
            return
        kept = run[start:end]
        kind = kept[0].kind or BlockKind.TEXT
        lines = tuple(line.text.rstrip() for line in kept)
        depths = tuple(line.depth for line in kept)
        depth = max(depths)
        if blocks and blocks[-1].kind is kind:
            last = blocks[-1]
            blocks[-1] = Block(
                kind,
                (*last.lines, "", *lines),
                max(depth, last.depth),
                last.line_no,
                (*last.depths, 0, *depths),
            )
        else:
            blocks.append(Block(kind, lines, depth, kept[0].line_no, depths))

    for line in _resolve_blanks(_classify(text)):
        if run and line.kind is not run[0].kind:
            flush()
            run = []
        run.append(line)
    if run:
        flush()
    return tuple(blocks)
