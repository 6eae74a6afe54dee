"""What the plain words of a reply ask for: claims, status changes, links, adds.

One block of new text, with the item its quote points at, becomes a tuple of
``Action`` values. The vocabulary is a table of cues (``CUES``): each is a
regular expression over a sentence with a base confidence. A cue preceded by a
negation, or by a condition ("once it is committed"), does not fire; hedges
and questions lower the confidence so the release manager decides. Bug
pointers go to the item (link) or, with no item, become candidate bugs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from relbot.core.context import Context, ItemIndex, match_chunk, match_title
from relbot.core.model import Status, Tracker
from relbot.core.outline import OutlineHints
from relbot.core.outline_items import looks_like_name, read_item_head
from relbot.core.pointers import Pointer, PointerKind, find_pointers, join_wrapped_urls


class ActionKind(StrEnum):
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    STATUS = "status"
    LINK = "link"
    NOTE = "note"
    ADD = "add"
    CANDIDATE_BUG = "candidate-bug"
    CORRECTION = "correction"
    # review commands: only a release manager's, applied by the edge
    ACCEPT = "accept"
    REJECT = "reject"
    HOLD = "hold"
    APPROVE = "approve"


REVIEW_KINDS = frozenset(
    {ActionKind.ACCEPT, ActionKind.REJECT, ActionKind.HOLD, ActionKind.APPROVE}
)


@dataclass(frozen=True, slots=True)
class Action:
    """One proposed change. ``value`` holds its details as plain JSON values."""

    kind: ActionKind
    item: str | None
    value: Mapping[str, Any] = field(default_factory=dict, hash=False)
    who: str = ""
    evidence: str = ""
    confidence: float = 0.0
    line_no: int = 0


class Cue(StrEnum):
    CLAIM = "claim"
    CLAIM_WEAK = "claim-weak"
    CLAIM_OTHER = "claim-other"
    UNCLAIM = "unclaim"
    POSTED = "posted"
    PARTLY = "partly"
    DONE = "done"
    ASK_DONE = "ask-done"
    NOT_DONE = "not-done"
    DEFER = "defer"
    DROP = "drop"
    RISK = "risk"
    ADD = "add"


def _any(*alternatives: str) -> str:
    """One regex matching any of the alternatives."""
    return "(?:" + "|".join(alternatives) + ")"


# fmt: off
_IT = _any(
    "this", "it", "that", "these", "those",
    r"the (?:issue|bug|item|problem|series|patch(?:es)?|one|work|fix)",
)
_NAME = (
    r"(?-i:(?P<name>[A-Z][\w'\u00c0-\u024f-]+"
    r"(?:\s+(?:[A-Z][\w'\u00c0-\u024f-]+|[A-Z]\.?)){0,2}))"
)
_I_AM = r"\bi(?:'m| am)"
_I_WILL = r"\bi(?:'ll| will| shall)"
_VER = r"(?:v\d+|version \d+|\[patch v\d+)"
_DONE_WORDS = _any(
    "committed", "applied", "merged", "pushed", "checked in", r"upstream(?:ed)?",
    r"in (?:the )?tree", "in staging", "in unstable", "in master",
)
_BE = r"(?:(?:is|are|was|were|has been|have been|got|went) )?(?:now |already )?"
_LANDED = _any("in", "committed", "applied", "merged", "pushed", "upstream")

#: The vocabulary: (cue, pattern, base confidence), matched case-insensitively
#: against one sentence, except inside ``(?-i:...)`` (names).
CUES: tuple[tuple[Cue, str, float], ...] = (
    # claim: first person + a work verb
    (Cue.CLAIM, rf"{_I_AM}(?: \w+)? (?:working|looking) (?:on|into|at) {_IT}\b", 0.9),
    (Cue.CLAIM, rf"{_I_AM}(?: \w+)? working on (?:a |the )?(?:fix|patch|series)\b", 0.9),
    (
        Cue.CLAIM,
        r"\bi(?:'ll| will| shall|'d like to| want to| can)(?: \w+)? (?:pick|take) "
        rf"{_IT}(?: one)?(?: up| on| over)?\b",
        0.9,
    ),
    (Cue.CLAIM, rf"{_I_WILL} (?:take care of|handle|own|deal with|tackle|do) {_IT}\b", 0.9),
    (Cue.CLAIM, rf"\b(?:(?:that|this|it)(?:'s| is)(?: one)? mine|{_IT} (?:one )?is mine|^mine)\b", 0.9),
    (
        Cue.CLAIM,
        r"\b"
        + _any(
            r"(?:put|sign) me (?:down|up)",
            "count me in",
            rf"assign {_IT} to me",
            r"i(?:'ll| will)? volunteer",
            rf"leave {_IT} (?:to|with) me",
            rf"{_I_AM[2:]} on (?:it|this)",
            r"i(?:'ve| have) got (?:this|it)",
            r"i(?:'ve| have) (?:started|begun) (?:working|looking) (?:on|at|into)",
        )
        + r"\b",
        0.9,
    ),
    (
        Cue.CLAIM,
        rf"{_I_AM} (?:going|about) to (?:work on|look (?:at|into)|take|tackle|handle|fix) {_IT}\b",
        0.85,
    ),
    (Cue.CLAIM_WEAK, rf"\bi(?:'ll| will| can| could)(?: \w+)? (?:look|work) (?:into|at|on) {_IT}\b", 0.8),
    (
        Cue.CLAIM_WEAK,
        r"\bi have (?:a |an |some )?(?:\w+ )?"
        r"(?:series|patch(?:es|set)?|prototype|implementation|draft|rfc)\b"
        r".{0,40}\b(?:for (?:this|it)|i can (?:post|send)|ready)",
        0.8,
    ),
    (Cue.CLAIM_WEAK, rf"{_I_WILL} (?:send|post|write|prepare) (?:a |an |the )?(?:patch|fix|series)\b", 0.8),
    # someone else named as doing it
    (
        Cue.CLAIM_OTHER,
        rf"\b{_NAME} (?:is|has been|was)(?: \w+)? (?:working|looking) (?:on|into|at) {_IT}",
        0.85,
    ),
    (
        Cue.CLAIM_OTHER,
        rf"\b{_NAME} "
        + _any("will", "is going to", r"said (?:he|she|they)(?:'d| would| will)", "has agreed to",
               "offered to", "volunteered to")
        + r" (?:take|pick|look|handle|work|do)\b",
        0.85,
    ),
    (
        Cue.CLAIM_OTHER,
        rf"\b{_NAME} (?:says|said|tells me|told me|mentioned)(?: that)? (?:he|she|they)"
        r"(?:'s| is| are| was| will|'ll| would|'d)? (?:working|looking|take|pick|handle|do)\b",
        0.85,
    ),
    (Cue.CLAIM_OTHER, rf"\b(?:put|assign) {_IT} (?:down )?(?:to|for) {_NAME}", 0.85),
    (Cue.CLAIM_OTHER, rf"\b{_NAME} (?:has )?(?:volunteered|owns {_IT})", 0.85),
    # unclaim
    (Cue.UNCLAIM, rf"{_I_AM} (?:not|no longer)(?: \w+)? (?:working|looking) (?:on|at|into)\b", 0.85),
    (Cue.UNCLAIM, r"\bi (?:won't|will not|don't|do not|no longer) have (?:the |any )?time (?:to|for)\b", 0.85),
    (Cue.UNCLAIM, rf"{_I_AM} (?:not|probably not) going to have (?:the |any )?time\b", 0.85),
    (
        Cue.UNCLAIM,
        r"\bi (?:can't|cannot|won't be able to|will not be able to) "
        rf"(?:work on|do|finish|continue|look at|take care of) {_IT}\b",
        0.85,
    ),
    (
        Cue.UNCLAIM,
        r"\b"
        + _any(
            r"(?:someone|somebody|anyone) else (?:should|will have to|needs to|is welcome to|can|"
            r"could|may) (?:take|pick)",
            r"(?:up|available|open) for grabs",
            r"(?:remove|take) (?:me|my name) (?:from|off)",
            "unassign me",
            r"i(?:'ve| have) (?:stopped|given up) (?:working|on)",
            rf"{_I_AM[2:]} (?:handing|passing|giving) (?:this|it) (?:over|on|back|up)",
        )
        + r"\b",
        0.85,
    ),
    # a new version posted
    (
        Cue.POSTED,
        r"\b"
        + _any(r"v\d+", r"version \d+", r"(?:a |the )?new (?:version|revision|spin|round)",
               r"(?:the )?(?:patch(?:es)?|series|patchset|fix)")
        + r" (?:(?:is|are|was|were|has been|have been|got|just got) )?(?:now |just )*"
        + _any("out", "posted", r"sent(?: out)?", "resent", "reposted", "submitted",
               "on the list", "up for review")
        + r"\b",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:i(?:'ve| have)?|we(?:'ve| have)?)(?: just| now| finally)? "
        r"(?:posted|sent|resent|reposted|submitted|mailed)(?: out)?(?: as)? "
        r"(?:a |an |the |my )?(?:new |updated |next |revised |respun |\w+ )?"
        rf"(?:{_VER}|version|revision|patch(?:es|set)?|series|round|spin|fix)\b",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:has|have|had) (?:just |now |already )?(?:posted|sent|resent|submitted) "
        rf"(?:a |an |the |his |her |their )?(?:new |updated |\w+ )?(?:{_VER}|version|patch(?:es)?|series)\b",
        0.85,
    ),
    (Cue.POSTED, rf"\b(?:resent|reposted|respun|rebased and resent) (?:it |them |the series |this )?as {_VER}", 0.9),
    (
        Cue.POSTED,
        r"\b(?:now (?:at|on|up to) v\d+|latest (?:version|spin|revision|iteration|round) "
        r"(?:is|was) v\d+)",
        0.9,
    ),
    # partly done
    (
        Cue.PARTLY,
        r"\b(?:(?:everything|all) (?:but|except)(?: for)? (?:patch(?:es)? )?[\d/, and]+|"
        r"patch(?:es)? \d+\s*(?:-|to|through)\s*\d+)(?: of the series)? "
        rf"{_BE}{_LANDED}\b",
        0.85,
    ),
    (Cue.PARTLY, rf"\b(\d+)\s*/\s*(\d+)(?: (?:of the )?(?:patches|of them))? {_BE}(?:{_LANDED}|acked)\b", 0.85),
    (
        Cue.PARTLY,
        r"\b(?:some|most|half|part|parts|the bulk|a (?:few|couple)|several|all but \w+|"
        r"the first (?:\w+ )?(?:patch(?:es)?|few)) of "
        rf"(?:it|them|this|these|those|the (?:series|patches|patchset|work)) {_BE}{_LANDED}\b",
        0.85,
    ),
    (
        Cue.PARTLY,
        r"\b(?:hypervisor|xen|tools?|toolstack|libxl|xl|x86|arm|kernel|linux|qemu|hv|first|"
        r"initial|main|core|preparatory|prep|cleanup) (?:side|part|half|bits|portion|patches|"
        rf"changes|series|work) {_BE}{_LANDED}\b",
        0.85,
    ),
    (
        Cue.PARTLY,
        r"\b(?:partially|partly|half) (?:committed|applied|merged|done|complete|in)\b"
        r"|\b(?:a |one )?follow-?ups? (?:series |patch(?:es)? )?(?:remains?|is still (?:needed|"
        r"pending|outstanding)|still needed|pending|to come|outstanding)\b",
        0.85,
    ),
    # done, asked about, or denied
    (
        Cue.ASK_DONE,
        rf"\b(?:isn't|is|wasn't|hasn't|has|didn't) {_IT}(?: one)? (?:already |now |been |just )*"
        r"(?:done|fixed|in|committed|merged|applied|resolved|go in)\b[^.!]*\?",
        0.5,
    ),
    (
        Cue.NOT_DONE,
        r"\b"
        + _any(
            r"(?:isn't|is not|wasn't|was not|hasn't|has not|haven't|have not|aren't|are not|"
            rf"weren't|didn't)(?: \w+)?(?: been| yet)* (?:{_DONE_WORDS}|go(?:ne)? in|done|fixed|"
            r"finished|complete)",
            rf"not (?:yet )?(?:{_DONE_WORDS}|in yet)",
            r"(?:was|got|has been|have been|were) reverted",
        )
        + r"\b",
        0.85,
    ),
    (
        Cue.DONE,
        r"\b(?:has|have|had|is|are|was|were|got|went)(?: now| already| finally| just| all)? "
        rf"(?:been )?(?:now )?{_DONE_WORDS}\b",
        0.9,
    ),
    (
        Cue.DONE,
        r"\b(?:went in|gone in|landed|got in)\b"
        r"|\b(?:(?:is|are|'s) (?:now |already |all )?in(?= ?[.!,;]| ?$| now| already| as of| since))",
        0.9,
    ),
    (
        Cue.DONE,
        r"\b(?:is|are|'s)(?: now| all)? (?:done|fixed|resolved|complete|completed|finished|sorted)\b"
        r"(?! once| when| if| soon)",
        0.85,
    ),
    (
        Cue.DONE,
        rf"\b(?:mark|marked|consider)(?: \w+)? {_IT}(?: as)? "
        r"(?:done|resolved|fixed|complete|completed|closed)\b",
        0.9,
    ),
    (
        Cue.DONE,
        r"\b(?:fixed|resolved|addressed) (?:by|in|with) (?:commit|c/s|changeset|cset|[0-9a-f]{7,40})\b"
        r"|^(?:applied|committed|pushed|done)\b",
        0.85,
    ),
    (
        Cue.DONE,
        r"\b(?:committed|applied|pushed|merged) (?:last week|yesterday|today|this week|earlier|"
        r"on \w+|as [0-9a-f]{7,}|to (?:staging|unstable|master|the tree))",
        0.9,
    ),
    # defer, drop, at risk
    (
        Cue.DEFER,
        r"\b(?:defer(?:red)?|postpone[d]?|punt(?:ed)?|push(?:ed)?|mov(?:e|ed)|bump(?:ed)?|"
        r"slip(?:ped)?|delay(?:ed)?)(?: (?:this|it|that|them))?(?: one)? (?:to|until|till|for|into) "
        r"(?:\d+\.\d+|(?:the )?next release)",
        0.9,
    ),
    (
        Cue.DEFER,
        r"\b(?:won't|will not|(?:is|are)n't going to|(?:is |are )?not going to|can't) "
        r"(?:happen|make it|be ready|land|be done|go in|get in)(?: in time)? (?:for|in|by) "
        r"(?:this release|\d+\.\d+|the release)",
        0.85,
    ),
    (
        Cue.DEFER,
        r"\b(?:out of scope for|too late for|not (?:for|targeting)) (?:this release|\d+\.\d+)"
        r"|\b(?:\d+\.\d+|next release) material\b"
        r"|\bcan wait (?:for|until|till) (?:\d+\.\d+|the next release)",
        0.85,
    ),
    (
        Cue.DROP,
        r"\b(?:stop tracking|no need to track|(?:remove|drop|delete) (?:this|it|that)(?: one| item)? "
        r"from (?:the|your) (?:list|tracker)|(?:can|should) be (?:dropped|removed) from the list)\b",
        0.9,
    ),
    (
        Cue.DROP,
        r"\b"
        + _any(
            r"(?:is|are) (?:now )?(?:no longer|not) (?:needed|relevant|necessary|required|an issue|"
            r"a (?:real )?(?:bug|problem|blocker))",
            r"(?:is|are) obsolete",
            r"won'?t fix",
            r"(?:nothing|no action) (?:left )?to do here",
            r"turned out (?:to be|not to be) (?:a )?(?:user error|non-issue|not a bug|bogus|invalid)",
            r"(?:we|i)(?:'ve| have)? abandoned",
        )
        + r"\b",
        0.85,
    ),
    (
        Cue.RISK,
        r"\b"
        + _any(
            r"(?:i'm|i am|we're|we are|it's|it is|is|are|got|still) stuck",
            r"unlikely to (?:make it|be ready|land|happen|get in|be done|go in)",
            r"depends on review(?:er)?s?(?: time)?",
            r"(?:is |looks )?at risk",
            r"(?:may|might|could) (?:not make it|slip)",
            r"(?:likely|going) to slip",
            r"running (?:out|short) of time",
            r"not sure (?:i|we|it)(?:'ll| will| can)? (?:make it|finish|get)",
            r"blocked (?:on|by)",
            r"(?:will|is going to) be tight",
        )
        + r"\b",
        0.8,
    ),
    # add an item
    (
        Cue.ADD,
        r"\b(?:please|could you|can you|would you|pls|could we|can we|would it be possible to|"
        r"you (?:should|might want to|may want to))\s+(?:please\s+)?(?:also\s+)?add\s+(?P<x>.+)",
        0.85,
    ),
    (
        Cue.ADD,
        r"\b"
        + _any(
            r"you(?:'re| are) missing",
            r"you (?:forgot|missed|left out|dropped)",
            r"(?:i'd|i would|we'd|we should) (?:like to )?(?:add|propose adding|suggest adding)",
            r"(?:consider|suggest) adding",
            r"(?:another|one more|a new) (?:item|blocker|candidate)(?: for (?:the|this) list)?\s*[:-]",
            r"(?:another|one more) (?:one |item |entry )?for (?:the |this |your )?[\w/-]+(?: list| section)?\b[^:]*:",
        )
        + r"\s+(?P<x>.+)",
        0.85,
    ),
    (
        Cue.ADD,
        r"^(?P<x>.+?)\s+(?:is|are|seems to be) missing (?:from|in) (?:the|this|your) "
        r"(?:list|tracker|mail)|^(?P<y>.+?)\s+should (?:also )?be (?:on|added to|tracked (?:on|in)) "
        r"(?:the|this) list",
        0.85,
    ),
    (
        Cue.ADD,
        r"\b(?:wasn't|weren't|was not|didn't we have|isn't|shouldn't)\s+(?P<x>.+?)\s+(?:be )?"
        r"(?:on|in)\s+(?:this|the|our)\s+(?:list|tracker)",
        0.6,
    ),
)
# fmt: on
_COMPILED = tuple((cue, re.compile(p, re.IGNORECASE), conf) for cue, p, conf in CUES)

_NEGATION = re.compile(r"\b(?:not|never|no longer|nobody|no one|neither|hardly)\b|n't\b", re.I)
_CONDITION = re.compile(
    r"\b(?:once|after|if|when|until|unless|before|as soon as|hopefully|hope|going to|"
    r"should|would|could|might|need to|needs to|want to|plan to|expect|ready to|waiting (?:for|on))\b",
    re.I,
)
_DEFER_GUARD = re.compile(
    r"\b(?:no|not|don't|shouldn't|otherwise|if|unless|once|when|until|or)\b", re.I
)
_HEDGE = re.compile(
    r"\b(?:i think|i believe|maybe|probably|perhaps|possibly|might|not sure|i guess|afaik|iirc|"
    r"afaict|presumably|seems|supposedly|hopefully)\b",
    re.I,
)
_NOT_NAMES = frozenset(
    {"i", "it", "this", "that", "he", "she", "they", "we", "you", "someone", "somebody"}
    | {"nobody", "anyone", "everyone", "who", "which", "what", "xen", "linux", "qemu"}
    | {"patch", "series", "the", "there", "here", "one", "all", "nothing"}
)
_VERSION = re.compile(r"\bv(\d+)\b|\bversion (\d+)\b", re.I)
_RELEASE = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9#])|\n\s*\n|\n(?=\s*[*•-]\s)")
_BUG_WORDS = re.compile(
    r"\b(?:bug|crash\w*|fail\w*|regression|broken|break\w*|oops|hang\w*|panic\w*|bsod|"
    r"issue|error|leak\w*|deadlock\w*|corrupt\w*|xsa-\d+)\b",
    re.I,
)
_ITEM_BULLET = re.compile(r"^\s*(?:[*•+-])\s+(\S.*)$")
_STATUS_OF = {
    Cue.POSTED: Status.PATCHES_POSTED,
    Cue.PARTLY: Status.PARTLY_DONE,
    Cue.DONE: Status.DONE,
    Cue.ASK_DONE: Status.DONE,
    Cue.DEFER: Status.DEFERRED,
    Cue.DROP: Status.DROPPED,
    Cue.RISK: Status.AT_RISK,
}
_HINTS = OutlineHints()


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
    pos = 0
    line = 0
    for m in [*_SENTENCE_END.finditer(joined), None]:
        end = m.start() if m else len(joined)
        text = " ".join(joined[pos:end].split())
        while line + 1 < len(starts) and starts[line + 1] <= pos:
            line += 1
        if text:
            out.append(Sentence(text, first_line + line))
        if m is None:
            break
        pos = m.end()
    return tuple(out)


def _guarded(cue: Cue, text: str, start: int, end: int) -> bool:
    """True when a negation or a condition in front of the cue takes it back."""
    clause = re.split(r"[,;:]\s|\bbut\b|\band\b", text[max(0, start - 40) : start])[-1]
    negatable = (Cue.DONE, Cue.POSTED, Cue.PARTLY, Cue.CLAIM, Cue.CLAIM_WEAK, Cue.CLAIM_OTHER)
    if cue in negatable and _NEGATION.search(clause + text[start:end]):
        return True
    if cue in (Cue.DONE, Cue.POSTED, Cue.PARTLY, Cue.DROP) and _CONDITION.search(clause):
        return True
    return cue is Cue.DEFER and bool(_DEFER_GUARD.search(clause))


def find_cues(sentence: Sentence) -> list[Hit]:
    """Every cue a sentence holds, negated and conditional ones left out."""
    text = sentence.text.replace("\u2019", "'")
    hits: list[Hit] = []
    for cue, pattern, conf in _COMPILED:
        m = pattern.search(text)
        if m is None or any(h.cue is cue for h in hits) or _guarded(cue, text, m.start(), m.end()):
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
    found = {h.cue for h in hits}
    # "I won't have time, let's defer it": the deferral is the news, not the owner
    beaten = {Cue.UNCLAIM, Cue.RISK} if Cue.DEFER in found else set()
    beaten |= {Cue.DONE} if Cue.PARTLY in found else set()
    return [h for h in hits if h.cue not in beaten]


def _release(text: str, current: str, fallback: str) -> str:
    found = [r for r in _RELEASE.findall(text) if r != current]
    return found[0] if found else fallback


def next_release(tracker: Tracker) -> str:
    """The release after this one: the tracker's, else the minor number plus one."""
    if tracker.next_release:
        return tracker.next_release
    m = re.fullmatch(r"(\d+)\.(\d+)", tracker.release.strip())
    return f"{m.group(1)}.{int(m.group(2)) + 1}" if m else ""


