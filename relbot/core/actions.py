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
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from relbot.core.context import Context, ItemIndex, match_chunk, match_title
from relbot.core.model import Status, Tracker
from relbot.core.outline import OutlineHints
from relbot.core.outline_items import read_item_head
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


REVIEW_KINDS = frozenset({ActionKind.ACCEPT, ActionKind.REJECT, ActionKind.HOLD, ActionKind.APPROVE})


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


_IT = r"(?:this|it|that|these|those|the (?:issue|bug|item|problem|series|patch(?:es)?|one|work|fix))"
_NAME = r"(?-i:(?P<name>[A-Z][\w'\u00c0-\u024f-]+(?:\s+(?:[A-Z][\w'\u00c0-\u024f-]+|[A-Z]\.?)){0,2}))"
_VER = r"(?:v\d+|version \d+|\[patch v\d+)"
_DONE_WORDS = r"(?:committed|applied|merged|pushed|checked in|upstream(?:ed)?|in (?:the )?tree|in staging|in unstable|in master)"

#: the vocabulary: (cue, pattern, base confidence). Patterns match lower-cased
#: sentences except inside ``(?-i:...)`` groups (names).
CUES: tuple[tuple[Cue, str, float], ...] = (
    (Cue.CLAIM, rf"\bi(?:'m| am)(?: \w+)? (?:working|looking) (?:on|into|at) {_IT}\b", 0.9),
    (Cue.CLAIM, r"\bi(?:'m| am)(?: \w+)? (?:working|looking) (?:on|into) (?:a |the )?(?:fix|patch|series)\b", 0.9),
    (Cue.CLAIM, rf"\bi(?:'ll| will| shall|'d like to| want to| can)(?: \w+)? (?:pick|take) {_IT}(?: one)?(?: up| on| over)?\b", 0.9),
    (Cue.CLAIM, rf"\bi(?:'ll| will) (?:take care of|handle|own|deal with|tackle|do) {_IT}\b", 0.9),
    (Cue.CLAIM, rf"\b(?:(?:that|this|it)(?:'s| is)(?: one)? mine|{_IT} (?:one )?is mine|^mine)\b", 0.9),
    (Cue.CLAIM, rf"\b(?:(?:put|sign) me (?:down|up)|count me in|assign {_IT} to me|i(?:'ll| will)? volunteer|leave {_IT} (?:to|with) me|i(?:'m| am) on (?:it|this)|i(?:'ve| have) got (?:this|it))\b", 0.9),
    (Cue.CLAIM, rf"\bi(?:'ve| have) (?:started|begun) (?:working|looking) (?:on|at|into)\b", 0.9),
    (Cue.CLAIM, rf"\bi(?:'m| am) (?:going|about) to (?:work on|look (?:at|into)|take|tackle|handle|fix) {_IT}\b", 0.85),
    (Cue.CLAIM_WEAK, rf"\bi(?:'ll| will| can| could)(?: \w+)? (?:look|work) (?:into|at|on) {_IT}\b", 0.8),
    (Cue.CLAIM_WEAK, r"\bi have (?:a |an |some )?(?:\w+ )?(?:series|patch(?:es|set)?|prototype|implementation|draft|rfc)\b.{0,40}\b(?:for (?:this|it)|i can (?:post|send)|ready)", 0.8),
    (Cue.CLAIM_WEAK, r"\bi(?:'ll| will) (?:send|post|write|cook up|prepare) (?:a |an |the )?(?:patch|fix|series)\b", 0.8),
    (Cue.CLAIM_OTHER, rf"\b{_NAME} (?:is|has been|was|are|have been)(?: \w+)? (?:working|looking) (?:on|into|at) {_IT}", 0.85),
    (Cue.CLAIM_OTHER, rf"\b{_NAME} (?:will|is going to|said (?:he|she|they)(?:'d| would| will)|has agreed to|offered to|volunteered to) (?:take|pick|look|handle|work|do)\b", 0.85),
    (Cue.CLAIM_OTHER, rf"\b(?:(?:put|assign) {_IT} (?:down )?(?:to|for) {_NAME}|{_NAME} (?:has )?(?:volunteered|owns {_IT}|has (?:a series|patches) for (?:this|it)))", 0.85),
    (Cue.UNCLAIM, rf"\bi(?:'m| am) (?:not|no longer)(?: \w+)? (?:working|looking) (?:on|at|into)\b", 0.85),
    (Cue.UNCLAIM, r"\bi (?:won't|will not|don't|do not|no longer) have (?:the |any )?time (?:to|for)\b", 0.85),
    (Cue.UNCLAIM, r"\bi(?:'m| am) not going to have (?:the |any )?time\b", 0.85),
    (Cue.UNCLAIM, rf"\bi (?:can't|cannot|won't be able to|will not be able to) (?:work on|do|finish|continue|look at|take care of) {_IT}\b", 0.85),
    (Cue.UNCLAIM, r"\b(?:(?:someone|somebody|anyone) else (?:should|will have to|needs to|is welcome to|can|could|may) (?:take|pick)|(?:up|available|open) for grabs|(?:remove|take) (?:me|my name) (?:from|off)|unassign me|i(?:'ve| have) (?:stopped|given up) (?:working|on)|i(?:'m| am) (?:handing|passing|giving) (?:this|it) (?:over|on|back|up))\b", 0.85),
    (Cue.POSTED, rf"\b(?:v\d+|version \d+|(?:a |the )?new (?:version|revision|spin|round)|(?:the )?(?:patch(?:es)?|series|patchset|fix)) (?:(?:is|are|was|were|has been|have been|got|just got) )?(?:now )?(?:just )?(?:out|posted|sent(?: out)?|resent|reposted|submitted|on the list|up for review)\b", 0.9),
    (Cue.POSTED, rf"\b(?:i(?:'ve| have)?|we(?:'ve| have)?)(?: just| now| finally)? (?:posted|sent|resent|reposted|submitted|mailed)(?: out)?(?: as)? (?:a |an |the |my )?(?:new |updated |next |revised |respun |\w+ )?(?:{_VER}|version|revision|patch(?:es|set)?|series|round|spin|fix)\b", 0.9),
    (Cue.POSTED, rf"\b(?:resent|reposted|respun|rebased and resent) (?:it |them |the series |this )?as {_VER}", 0.9),
    (Cue.POSTED, r"\b(?:(?:is |are |series is |it's )?now (?:at|on|up to) v\d+|latest (?:version|spin|revision|iteration|round) (?:is|was) v\d+)", 0.9),
    (Cue.PARTLY, r"\b(\d+)\s*/\s*(\d+)(?: (?:of the )?(?:patches|of them))? (?:(?:are|is|have been|has been|were|was|got|went) )?(?:now |already )?(?:in|committed|applied|merged|pushed|acked)\b", 0.85),
    (Cue.PARTLY, r"\b(?:some|most|half|part|parts|the bulk|a (?:few|couple)|several|the first (?:\w+ )?(?:patch(?:es)?|few)|all but \w+) of (?:it|them|this|the (?:series|patches|patchset|work)|these|those) (?:(?:is|are|has been|have been|was|were|went|got) )?(?:now |already )?(?:in|committed|applied|merged)\b", 0.85),
    (Cue.PARTLY, r"\b(?:hypervisor|xen|tools?|toolstack|libxl|xl|x86|arm|kernel|linux|qemu|hv|first|initial|main|core|preparatory|prep|cleanup) (?:side|part|half|bits|portion|patches|changes|series|work) (?:(?:is|are|has been|have been|was|were|got|went) )?(?:now |already )?(?:in|merged|committed|applied|upstream)\b", 0.85),
    (Cue.PARTLY, r"\b(?:partially|partly|half) (?:committed|applied|merged|done|complete|in)\b|\b(?:a |one )?follow-?ups? (?:series |patch(?:es)? )?(?:remains?|is still (?:needed|pending|outstanding)|still needed|pending|to come|outstanding)\b", 0.85),
    (Cue.ASK_DONE, rf"\b(?:isn't|is|wasn't|hasn't|has|didn't) {_IT}(?: one)? (?:already |now |been |just )*(?:done|fixed|in|committed|merged|applied|resolved|go in)\b[^.!]*\?", 0.5),
    (Cue.NOT_DONE, rf"\b(?:(?:isn't|is not|wasn't|was not|hasn't|has not|haven't|have not|aren't|are not|weren't|didn't)(?: \w+)?(?: been| yet)* (?:{_DONE_WORDS}|go(?:ne)? in|done|fixed|finished|complete)|not (?:yet )?(?:{_DONE_WORDS}|in yet)|(?:was|got|has been|have been|were) reverted)\b", 0.85),
    (Cue.DONE, rf"\b(?:has|have|had|is|are|was|were|got|went)(?: now| already| finally| just| all)? (?:been )?(?:now )?{_DONE_WORDS}\b", 0.9),
    (Cue.DONE, rf"\b(?:went in|gone in|landed|got in)\b|\b(?:(?:is|are|'s) (?:now |already |all )?in(?= ?[.!,;]| ?$| now| already| as of| since| with))", 0.9),
    (Cue.DONE, rf"\b(?:is|are|'s)(?: now| all)? (?:done|fixed|resolved|complete|completed|finished|sorted)\b(?! by| once| when| if)", 0.85),
    (Cue.DONE, rf"\b(?:mark|marked|consider)(?: \w+)? {_IT}(?: as)? (?:done|resolved|fixed|complete|completed|closed)\b", 0.9),
    (Cue.DONE, rf"\b(?:fixed|resolved|addressed) (?:by|in|with) (?:commit|c/s|changeset|cset|[0-9a-f]{{7,40}})\b|^(?:applied|committed|pushed|done)\b", 0.85),
    (Cue.DONE, r"\b(?:committed|applied|pushed|merged) (?:last week|yesterday|today|this week|earlier|on \w+|as [0-9a-f]{7,}|to (?:staging|unstable|master|the tree))", 0.9),
    (Cue.DEFER, r"\b(?:defer(?:red)?|postpone[d]?|punt(?:ed)?|push(?:ed)?|mov(?:e|ed)|bump(?:ed)?|slip(?:ped)?|delay(?:ed)?)(?: (?:this|it|that|them))?(?: one)? (?:to|until|till|for|into) (?:\d+\.\d+|(?:the )?next release)", 0.9),
    (Cue.DEFER, r"\b(?:won't|will not|isn't going to|is not going to|not going to|doesn't look like it will|can't) (?:happen|make it|be ready|land|be done|go in|get in)(?: in time)? (?:for|in|by) (?:this release|\d+\.\d+|the release)", 0.85),
    (Cue.DEFER, r"\b(?:out of scope for|too late for|not (?:for|targeting)) (?:this release|\d+\.\d+)|\b(?:\d+\.\d+|next release) material\b|\bcan wait (?:for|until|till) (?:\d+\.\d+|the next release)", 0.85),
    (Cue.DROP, r"\b(?:stop tracking|no need to track|(?:remove|drop|delete) (?:this|it|that)(?: one| item)? (?:from the list|from (?:the|your) tracker)|(?:can|should) be (?:dropped|removed) from the list)\b", 0.9),
    (Cue.DROP, r"\b(?:(?:is|are) (?:now )?(?:no longer|not) (?:needed|relevant|necessary|required|an issue|a (?:real )?(?:bug|problem|blocker))|(?:is|are) obsolete|won'?t fix|(?:nothing|no action) (?:left )?to do here|turned out (?:to be|not to be) (?:a )?(?:user error|a non-issue|not a bug|bogus|invalid)|(?:we(?:'ve| have)?|i(?:'ve| have)?) abandoned)\b", 0.85),
    (Cue.RISK, r"\b(?:(?:i'm|i am|we're|we are|it's|it is|is|are|got|still) stuck|unlikely to (?:make it|be ready|land|happen|get in|be done|go in)|depends on review(?:er)?s?(?: time)?|(?:is |looks )?at risk|(?:may|might|could) (?:not make it|slip)|(?:likely|going) to slip|running (?:out|short) of time|not sure (?:i|we|it)(?:'ll| will| can)? (?:make it|finish|get)|blocked (?:on|by)|(?:will|is going to) be tight)\b", 0.8),
    (Cue.ADD, r"\b(?:please|could you|can you|would you|pls|could we|can we|would it be possible to|you (?:should|might want to|may want to))\s+(?:please\s+)?(?:also\s+)?add\s+(?P<x>.+)", 0.85),
    (Cue.ADD, r"\b(?:you(?:'re| are) missing|you (?:forgot|missed|left out|dropped)|(?:i'd|i would|we'd|we should) (?:like to )?(?:add|propose adding|suggest adding)|(?:consider|suggest) adding|(?:another|one more|a new) (?:item|blocker|candidate)(?: for (?:the|this) list)?\s*[:-])\s+(?P<x>.+)", 0.85),
    (Cue.ADD, r"^(?P<x>.+?)\s+(?:is|are|seems to be) missing (?:from|in) (?:the|this|your) (?:list|tracker|mail)|^(?P<y>.+?)\s+should (?:also )?be (?:on|added to|tracked (?:on|in)) (?:the|this) list", 0.85),
    (Cue.ADD, r"\b(?:wasn't|weren't|was not|didn't we have|isn't|shouldn't)\s+(?P<x>.+?)\s+(?:be )?(?:on|in)\s+(?:this|the|our)\s+(?:list|tracker)", 0.6),
)
_COMPILED = tuple((cue, re.compile(p, re.IGNORECASE), conf) for cue, p, conf in CUES)

