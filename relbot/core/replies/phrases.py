"""The vocabulary of replies: sentences, and the cues in them.

A cue is one thing a sentence may say ("I'm working on this": a claim; "v5 is
out": a new version). ``CUES`` is the table: a pattern over one sentence and a
base confidence. ``find_cues`` leaves out a cue that a negation or a condition
takes back ("not merged yet", "once it is committed") and lowers the
confidence of hedged and questioning sentences, so the release manager
decides. ``actions`` turns the cues of a block into proposed changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from relbot.core.replies.cues import CUES, TRIGGERS, Cue
from relbot.core.replies.pointers import join_wrapped_urls


@cache
def _compiled() -> tuple[tuple[Cue, re.Pattern[str], float], ...]:
    """The cue table's patterns, compiled on first use: importing costs nothing."""
    return tuple((cue, re.compile(p, re.IGNORECASE), conf) for cue, p, conf in CUES)


@cache
def _triggers() -> dict[Cue, re.Pattern[str]]:
    return {cue: re.compile(p, re.IGNORECASE) for cue, p in TRIGGERS.items()}


#: a sentence longer than this is not a person's sentence; only its head is read
MAX_SENTENCE_CHARS = 600

_NEGATION = re.compile(r"\b(?:not|never|no longer|nobody|no one|neither|hardly)\b|n't\b", re.I)
CONDITION = re.compile(
    r"\b(?:once|after|if|when|until|unless|before|as soon as|hopefully|hope|going to|"
    r"should|would|could|might|need to|needs to|want to|plan to|expect|ready to|waiting (?:for"
    r"|on))\b",
    re.I,
)
_DEFER_GUARD = re.compile(
    r"\b(?:no|not|don't|shouldn't|otherwise|if|unless|once|when|until|or)\b", re.I
)
#: "I'll have v1 out by Friday": what will happen is not news yet
_FUTURE = re.compile(r"(?:'ll|\bwill|\bshall)\b", re.I)
#: "I won't be able to work on it for 4.2": bounded by a release, so a deferral
_FOR_RELEASE = re.compile(r"\b(?:for|in|before) (?:this release|the release|\d+\.\d+)\b", re.I)
_RELATIVE = re.compile(r"\w\s+(?:that|which|who)\s+(?:\w+\s+){0,2}$", re.I)
_HEDGE = re.compile(
    r"\b(?:i think|i believe|maybe|probably|perhaps|possibly|might|not sure|i guess|afaik|iirc|"
    r"afaict|presumably|seems|supposedly|hopefully)\b",
    re.I,
)
_NOT_NAMES = frozenset(
    {"i", "it", "this", "that", "he", "she", "they", "we", "you", "someone", "somebody"}
    | {"nobody", "anyone", "everyone", "who", "which", "what", "xen", "linux", "qemu"}
    | {"patch", "series", "the", "there", "here", "one", "all", "nothing"}
    # "Ok, will do": the release manager's own yes, nobody's name
    | {"ok", "okay", "sure", "yes", "yeah", "yep", "no", "fine", "great", "thanks", "right"}
    | {"agreed", "good", "well", "so", "then", "also", "sorry", "fwiw", "iirc", "hmm", "done"}
)
#: cues said once per clause, so two clauses may each speak of their own item
_PER_CLAUSE = frozenset({Cue.POSTED, Cue.DONE, Cue.DEFER})
_CLAUSE_JOIN = re.compile(r",\s*(?:and|while|whereas)\b|;|\band\b", re.I)


def _new_clause(text: str, end: int, start: int) -> bool:
    """True when a clause joint lies between one cue's end and another's start."""
    return start >= end and _CLAUSE_JOIN.search(text, end, start) is not None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9#])|\n\s*\n|\n(?=\s*[*•-]\s)")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    line_no: int


@dataclass(frozen=True, slots=True)
class Hit:
    cue: Cue
    confidence: float
    sentence: Sentence
    match: re.Match[str]