def _version(text: str) -> str:
    m = _VERSION.search(text)
    return f"v{m.group(1) or m.group(2)}" if m else ""


def pointer_value(p: Pointer) -> dict[str, str]:
    """A pointer as link fields; advisories and tracker ids become tracker_id."""
    ids = (PointerKind.ADVISORY, PointerKind.TRACKER, PointerKind.BUG)
    value = {
        "url": p.url,
        "message_id": p.message_id,
        "tracker_id": p.value if p.kind in ids and not p.url else "",
        "title": p.title,
    }
    if not any(value.values()):
        value["title"] = p.value
    return {k: v for k, v in value.items() if v}


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader needs besides the text: who wrote, and the trackers."""

    sender: str
    tracker: Tracker
    index: ItemIndex
    tracker_prefixes: tuple[str, ...] = ()
    #: Message-IDs of the thread: pointers at these are the thread itself
    thread_ids: frozenset[str] = frozenset()


def _act(
    kind: ActionKind,
    item: str | None,
    value: Mapping[str, Any],
    r: Reading,
    s: Sentence,
    conf: float,
) -> Action:
    return Action(kind, item, value, r.sender, s.text, round(conf, 3), s.line_no)


def _section_for(text: str, reading: Reading, ctx: Context) -> str:
    """A section the words name ("as a tools blocker"), else the quoted one."""
    lowered = text.lower()
    best = ""
    for sec in reading.tracker.sections:
        words = re.split(r"[^a-z0-9]+", (sec.title or sec.key).lower())
        words = [w.rstrip("s") for w in words if len(w) > 2]
        if words and all(w in lowered for w in words):
            best = sec.key
    return best or ctx.section or ""


def _clean_add_text(x: str) -> str:
    where = r"(?:the|this|your|our)\s+(?:\S+\s+){0,2}?(?:list|tracker|todo|plan|mail)"
    x = re.sub(rf"\s+(?:to|on(?:to)?|in)\s+{where}\b.*$", "", x, flags=re.I)
    x = re.sub(
        r"\s+(?:as well|too|also|please|as (?:a )?(?:blocker|nice[- ]to[- ]have))\b.*$",
        "",
        x,
        flags=re.I,
    )
    return x.strip(" .,;:!?\"'")


def _owner_line(text: str) -> str:
    """The name on an owner line ("  -  Jan Beulich", "owner: Wei Liu"), else ''."""
    m = re.match(r"^\s*(?:-|owners?:)\s+(\S.*?)\s*$", text, re.I)
    if m and looks_like_name(m.group(1), _HINTS.vocabulary):
        return m.group(1)
    return ""


def _bullet_actions(s: Sentence, reading: Reading, ctx: Context) -> list[Action]:
    """An item written in the mail's own format: a claim when it is a known item."""
    m = _ITEM_BULLET.match(s.text)
    if m is None or _owner_line(s.text) or re.match(r"(?i)(?:https?|ftp)://", m.group(1)):
        return []
    head = read_item_head(m.group(1), _HINTS.vocabulary)
    if not (head.owners or head.tags or (ctx.section and ctx.item_id is None)):
        return []
    found = match_chunk(reading.index, head.text)
    if found is not None and found[1] >= 0.75:
        item = reading.index.entries[found[0]].item_id
        known = reading.tracker.item(item)
        owners = [o for o in head.owners if known is None or o not in known.owners]
        return [_act(ActionKind.CLAIM, item, {"owner": o}, reading, s, 0.85) for o in owners]
    value: dict[str, Any] = {
        "text": head.text,
        "section": ctx.section or "",
        "owners": list(head.owners),
        "tags": list(head.tags),
    }
    if head.status is not Status.OPEN:
        value["status"] = head.status.value
    return [_act(ActionKind.ADD, None, value, reading, s, 0.85 if ctx.section else 0.7)]