_NEGATION = re.compile(r"\b(?:not|never|no longer|nobody|no one|neither|hardly)\b|n't\b", re.I)
_CONDITION = re.compile(
    r"\b(?:once|after|if|when|until|unless|before|as soon as|hopefully|hope|will|'ll|going to|"
    r"should|would|could|might|need to|needs to|want to|plan to|expect|ready to|waiting (?:for|on))\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:i think|i believe|maybe|probably|perhaps|possibly|might|not sure|i guess|afaik|iirc|"
    r"afaict|presumably|seems|supposedly|hopefully)\b",
    re.I,
)
_NOT_NAMES = frozenset(
    "i it this that he she they we you someone somebody nobody anyone everyone who which what "
    "xen linux qemu patch series the there here one all nothing".split()
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


def _guarded(cue: Cue, text: str, start: int) -> bool:
    """True when a negation or a condition in front of the cue takes it back."""
    before = text[max(0, start - 40) : start]
    before = re.split(r"[,;:]\s|\bbut\b|\band\b", before)[-1]
    if cue in (Cue.DONE, Cue.POSTED, Cue.PARTLY, Cue.CLAIM, Cue.CLAIM_WEAK, Cue.CLAIM_OTHER):
        if _NEGATION.search(before):
            return True
    if cue in (Cue.DONE, Cue.POSTED, Cue.PARTLY, Cue.DROP) and _CONDITION.search(before):
        return True
    return cue is Cue.DEFER and bool(re.search(r"\b(?:no|not|don't|shouldn't)\b", before, re.I))


def find_cues(sentence: Sentence) -> list[Hit]:
    """Every cue a sentence holds, negated and conditional ones left out."""
    text = sentence.text.replace("\u2019", "'")
    hits: list[Hit] = []
    for cue, pattern, conf in _COMPILED:
        m = pattern.search(text)
        if m is None or _guarded(cue, text, m.start()):
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
    return hits


def _release(text: str, current: str, fallback: str) -> str:
    found = [r for r in _RELEASE.findall(text) if r != current]
    return found[0] if found else fallback


def _version(text: str) -> str:
    m = _VERSION.search(text)
    return f"v{m.group(1) or m.group(2)}" if m else ""


def pointer_value(p: Pointer) -> dict[str, str]:
    """A pointer as link fields; advisories and tracker ids become tracker_id."""
    tracker_id = p.value if p.kind in (PointerKind.ADVISORY, PointerKind.TRACKER, PointerKind.BUG) and not p.url else ""
    value = {"url": p.url, "message_id": p.message_id, "tracker_id": tracker_id, "title": p.title}
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


def _section_for(text: str, reading: Reading, ctx: Context) -> str:
    lowered = text.lower()
    best = ""
    for sec in reading.tracker.sections:
        words = [w for w in re.split(r"[^a-z0-9]+", (sec.title or sec.key).lower()) if len(w) > 2]
        if words and all(w.rstrip("s") in lowered for w in words):
            best = sec.key
    return best or ctx.section or ""


def _clean_add_text(x: str) -> str:
    x = re.sub(
        r"\s+(?:to|on(?:to)?|in)\s+(?:the|this|your|our)\s+(?:\S+\s+){0,2}?(?:list|tracker|todo|plan|mail)\b.*$",
        "",
        x,
        flags=re.I,
    )
    x = re.sub(r"\s+(?:as well|too|also|please|as (?:a )?(?:blocker|nice[- ]to[- ]have))\b.*$", "", x, flags=re.I)
    return x.strip(" .,;:!?\"'")


def _bullet_actions(sentence: Sentence, reading: Reading, ctx: Context) -> list[Action]:
    """An item written in the mail's own format: a claim when it is a known item."""
    m = _ITEM_BULLET.match(sentence.text)
    if m is None:
        return []
    head = read_item_head(m.group(1), _HINTS.vocabulary)
    if not head.owners and not head.tags and not (ctx.section and ctx.item is None if False else ctx.section and ctx.item_id is None):
        return []
    found = match_chunk(reading.index, head.text)
    if found is not None and found[1] >= 0.75:
        item = reading.index.entries[found[0]].item_id
        known = reading.tracker.item(item)
        owners = [o for o in head.owners if known is None or o not in known.owners]
        return [
            Action(ActionKind.CLAIM, item, {"owner": o}, reading.sender, sentence.text, 0.85, sentence.line_no)
            for o in owners
        ]
    value: dict[str, Any] = {
        "text": head.text,
        "section": ctx.section or "",
        "owners": list(head.owners),
        "tags": list(head.tags),
    }
    if head.status is not Status.OPEN:
        value["status"] = head.status.value
    conf = 0.85 if ctx.section else 0.7
    return [Action(ActionKind.ADD, None, value, reading.sender, sentence.text, conf, sentence.line_no)]