def split_sentences(lines: Sequence[str], first_line: int) -> tuple[Sentence, ...]:
    """Sentences of a block with the line each starts on; wrapped lines joined."""
    joined = "\n".join(join_wrapped_urls(list(lines)))
    starts = [0]
    for m in re.finditer(r"\n", joined):
        starts.append(m.end())
    out: list[Sentence] = []
    line = 0
    bounds = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(joined)]
    pos = 0
    for end, after in [*bounds, (len(joined), len(joined))]:
        text = " ".join(joined[pos : min(end, pos + MAX_SENTENCE_CHARS)].split())
        while line + 1 < len(starts) and starts[line + 1] <= pos:
            line += 1
        if text:
            out.append(Sentence(text, first_line + line))
        pos = after
    return tuple(out)


def _guarded(cue: Cue, text: str, start: int, end: int) -> bool:
    """True when a negation or a condition in front of the cue takes it back."""
    clause = re.split(r"[,;:]\s|\bbut\b|\band\b", text[max(0, start - 40) : start])[-1]
    negatable = (Cue.DONE, Cue.POSTED, Cue.PARTLY, Cue.CLAIM, Cue.CLAIM_WEAK, Cue.CLAIM_OTHER)
    if cue in negatable and _NEGATION.search(clause + text[start:end]):
        return True
    if cue in (Cue.DONE, Cue.POSTED, Cue.PARTLY, Cue.DROP) and CONDITION.search(clause):
        return True
    if cue in (Cue.DONE, Cue.POSTED, Cue.PARTLY) and _FUTURE.search(clause):
        # "I'll mark it as done" is the news itself, said by whoever decides
        return not re.match(r"(?i)mark|consider", text[start:end])
    if cue in (Cue.DONE, Cue.POSTED) and _RELATIVE.search(clause):
        return True  # "a commit that was merged in 2011" tells history, not news
    return cue is Cue.DEFER and bool(_DEFER_GUARD.search(clause))


def find_cues(sentence: Sentence) -> list[Hit]:
    """Every cue a sentence holds, negated and conditional ones left out."""
    text = sentence.text.replace("\u2019", "'")
    hits: list[Hit] = []
    triggered = {cue for cue, trigger in _triggers().items() if trigger.search(text)}
    for cue, pattern, conf in _compiled():
        if cue not in triggered:
            continue
        m = pattern.search(text)
        if m is None or _guarded(cue, text, m.start(), m.end()):
            continue
        same = [h.match.end() for h in hits if h.cue is cue]
        if same and not (cue in _PER_CLAUSE and _new_clause(text, max(same), m.start())):
            continue
        if cue is Cue.CLAIM_OTHER and m.group("name").lower().split()[0] in _NOT_NAMES:
            continue
        if cue in (Cue.DONE, Cue.POSTED, Cue.PARTLY) and any(
            h.cue in (Cue.NOT_DONE, Cue.ASK_DONE) for h in hits
        ):
            continue
        if cue is Cue.NOT_DONE and any(h.cue is Cue.ASK_DONE for h in hits):
            continue
        if cue not in (Cue.ADD, Cue.ASK_DONE) and text.rstrip().endswith("?"):
            conf *= 0.55
        if _HEDGE.search(text):
            conf *= 0.7
        hits.append(Hit(cue, conf, sentence, m))
        later = pattern.search(text, m.end())
        # "X is at v9 now, and Y had its RFC v2 last week": one cue per clause
        if (
            cue in _PER_CLAUSE
            and later
            and _new_clause(text, m.end(), later.start())
            and not _guarded(cue, text, later.start(), later.end())
        ):
            hits.append(Hit(cue, conf, sentence, later))
    found = {h.cue for h in hits}
    if Cue.UNCLAIM in found and Cue.DEFER not in found and _FOR_RELEASE.search(text):
        # "I won't have time for 4.2": the owner stays, the work moves on
        hits = [replace(h, cue=Cue.DEFER) if h.cue is Cue.UNCLAIM else h for h in hits]
        found = {h.cue for h in hits}
    # "I won't have time, let's defer it": the deferral is the news, not the owner
    # (a risk beside a deferral is settled per item, where the deferral wins:
    # "X is unlikely to make it, and Y won't make 4.14" speaks of two items)
    beaten = {Cue.UNCLAIM} if Cue.DEFER in found else set()
    beaten |= {Cue.DONE} if Cue.PARTLY in found else set()
    return [h for h in hits if h.cue not in beaten]