def _status_value(hit: Hit, reading: Reading, pointers: Sequence[Pointer]) -> dict[str, str]:
    status = _STATUS_OF[hit.cue]
    text = hit.sentence.text
    value = {"status": status.value}
    if status is Status.PATCHES_POSTED:
        titles = [text, *(p.title or p.value for p in pointers)]
        version = next((v for v in map(_version, titles) if v), "")
        if version:
            value["version"] = version
    elif status is Status.DEFERRED:
        release = _release(text, reading.tracker.release, next_release(reading.tracker))
        if release:
            value["release"] = release
    elif status is Status.PARTLY_DONE:
        m = re.search(r"\b(\d+)\s*/\s*(\d+)\b", hit.match.group(0))
        if m and m.group(1) == m.group(2):
            value["status"] = Status.DONE.value
    return value


def _correction(hit: Hit, item: str | None, reading: Reading) -> Action | None:
    """ "No, that wasn't merged yet": the status goes back, if it had moved on."""
    known = reading.tracker.item(item) if item else None
    text = hit.sentence.text
    explicit = re.match(r"(?i)\W*(?:no\b|nope|actually|not quite|sorry|erm|hmm)", text)
    if known is None or not (known.status.closed or known.status is Status.DEFERRED or explicit):
        return None
    merged = re.search(r"(?i)commit|merg|appl|push|tree|staging|revert", text)
    status = Status.PATCHES_POSTED if merged else Status.IN_PROGRESS
    value = {"status": status.value, "was": known.status.value}
    return _act(ActionKind.CORRECTION, item, value, reading, hit.sentence, hit.confidence)


