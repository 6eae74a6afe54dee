"""Which tracker item each block of a reply's new text talks about.

Repliers quote the status mail rewrapped, trimmed and nested, then write under
the part they answer. ``attribute_blocks`` splits each run of quoted lines into
chunks (one per bullet or heading), matches every chunk against the items of
the mail being answered and gives the block of new text below the run the
last item matched, or the section when only a heading was quoted. Text with no
quote above falls back to an explicit item id (``T12``) or to an item's title
words. Matching is a weighted token overlap through an inverted index built
once per tracker (``relbot.core.replies.item_index``), so quoting the whole mail costs
milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# ItemIndex, build_index and tokens are this module's interface too
from relbot.core.replies.item_index import STOPWORDS as STOPWORDS
from relbot.core.replies.item_index import (
    URL,
    SectionEntry,
    link_key,
    match_notes,
    repeats_notes,
)
from relbot.core.replies.item_index import ItemIndex as ItemIndex
from relbot.core.replies.item_index import build_index as build_index
from relbot.core.replies.item_index import tokens as tokens
from relbot.core.replies.quotes import Block, BlockKind

_ITEM_ID = re.compile(r"(?<![\w/.-])\[?(T\d{1,5})\]?(?![\w/-])")
_BULLET = re.compile(r"^\s*(?:[*•+-]|\d{1,2}[.)])\s+\S")
_HEADING_DECOR = re.compile(r"^[\s=*#:\-]+|[\s=*#:\-]+$")
#: a chunk must be explained this well by an item to count as quoting it
MATCH_THRESHOLD = 0.5
#: candidates this close to the best are told apart by their place in the mail
_TIE = 0.08
#: title matching of unquoted text only looks this far into a block
_TITLE_SCAN_CHARS = 4000


@dataclass(frozen=True, slots=True)
class Context:
    """What a block of new text answers: an item, a section, or nothing."""

    item_id: str | None = None
    section: str | None = None
    score: float = 0.0
    quote_excerpt: str = ""
    #: the items the quote above showed, and those of a section whose heading
    #: it showed: where an item named in words ("the AMD one") is looked for
    candidates: frozenset[str] = frozenset()
    #: the quote ended on the mail's own question ("none of these for 4.2?")
    question: str = ""
    #: the items the quote above showed itself, remarks folded in: what "both"
    #: and "all of these" under it speak of
    quoted: frozenset[str] = frozenset()


# -- quoted chunks --------------------------------------------------------------


def _heading(index: ItemIndex, line: str, anchor: int) -> SectionEntry | None:
    """The section a quoted line names when it is a heading, else None."""
    if _BULLET.match(line) or len(line) > 80:
        return None
    words = tuple(tokens(_HEADING_DECOR.sub("", line)))
    if not words or len(words) > 8:
        return None
    found = [s for s in index.sections if words in (s.words, s.tail)]
    if not found:
        return None
    after = [s for s in found if s.pos > anchor]
    return after[0] if after else found[0]


def _explicit_ids(index: ItemIndex, text: str) -> list[str]:
    return [m for m in _ITEM_ID.findall(text) if m in index.by_id]


def match_chunk(index: ItemIndex, text: str, anchor: int = -1) -> tuple[int, float] | None:
    """(entry index, score) of the item a quoted chunk shows, or None.

    Score mixes how much of the chunk the item explains (a partial quote of a
    long item) with how much of the item the chunk holds (several items in one
    rewrapped chunk). Near-ties go to the first candidate after ``anchor``,
    the mail position of what was matched just before.
    """
    ids = _explicit_ids(index, text)
    if ids:
        return index.by_id[ids[-1]], 1.0
    linked = {index.links[k] for k in map(link_key, URL.findall(text)) if k in index.links}
    if len(linked) == 1:
        # the 2024 layout quotes an item's URL on its own line: that URL names it
        return linked.pop(), 1.0
    # a URL's words (a sender's company, a list name) say nothing of which item it is
    words = set(tokens(URL.sub(" ", text)))
    if not words:
        return None
    chunk_weight = sum(index.weight(w) for w in words)
    overlap: dict[int, float] = {}
    hits: dict[int, int] = {}
    for w in words:
        for i, weight in index.postings.get(w, ()):
            overlap[i] = overlap.get(i, 0.0) + weight
            hits[i] = hits.get(i, 0) + 1
    scored: list[tuple[float, int, float, float]] = []
    for i, ov in overlap.items():
        c_cov = ov / chunk_weight
        i_cov = ov / index.entries[i].weight
        if hits[i] < 2 and not (c_cov > 0.99 and i_cov >= 0.5):
            continue
        score = max(c_cov * (0.7 + 0.3 * i_cov), i_cov * (0.45 + 0.5 * c_cov))
        if score >= MATCH_THRESHOLD:
            scored.append((score, i, c_cov, i_cov))
    if not scored:
        return None
    best = max(s[0] for s in scored)
    top = max(scored, key=lambda s: s[0])
    inside = [s for s in scored if s[3] >= 0.8 and s[2] < 0.6]
    if top[2] < 0.6 and len(inside) >= 2:
        # bullets lost in rewrapping: several whole items; the last one is answered
        last = max(inside, key=lambda s: index.entries[s[1]].pos)
        return last[1], last[0]
    near = [s for s in scored if s[0] >= best - _TIE]
    after = [s for s in near if index.entries[s[1]].pos >= anchor]
    if after and len(near) > 1:
        pick = min(after, key=lambda s: (index.entries[s[1]].pos, -s[0]))
    else:
        pick = top
    return pick[1], pick[0]


def _chunks(lines: Iterable[str], depths: Sequence[int] = ()) -> Iterable[tuple[int, list[str]]]:
    """Group quoted lines into one chunk per bullet or heading; blank lines end one,
    and so does a change of quote level (an answer quoted under the item it answers).

    Each chunk comes with the index of its first line.
    """
    chunk: list[str] = []
    start = 0
    for n, line in enumerate(lines):
        if not line.strip():
            if chunk:
                yield start, chunk
                chunk = []
            continue
        deeper = n < len(depths) and start < len(depths) and depths[n] != depths[start]
        if chunk and (_BULLET.match(line) or _maybe_heading(line) or deeper):
            yield start, chunk
            chunk = []
        if not chunk:
            start = n
        chunk.append(line)
    if chunk:
        yield start, chunk


def _maybe_heading(line: str) -> bool:
    """Cheap test before the real one: short, no bullet, ends like a heading."""
    text = line.strip()
    return len(text) <= 80 and (text.endswith(":") or text[:1] in "=*#" or text.endswith("="))


@dataclass(slots=True)
class _RunState:
    item: int | None = None
    section: str | None = None
    score: float = 0.0
    excerpt: str = ""
    #: entries matched so far in this run of quotes
    quoted: set[int] = field(default_factory=set)
    #: sections whose heading the run showed
    headings: list[str] = field(default_factory=list)
    #: quote level of the item matched last
    depth: int = 0
    #: the mail's own prose ended the run: "It seems none of the above ... for 4.2?"
    question: str = ""


def _read_quote(index: ItemIndex, block: Block, state: _RunState, anchor: int) -> int:
    for start, chunk in _chunks(block.lines, block.depths):
        depth = block.depths[start] if start < len(block.depths) else block.depth
        rest = list(chunk)
        heading = _heading(index, rest[0], anchor)
        if heading is not None:
            state.item, state.section, state.score = None, heading.key, 0.9
            state.excerpt = rest[0].strip()
            state.headings.append(heading.key)
            state.question = ""
            anchor = heading.pos
            rest = rest[1:]
            if not rest:
                continue
        text = " ".join(" ".join(rest).split())
        found = match_chunk(index, text, anchor)
        noted = match_notes(index, text) if found is None else None
        if noted is not None:
            # the status lines the mail wrote under an item are that item's context
            found = (noted, 0.8)
        if found is None and state.item is not None and repeats_notes(index, state.item, text):
            continue  # the item's own status lines, quoted with it
        if found is None:
            if state.item is not None and depth == state.depth and _is_prose(rest):
                # the mail's own words after the items it quoted speak of the
                # section: the answer below names its item, or none
                state.section = index.entries[state.item].section
                state.item, state.excerpt = None, text[:100]
                state.headings.append(state.section)
                state.question = text if text.endswith("?") else ""
            continue
        state.question = ""
        i, score = found
        state.depth = depth
        entry = index.entries[i]
        anchor = entry.pos
        parent = index.by_id.get(entry.remark_on) if entry.remark_on else None
        state.quoted.add(i)
        if parent is not None and parent in state.quoted:
            # the answer under an item and the remarks nested in it is about the item
            continue
        state.item, state.section, state.score = i, entry.section, score
        state.excerpt = text[:100]
    return anchor


def _is_prose(lines: Sequence[str]) -> bool:
    """A paragraph of the mail's own text: unindented, a sentence long, no bullet."""
    head = lines[0] if lines else ""
    return (
        bool(head[:1].isalpha())
        and not _BULLET.match(head)
        and len(URL.sub(" ", " ".join(lines)).split()) >= 6
    )


