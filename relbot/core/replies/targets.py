"""Which items one cue in a reply speaks of: those named in its clause or sentence, the
sender's own among several quoted ("mine"), each of several quoted for "both" or "all of
these", and a bare yes answering a question asked under an item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from relbot.core.people import Sender, same_person
from relbot.core.replies.action_base import (
    Reading,
)
from relbot.core.replies.context import Context
from relbot.core.replies.cues import Cue
from relbot.core.replies.naming import clause_items
from relbot.core.replies.phrases import Hit, Sentence, find_cues
from relbot.core.tracker.model import Status

#: "the AMD one won't": a bare negative, its verb left in the question it answers
STATUS_OF = {
    Cue.POSTED: Status.PATCHES_POSTED,
    Cue.PARTLY: Status.PARTLY_DONE,
    Cue.DONE: Status.DONE,
    Cue.ASK_DONE: Status.DONE,
    Cue.DEFER: Status.DEFERRED,
    Cue.DROP: Status.DROPPED,
    Cue.RISK: Status.AT_RISK,
}


_ELLIPTIC = re.compile(
    r"(?i)\b(won't|will not|isn't going to|is not going to|can't)(?=\s*(?:[,.;!]|$|,? (?:at least"
    r"|i'm afraid|sadly|unfortunately|i think|i fear)))"
)
_ASKED = re.compile(
    r"(?i)\b(?:going to|will|gonna|can)\s+((?:happen|make it|be ready|land|go in|get in)"
    r"(?: in time)?\s+(?:for|in|by)\s+(?:\d+\.\d+|this release))"
)


def answer_to_question(s: Sentence, ctx: Context) -> list[Hit]:
    """Cues of a bare answer ("X won't") to the mail's question ("none of these for 4.2?"),
    read with the question's verb put back, less sure than words said in full."""
    said, asked = _ELLIPTIC.search(s.text), _ASKED.search(ctx.question)
    if said is None or asked is None:
        return []
    full = f"{s.text[: said.end()]} {asked.group(1)}{s.text[said.end() :]}"
    hits = find_cues(Sentence(full, s.line_no))
    return [replace(h, confidence=h.confidence * 0.7) for h in hits if h.cue in STATUS_OF]


#: "Both are now merged", "all of these went in", "neither of the two will make it"
_GROUP = re.compile(
    r"(?i)^(?:\w+[,.!]? )?(?P<two>both|these two|the two|neither)\b"
    r"(?! of (?:us|you|them\b(?! is| are)))"
    r"|\b(?:all (?:of )?(?:these|those|the above)|(?P<two2>both of (?:these|them|those)))\b"
)
PRONOUN = re.compile(r"(?i)\b(?:it|this|that)\b")
CLAIMS = (Cue.CLAIM, Cue.CLAIM_WEAK, Cue.CLAIM_OTHER, Cue.UNCLAIM)


#: "mine is not going to make it", "my one": the sender's own item, not "that one is mine"
_MINE = re.compile(r"(?<!\bis )(?<!'s )\bmine\b|\bmy one\b", re.I)


def own_quoted(text: str, ctx: Context, reading: Reading) -> str | None:
    """The one item among several quoted that the sender owns, when the text says "mine"."""
    if len(ctx.quoted) < 2 or not _MINE.search(text):
        return None
    me = Sender(reading.sender, "")
    owned = [
        i
        for i in sorted(ctx.quoted)
        if (it := reading.tracker.item(i)) is not None
        and any(same_person(o, me) for o in it.owners)
    ]
    return owned[0] if len(owned) == 1 else None


def cue_targets(
    h: Hit, s: Sentence, item: str | None, named: Sequence[str], ctx: Context, reading: Reading
) -> Sequence[str | None]:
    """The items one cue speaks of: those named in its clause, else the sentence's;
    "both" or "all of these" under a quote of several items, each of them."""
    if not named:
        group = _GROUP.search(s.text)
        pair = group is not None and bool(group.group("two") or group.group("two2"))
        if group and len(ctx.quoted) >= 2 and (len(ctx.quoted) == 2 or not pair):
            return sorted(ctx.quoted)
        return (item,)
    before = h.cue not in CLAIMS
    said = clause_items(
        reading.index, h.sentence.text, h.match.start(), h.match.end(), ctx, before_only=before
    )
    return [i for i in said if i in named] or (item,)