def _add_action(hit: Hit, reading: Reading, ctx: Context, pointers: Sequence[Pointer]) -> Action:
    groups = {k: v for k, v in hit.match.groupdict().items() if v}
    raw = groups.get("x") or groups.get("y") or ""
    for p in pointers:
        for shown in (p.url, f"<{p.message_id}>" if p.message_id else ""):
            raw = raw.replace(shown, " ") if shown else raw
    text = _clean_add_text(" ".join(raw.replace("()", "").split()))
    if len(text) < 3 or text.lower() in ("this", "it", "that", "these", "them", "this one"):
        text = next((p.title for p in pointers if p.title), text)
    value: dict[str, Any] = {
        "text": text,
        "section": _section_for(hit.sentence.text, reading, ctx),
        "links": [pointer_value(p) for p in pointers if p.kind is not PointerKind.COMMIT],
    }
    if _BUG_WORDS.search(hit.sentence.text):
        value["tags"] = ["BUG"]
    return _act(ActionKind.ADD, None, value, reading, hit.sentence, hit.confidence)


def _clean_title(text: str, p: Pointer) -> str:
    for part in (p.url, f"<{p.message_id}>", p.value):
        text = text.replace(part, " ") if part else text
    text = " ".join(re.sub(r"[\[\]()<>]", " ", text).split()).strip(" :-.,")
    return text[:100] if len(text) >= 12 else p.value