def _quoted(index: ItemIndex, state: _RunState) -> frozenset[str]:
    return frozenset(index.entries[i].remark_on or index.entries[i].item_id for i in state.quoted)


def _candidates(index: ItemIndex, state: _RunState) -> frozenset[str]:
    """The items a run of quotes showed, remarks folded into their items, with
    every item of a section whose heading it showed."""
    out: set[str] = set()
    for i in state.quoted:
        entry = index.entries[i]
        out.add(entry.remark_on or entry.item_id)
    sections = set(state.headings)
    out |= {e.item_id for e in index.entries if e.section in sections and not e.remark_on}
    return frozenset(out)


def match_title(index: ItemIndex, text: str) -> tuple[str, float] | None:
    """The one item whose title words the text uses, if exactly one stands out."""
    ids = _explicit_ids(index, text[:_TITLE_SCAN_CHARS])
    if ids:
        return ids[0], 1.0
    words = set(tokens(text[:_TITLE_SCAN_CHARS]))
    overlap: dict[int, float] = {}
    hits: dict[int, int] = {}
    for w in words:
        for i, weight in index.title_postings.get(w, ()):
            overlap[i] = overlap.get(i, 0.0) + weight
            hits[i] = hits.get(i, 0) + 1
    scored = sorted(
        (
            (ov / index.entries[i].title_weight, i)
            for i, ov in overlap.items()
            if hits[i] >= min(2, index.entries[i].title_size)
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < 0.6:
        return _match_rare_words(index, words)
    if len(scored) > 1 and scored[1][0] > scored[0][0] - 0.2:
        return None
    cover, i = scored[0]
    # title words are weaker evidence than a quote: below 0.75, so proposals wait
    return index.entries[i].item_id, 0.45 + 0.25 * cover


def _match_rare_words(index: ItemIndex, words: set[str]) -> tuple[str, float] | None:
    """The one item sharing two or more words no other item uses ("tmem_destroy")."""
    rare: dict[int, int] = {}
    for w in words:
        hits = index.postings.get(w, ())
        if len(hits) == 1:
            rare[hits[0][0]] = rare.get(hits[0][0], 0) + 1
    found = [i for i, n in rare.items() if n >= 2]
    if len(found) != 1:
        return None
    return index.entries[found[0]].item_id, 0.6


def attribute_blocks(blocks: Sequence[Block], index: ItemIndex) -> tuple[Context | None, ...]:
    """One Context per block: None for quoted blocks, a Context for new text."""
    out: list[Context | None] = []
    anchor = -1
    state = _RunState()
    in_run = False
    for block in blocks:
        if block.kind is BlockKind.QUOTE:
            if not in_run:
                state, in_run = _RunState(), True
            anchor = _read_quote(index, block, state, anchor)
            out.append(None)
            continue
        in_run = False
        # command lines name their own item; they say nothing of the block's
        text = "\n".join(line for line in block.lines if not line.lstrip().startswith("#"))
        ids = _explicit_ids(index, text[:_TITLE_SCAN_CHARS])
        if ids:
            entry = index.entries[index.by_id[ids[0]]]
            out.append(Context(entry.item_id, entry.section, 1.0, ids[0]))
        elif state.item is not None:
            entry = index.entries[state.item]
            shown = _candidates(index, state)
            quoted = _quoted(index, state)
            out.append(
                Context(entry.item_id, entry.section, state.score, state.excerpt, shown, "", quoted)
            )
        elif state.section is not None:
            shown = _candidates(index, state)
            out.append(
                Context(
                    None,
                    state.section,
                    state.score,
                    state.excerpt,
                    shown,
                    state.question,
                    _quoted(index, state),
                )
            )
        else:
            titled = match_title(index, text)
            if titled is None:
                out.append(Context())
            else:
                entry = index.entries[index.by_id[titled[0]]]
                out.append(Context(entry.item_id, entry.section, titled[1], ""))
    return tuple(out)
