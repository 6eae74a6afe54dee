"""The index a reply's quotes and words are matched against: a tracker's items.

``build_index`` reads each item once (its words and their weights, its title
and name, its links, the section headings) into inverted postings, so that
``relbot.core.replies.context`` can match a quoted chunk or a sentence against every
item in one pass. ``tokens`` is the one word splitter both sides use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from relbot.core.tracker.model import Tracker

STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        """a about above after again all also am an and any are as at be because been
        before being but by can could did do does doing done for from further had has
        have having he her here hers him his how i if in into is it its itself just me
        more most my no nor not now of off on once only or other our out over own same
        she should so some such than that the their them then there these they this
        those through to too under until up very was we were what when where which
        while who whom why will with would you your yours et al e g eg""",
    )
)
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased words of two or more letters, stop words left out."""
    return [t for t in _TOKEN.findall(text.lower()) if len(t) > 1 and t not in STOPWORDS]


@dataclass(frozen=True, slots=True)
class _Entry:
    item_id: str
    section: str
    pos: int
    weight: float
    title_weight: float
    title_size: int
    #: the item this one is nested under, when that is a remark on it rather
    #: than a piece of work ("* One of several recent reports of ...")
    remark_on: str | None = None
    #: words of the item's name, the way a reply names it ("AMD sharing")
    name: frozenset[str] = frozenset()
    #: words of the status lines and notes written under the item in the mail
    notes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SectionEntry:
    key: str
    words: tuple[str, ...]
    tail: tuple[str, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class ItemIndex:
    """The items of one tracker, tokenised once, in mail order."""

    entries: tuple[_Entry, ...]
    by_id: Mapping[str, int]
    postings: Mapping[str, tuple[tuple[int, float], ...]]
    title_postings: Mapping[str, tuple[tuple[int, float], ...]]
    sections: tuple[SectionEntry, ...]
    unknown_weight: float
    #: a link's URL or Message-ID -> the entry whose item carries it
    links: Mapping[str, int] = field(default_factory=dict)
    #: a word of an item's name -> the entries whose name has it
    name_postings: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def weight(self, token: str) -> float:
        hits = self.postings.get(token)
        return hits[0][1] if hits else self.unknown_weight


URL = re.compile(r"https?://[^\s<>\[\]()\"']+")
#: a nested item whose head runs this long is a sentence about its parent
_REMARK_WORDS = 8


def link_key(url: str) -> str:
    return url.rstrip("/.,;:>").lower()


def _is_remark(item_text: str, owners: Sequence[str]) -> bool:
    """A sub-bullet that comments on its parent: a long sentence, nobody's work,
    or a bare word that only says which part it is ("* Persistent grants" / "- Linux")."""
    words = len(_title(item_text).split())
    return not owners and (words >= _REMARK_WORDS or len(item_text.split()) == 1)


def _title(text: str) -> str:
    """The head of an item: up to its first full stop, dash pair or colon."""
    head = re.split(r"\.\s|\s--\s|:\s|\(", text + " ", maxsplit=1)[0]
    return " ".join(head.split()[:10])


_SERIES_TAG = re.compile(r"^\s*(?:\[[^\]]*\]\s*)+")


def _name(text: str) -> frozenset[str]:
    """The words a reply names an item by: its head, colons kept, series tags dropped."""
    head = re.split(r"\.\s|\s--\s|\(", _SERIES_TAG.sub("", text) + " ", maxsplit=1)[0]
    return frozenset(tokens(" ".join(head.split()[:12])))


@lru_cache(maxsize=16)
def build_index(tracker: Tracker) -> ItemIndex:
    """Index a tracker's items; cached, since one tracker serves many replies."""
    ordered: list[tuple[str, str | None]] = []  # (section key, item id or None)
    seen: set[str] = set()
    keys = [s.key for s in tracker.sections]
    keys += [it.section for it in tracker.items if it.section not in keys]
    for key in dict.fromkeys(keys):
        ordered.append((key, None))
        for _, it in tracker.walk(key):
            ordered.append((key, it.id))
            seen.add(it.id)
    ordered += [(it.section, it.id) for it in tracker.items if it.id not in seen]

    words: list[set[str]] = []
    titles: list[set[str]] = []
    meta: list[tuple[str, str, int]] = []
    remarks: list[str | None] = []
    link_keys: list[list[str]] = []
    names: list[frozenset[str]] = []
    noted: list[frozenset[str]] = []
    sections: list[tuple[str, int]] = []
    for pos, (key, item_id) in enumerate(ordered):
        if item_id is None:
            sections.append((key, pos))
            continue
        found = tracker.item(item_id)
        if found is None:
            continue
        body = " ".join((found.text, *found.tags, *found.owners, found.status_note))
        words.append(set(tokens(body)))
        titles.append(set(tokens(_title(found.text))))
        names.append(_name(found.text))
        noted.append(frozenset(tokens(" ".join(found.notes))))
        meta.append((found.id, found.section, pos))
        remarks.append(
            found.parent if found.parent and _is_remark(found.text, found.owners) else None
        )
        link_keys.append([link_key(k) for x in found.links for k in (x.url, x.message_id) if k])
    count = max(len(words), 1)
    df: dict[str, int] = {}
    for ws in words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1.0 + count / n) for w, n in df.items()}
    unknown = math.log(1.0 + count / 0.5)
    postings: dict[str, list[tuple[int, float]]] = {}
    title_postings: dict[str, list[tuple[int, float]]] = {}
    entries: list[_Entry] = []
    for i, (ws, ts, (item_id, section, pos)) in enumerate(zip(words, titles, meta, strict=True)):
        for w in ws:
            postings.setdefault(w, []).append((i, idf[w]))
        for w in ts:
            title_postings.setdefault(w, []).append((i, idf.get(w, unknown)))
        entries.append(
            _Entry(
                item_id=item_id,
                section=section,
                pos=pos,
                weight=sum(idf[w] for w in ws) or 1.0,
                title_weight=sum(idf.get(w, unknown) for w in ts) or 1.0,
                title_size=len(ts),
                remark_on=remarks[i],
                name=names[i],
                notes=noted[i],
            )
        )
    section_entries = []
    for key, pos in sections:
        sec = tracker.section(key)
        title = sec.title if sec and sec.title else key
        parts = re.split(r"(?<!\s)\s*+(?:/|>|::)\s*+", title)
        section_entries.append(
            SectionEntry(key, tuple(tokens(title)), tuple(tokens(parts[-1])), pos)
        )
    return ItemIndex(
        entries=tuple(entries),
        by_id={e.item_id: i for i, e in enumerate(entries)},
        postings={w: tuple(v) for w, v in postings.items()},
        title_postings={w: tuple(v) for w, v in title_postings.items()},
        sections=tuple(section_entries),
        unknown_weight=unknown,
        links={k: i for i, keys in enumerate(link_keys) for k in keys},
        name_postings=_name_postings(names),
    )


def _name_postings(names: Sequence[frozenset[str]]) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i, words in enumerate(names):
        for w in words:
            out.setdefault(w, []).append(i)
    return {w: tuple(v) for w, v in out.items()}


def match_notes(index: ItemIndex, text: str) -> int | None:
    """The one entry whose notes the quoted text repeats: an item's own status lines."""
    said = set(tokens(text))
    if len(said) < 4:
        return None
    cover = sorted(
        ((len(said & e.notes) / len(said), i) for i, e in enumerate(index.entries) if e.notes),
        reverse=True,
    )
    if not cover or cover[0][0] < 0.6 or (len(cover) > 1 and cover[1][0] >= cover[0][0] - 0.1):
        return None
    return cover[0][1]


def repeats_notes(index: ItemIndex, entry: int, text: str) -> bool:
    """Whether quoted prose is the entry's own status lines (most of its words are)."""
    said = set(tokens(text))
    notes = index.entries[entry].notes
    return bool(said) and bool(notes) and len(said & notes) >= 0.6 * len(said)