def _pointer_actions(
    s: Sentence,
    item: str | None,
    ctx: Context,
    reading: Reading,
    pointers: Sequence[Pointer],
    factor: float,
) -> list[Action]:
    """Pointers under an item link it; with no item they are candidate bugs."""
    out: list[Action] = []
    for p in pointers:
        if p.kind is PointerKind.COMMIT:
            continue
        if item is not None:
            out.append(_act(ActionKind.LINK, item, pointer_value(p), reading, s, 0.9 * factor))
            continue
        value = {**pointer_value(p), "title": p.title or _clean_title(s.text, p)}
        value["section"] = ctx.section or ""
        buggy = _BUG_WORDS.search(s.text) or p.kind in (PointerKind.BUG, PointerKind.ADVISORY)
        out.append(_act(ActionKind.CANDIDATE_BUG, None, value, reading, s, 0.85 if buggy else 0.6))
    return out


def _implied_status(
    s: Sentence, item: str, pointers: Sequence[Pointer], reading: Reading, factor: float
) -> Action | None:
    """A commit hash says done; a bare series subject says posted."""
    for p in pointers:
        if p.kind is PointerKind.COMMIT and not _CONDITION.search(s.text):
            return _act(ActionKind.STATUS, item, {"status": "done"}, reading, s, 0.85 * factor)
        if p.kind is PointerKind.PATCH:
            value = {"status": Status.PATCHES_POSTED.value}
            if _version(p.title or p.value):
                value["version"] = _version(p.title or p.value)
            return _act(ActionKind.STATUS, item, value, reading, s, 0.75 * factor)
    return None


