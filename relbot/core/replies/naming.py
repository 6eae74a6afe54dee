"""Which items a sentence names in words: "the AMD sharing one", "Remus".

A reply that quotes a whole section, or several items, or none, names the
item it means by words of its title ("Both the PCI passthrough and the
save/restore patches went in"). ``named_items`` finds those items among the
candidates a quote showed (or all items): an item is named by two words of
its name that few items share, or by one word no other item has. An item
whose words are only a part of another named item's ("sharing" against "AMD
sharing") is the weaker reading and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from relbot.core.replies.context import Context, ItemIndex, tokens

#: a name word shared by more than this share of the items says little
_COMMON_SHARE = 0.125
#: words that name what kind of work, not which
_KIND_WORDS = frozenset(
    {"series", "patch", "patches", "patchset", "work", "support", "fix", "fixes", "one", "bits"}
    | {"xen", "add", "improvements", "initial", "basic", "new", "v1", "rfc"}
)


#: a URL or an address: its words (a company, a list) name no item
_ADDRESS = re.compile(r"https?://\S+|<?(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+>?")


def _words(text: str) -> list[str]:
    return tokens(_ADDRESS.sub(" ", text))


def _distinct(index: ItemIndex, word: str) -> bool:
    if word in _KIND_WORDS or re.fullmatch(r"\d+", word):
        return False
    shared = len(index.postings.get(word, ()))
    return shared <= max(2, int(len(index.entries) * _COMMON_SHARE))


def named_items(index: ItemIndex, text: str, candidates: Collection[str] = ()) -> tuple[str, ...]:
    """Ids of the items the text names, in mail order; among ``candidates`` if given."""
    allowed = {index.by_id[c] for c in candidates if c in index.by_id}
    hits: dict[int, set[str]] = {}
    for word in set(_words(text)):
        if not _distinct(index, word):
            continue
        for i in index.name_postings.get(word, ()):
            if allowed and i not in allowed:
                continue
            entry = index.entries[i]
            if entry.remark_on is not None:
                continue  # a remark is named through its item
            hits.setdefault(i, set()).add(word)
    # one word no other item has names an item among the few a quote showed,
    # or an item whose whole name is a word or two ("Hyperlaunch")
    named = {
        i: words
        for i, words in hits.items()
        if len(words) >= 2
        or (
            (allowed or len(index.entries[i].name) <= 2)
            and any(len(index.postings.get(w, ())) == 1 for w in words)
        )
    }
    kept = [
        i
        for i, words in named.items()
        if not any(j != i and words < other for j, other in named.items())
    ]
    kept.sort(key=lambda i: index.entries[i].pos)
    return tuple(index.entries[i].item_id for i in kept)


def _body_named(index: ItemIndex, text: str, candidates: Collection[str]) -> tuple[str, ...]:
    """The one quoted item whose text shares the most telling words with the sentence.

    Used when a section was quoted and the answer names no item by its title:
    "the waitqueue work for paging" is about the item whose nested remark
    speaks of waitqueues.
    """
    hits: dict[str, set[str]] = {}
    for word in set(_words(text)):
        if not _distinct(index, word):
            continue
        for i, _ in index.postings.get(word, ()):
            entry = index.entries[i]
            item = entry.remark_on or entry.item_id
            if item in candidates:
                hits.setdefault(item, set()).add(word)
    ranked = sorted(((len(w), item) for item, w in hits.items()), reverse=True)
    if not ranked or ranked[0][0] < 2 or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return ()
    return (ranked[0][1],)


def items_named(index: ItemIndex, text: str, ctx: Context) -> tuple[str, ...]:
    """The items a sentence under ``ctx`` is about by the words it uses, or ().

    Under a quoted item the quote wins, unless the quote showed several items
    and the sentence names others without a word of the quoted one's name.
    """
    named = named_items(index, text, ctx.candidates)
    if not named and ctx.item_id is None and ctx.section is not None and ctx.candidates:
        named = _body_named(index, text, ctx.candidates)
    if not named or ctx.item_id is None or ctx.item_id in named:
        return named
    quoted = index.by_id.get(ctx.item_id)
    if len(ctx.candidates) < 2 or quoted is None:
        return ()
    # the quoted item keeps the answer unless its words in the sentence are
    # only a part of another item's name ("PCI" of "PCI passthrough")
    said = {w for w in _words(text) if _distinct(index, w)} & index.entries[quoted].name
    others = [set(_words(text)) & index.entries[index.by_id[i]].name for i in named]
    if not said or any(said < other for other in others):
        return named
    return ()


_CLAUSE_BREAK = re.compile(r"[,;:]\s|\s(?:but|while|whereas|although)\s|\s-+\s", re.I)


def clause_items(
    index: ItemIndex, text: str, start: int, end: int, ctx: Context, *, before_only: bool
) -> tuple[str, ...]:
    """Items named in the clause holding ``text[start:end]`` (a cue's words).

    A status is said of the subject before its verb ("AMD sharing won't
    happen"); a claim names its item after the verb ("I'll take the PCI one").
    """
    head = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    tail = next((m.start() for m in _CLAUSE_BREAK.finditer(text, end)), len(text))
    return named_items(index, text[head : end if before_only else tail], ctx.candidates)


# -- what "it" is in "could you add it?" ------------------------------------------

_QUOTED_NAME = re.compile(
    r"(?:^|(?<=[\s(]))[\"\u201c']([^\"\u201d\n]{8,120}?)[\"\u201d'](?=[\s).,:;!?]|$)"
)
#: "the NUMA placement series", "Mukesh's PVH series", "our Processor Trace work"
_NOUN_PHRASE = re.compile(
    r"(?:\b(?:the|my|our|his|her|their|a|an)\s|(?-i:\b[A-Z][\w-]+'s)\s)"
    r"((?:[\w/.+:-]+\s){1,7}?(?:series|patch(?:set|es)?|feature|rework|support|fix(?:es)?"
    r"|work|driver|port|cleanup))\b",
    re.I,
)
_LEAD_WORDS = re.compile(r"^(?:(?:new|latest|updated|whole|same)\s)+", re.I)


def antecedent(text: str, subjects: Sequence[str] = ()) -> str:
    """What a pronoun in a request after ``text`` stands for, or ''.

    A patch subject said there wins, then a quoted title, then the last noun
    phrase naming a piece of work ("the NUMA placement series (v3) is out").
    """
    if subjects:
        return subjects[-1]
    quoted = _QUOTED_NAME.findall(text)
    if quoted:
        return " ".join(quoted[-1].split())
    phrases = [_LEAD_WORDS.sub("", m.group(1)) for m in _NOUN_PHRASE.finditer(text)]
    phrases = [p for p in phrases if len(p.split()) >= 2]
    return " ".join(phrases[-1].split()) if phrases else ""