def infer_actions(
    lines: Sequence[str], first_line: int, ctx: Context, reading: Reading
) -> tuple[Action, ...]:
    """The actions one block of new text asks for, with their confidence."""
    out: list[Action] = []
    statuses: dict[str | None, list[Action]] = {}
    last_add: int | None = None
    for s in split_sentences(lines, first_line):
        item, factor = ctx.item_id, 1.0 if ctx.score >= 0.75 else 0.85
        if item is None and ctx.section is None:
            titled = match_title(reading.index, s.text)
            if titled is not None:
                item, factor = titled[0], 0.85
        owner = _owner_line(s.text)
        if owner and out and out[-1].kind is ActionKind.ADD and out[-1].line_no < s.line_no:
            # the 2013/2019 layout: "*  Title" then "  -  Name" under it
            old = out[-1]
            out[-1] = replace(
                old, value={**old.value, "owners": [*old.value.get("owners", ()), owner]}
            )
            continue
        bullets = _bullet_actions(s, reading, ctx)
        if bullets:
            out += bullets
            continue
        hits = find_cues(s)
        pointers = [
            p
            for p in find_pointers(s.text, reading.tracker_prefixes)
            if not (p.message_id and p.message_id in reading.thread_ids)
        ]
        add = next((h for h in hits if h.cue is Cue.ADD), None)
        if add is not None:
            last_add = len(out)
            out.append(_add_action(add, reading, ctx, pointers))
            continue
        series = next((p for p in pointers if p.kind is PointerKind.PATCH), None)
        if series is not None and item is None and ctx.section and ctx.item_id is None:
            # a series subject written under a quoted heading: the 2024 layout's new item
            links = [pointer_value(p) for p in pointers if p.kind is not PointerKind.PATCH]
            value = {"text": series.value, "section": ctx.section, "links": links}
            last_add = len(out)
            out.append(_act(ActionKind.ADD, None, value, reading, s, 0.8))
            continue
        if last_add is not None and pointers and not hits and item is None:
            # "Please add X." then "See <url>": the pointer belongs to the new item
            old = out[last_add]
            links = [*old.value.get("links", ()), *(pointer_value(p) for p in pointers)]
            out[last_add] = replace(old, value={**old.value, "links": links})
            continue
        said_status = False
        for h in hits:
            conf = h.confidence * (factor if item else 0.8)
            if h.cue in (Cue.CLAIM, Cue.CLAIM_WEAK, Cue.CLAIM_OTHER, Cue.UNCLAIM):
                owner = h.match.group("name") if h.cue is Cue.CLAIM_OTHER else reading.sender
                kind = ActionKind.UNCLAIM if h.cue is Cue.UNCLAIM else ActionKind.CLAIM
                out.append(_act(kind, item, {"owner": owner}, reading, s, conf))
            elif h.cue is Cue.NOT_DONE:
                fix = _correction(h, item, reading)
                out += [fix] if fix else []
                said_status = True
            elif h.cue in _STATUS_OF:
                value = _status_value(h, reading, pointers)
                act = _act(ActionKind.STATUS, item, value, reading, s, conf)
                statuses.setdefault(item, []).append(act)
                said_status = True
        implied = (
            None
            if said_status or item is None
            else _implied_status(s, item, pointers, reading, factor)
        )
        if implied is not None:
            statuses.setdefault(item, []).append(implied)
        out += _pointer_actions(s, item, ctx, reading, pointers, factor)
    out += [_final_status(acts) for acts in statuses.values()]
    return _dedupe(out)


def _final_status(acts: Sequence[Action]) -> Action:
    """One status per item and block: a deferral or drop wins, then partly, then the last."""
    for wanted in (("deferred", "dropped"), ("partly done",)):
        chosen = [a for a in acts if a.value.get("status") in wanted]
        if chosen:
            return chosen[-1]
    return acts[-1]


def _dedupe(actions: Sequence[Action]) -> tuple[Action, ...]:
    best: dict[tuple[str, str | None, str], Action] = {}
    for a in actions:
        shown = {
            k: v for k, v in a.value.items() if not (k == "title" and a.kind is ActionKind.LINK)
        }
        key = (a.kind.value, a.item, repr(sorted((k, str(v)) for k, v in shown.items())))
        if key not in best or a.confidence > best[key].confidence:
            best[key] = a
    return tuple(sorted(best.values(), key=lambda a: a.line_no))
