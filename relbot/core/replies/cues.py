"""The table of what replies say: each cue (claim, posted, partly, done, defer, drop, ...)
with the wordings that express it and the confidence each wording earns, and the words
that must appear before any of a cue's patterns is tried. Only data; the matching is
``relbot.core.replies.phrases``.
"""

from __future__ import annotations

from enum import StrEnum


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
    # "the pci one", "the ballooning bug": one of several items just quoted
    r"the (?:[\w/-]+ ){1,3}(?:one|item|bug|issue)",
)
_NAME = (
    r"(?-i:(?P<name>[A-Z][\w'\u00c0-\u024f-]+"
    r"(?:\s+(?:[A-Z][\w'\u00c0-\u024f-]+|[A-Z]\.?)){0,2}))"
)
_IT_WORK = _any("this", "it", "that", r"the (?:issue|bug|item|problem|one|crash|hang|regression)")
_I_AM = r"\bi(?:'m| am)"
_I_WILL = r"\bi(?:'ll| will| shall)"
_VER = r"(?:v\d+|version \d+|\[patch v\d+)"
_DONE_WORDS = _any(
    # "pushed v9" is a new version on the list, not a commit
    "committed", "applied", "merged", r"pushed(?! (?:out )?(?:a |the )?(?:new |updated )?v\d)",
    "checked in", r"upstream(?:ed)?",
    r"in (?:the )?tree", "in staging", "in unstable", "in master",
)
_BE = r"(?:(?:is|are|was|were|has been|have been|got|went) )?(?:now |already )?"
_LANDED = _any("in", "committed", "applied", "merged", "pushed", "upstream")

#: The vocabulary: (cue, pattern, base confidence), matched case-insensitively
#: against one sentence, except inside ``(?-i:...)`` (names).
CUES: tuple[tuple[Cue, str, float], ...] = (
    # claim: first person + a work verb
    (Cue.CLAIM, rf"{_I_AM}(?: \w+)? working on {_IT}\b", 0.9),
    # "looking at the patches" is a reviewer's phrase, not an owner's
    (Cue.CLAIM, rf"{_I_AM}(?: \w+)? looking (?:into|at) {_IT_WORK}\b", 0.9),
    (Cue.CLAIM, rf"{_I_AM}(?: \w+)? working on (?:a |the )?(?:fix|patch|series)\b", 0.9),
    (
        Cue.CLAIM,
        r"\bi(?:'ll| will| shall|'d like to| want to| can)(?: \w+)? (?:pick|take)"
        rf"(?: up| on| over)? {_IT}(?: one)?(?: up| on| over)?\b",
        0.9,
    ),
    (Cue.CLAIM, rf"{_I_WILL} (?:take care of|handle|own|deal with|tackle|do) {_IT}\b", 0.9),
    # "I can do this one, it's trivial"
    (
        Cue.CLAIM,
        r"\bi can (?:do|handle|take care of) (?:this|that)(?: one)?\b(?! (?:too|as well))",
        0.85,
    ),
    (
        Cue.CLAIM,
        r"^(?:ok(?:ay)?,? |sure,? |yes,? )?(?:i(?:'m| am) |i(?:'ll| will) )?(?:picking|taking"
        r"|grabbing|"
        rf"pick|grab) {_IT}(?: one)?(?: up| on| over)?\b",
        0.85,
    ),
    (
        Cue.CLAIM,
        rf"\b(?:(?:that|this|it)(?:'s| is)(?: one)? mine|{_IT} (?:one )?is mine|^mine)\b",
        0.9,
    ),
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
    (
        Cue.CLAIM_WEAK,
        rf"\bi(?:'ll| will| can| could)(?: \w+)? (?:look|work) (?:into|at|on) {_IT}\b",
        0.8,
    ),
    (
        Cue.CLAIM_WEAK,
        rf"\bi(?:'ll| will| can)(?: \w+)? (?:take|have) a (?:\w+ )?look (?:into|at) {_IT_WORK}\b",
        0.8,
    ),
    (
        Cue.CLAIM_WEAK,
        r"\bi have (?:a |an |some )?(?:\w+ )?"
        r"(?:series|patch(?:es|set)?|prototype|implementation|draft|rfc)\b"
        r".{0,60}\b(?:for (?:this|it)|i(?: can|'ll| will) (?:post|send)|ready)",
        0.8,
    ),
    (
        Cue.CLAIM_WEAK,
        rf"{_I_WILL} (?:send|post|write|prepare) (?:a |an |the )?(?:patch|fix|series)\b",
        0.8,
    ),
    # someone else named as doing it
    (
        Cue.CLAIM_OTHER,
        rf"\b{_NAME} (?:is|has been|was)(?: \w+)? (?:working|looking) (?:on|into|at) {_IT}",
        0.85,
    ),
    (
        Cue.CLAIM_OTHER,
        # "Rahul from my team will take over"
        rf"\b{_NAME}(?: (?:from|of|in|on) (?:my|our|the|his|her|their) \w+)?,? "
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
    (
        Cue.UNCLAIM,
        rf"{_I_AM} (?:not|no longer)(?: \w+)? (?:working|looking) (?:on|at|into)\b",
        0.85,
    ),
    (
        Cue.UNCLAIM,
        r"\bi (?:won't|will not|don't|do not|no longer|have not|haven't)(?: have)? (?:the |any "
        r"|enough )?(?:time|bandwidth|cycles)(?: any ?more)? (?:to|for)\b",
        0.85,
    ),
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
            r"could|may|to) (?:take|pick)",
            r"(?:up|available|open) for grabs",
            r"(?:remove|take) (?:me|my name) (?:from|off)",
            "unassign me",
            r"(?:consider|mark) (?:it|this|that)(?: as)? (?:unowned|orphaned|unassigned)",
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
        # "The v4 series [2] has been posted"
        + r"(?: \[\d{1,2}\])? (?:(?:is|are|was|were|has been|have been|got|just got|went) )?"
        r"(?:now |just )*"
        # "has been send": a common non-native past participle
        + _any("out", "posted", r"sen[dt](?: out)?", "resent", "reposted", "submitted",
               "on the list", "up for review")
        + r"\b",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:i(?:'ve| have)?|we(?:'ve| have)?)(?: just| now| finally)? "
        r"(?:posted|sent|(?<=have )send|resent|reposted|submitted|mailed)(?: out)?(?: as)? "
        r"(?:a |an |the |my )?(?:new |updated |next |revised |respun |\w+ )?"
        rf"(?:{_VER}|version|revision|patch(?:es|set)?|series|round|spin|fix)\b",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:i(?:'ve| have)?|we(?:'ve| have)?)(?: just| now)? pushed(?: out)? (?:a |the )?"
        r"(?:new |updated )?(?:v\d+|version \d+)\b",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:has|have|had) (?:just |now |already )?(?:posted|sent|resent|submitted) "
        rf"(?:a |an |the |his |her |their )?(?:new |updated |\w+ )?(?:{_VER}|version"
        r"|patch(?:es)?|series)\b",
        0.85,
    ),
    (
        Cue.POSTED,
        r"^(?:(?:just |now |and )?(?:re)?(?:posted|sent|submitted)(?: out)?|respun|new version)\b"
        r"|\b(?:patch(?:es)?|series|patchset|v\d+|version) (?:\w+ ){0,3}?(?:is|are) (?:now "
        r"|already )?"
        r"(?:on the list|on xen-devel|out for review|at v\d+)"
        r"|\b(?:is|are) (?:now |already )?at v\d+\b",
        0.85,
    ),
    (
        Cue.POSTED,
        # "as I said in the mail sent on Monday" is no posting
        r"\b(?<!mail )(?<!message )(?<!note )(?<!reply )"
        r"(?:posted|sent(?: out)?|submitted|resent|reposted)(?: it| them)? (?:yesterday|today|"
        r"this (?:morning|afternoon|week)|earlier(?: today)?|last (?:week|night|\w+day)|"
        r"on \w+day|(?:a (?:few|couple of)|an?|one|two|\d+) (?:days?|hours?) ago)\b",
        0.85,
    ),
    (
        Cue.POSTED,
        r"\b(?:resent|reposted|respun|rebased and resent) (?:it |them |the series |this )?as"
        rf" {_VER}",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:now (?:at|on|up to) v\d+|latest (?:version|spin|revision|iteration|round) "
        r"(?:is|was) v\d+)",
        0.9,
    ),
    (
        Cue.POSTED,
        r"\b(?:had|got|saw|followed with)(?: its| a| the)?(?: rfc)? v\d+ (?:posted |sent |out )?"
        r"(?:yesterday|today|this \w+|last \w+|on \w+day|earlier)\b",
        0.85,
    ),
    # a version named again to set it right: "sorry, that one was v3", "v20 is the one to
    # look at", "there's a v3 of this by now"
    (
        Cue.POSTED,
        r"\b(?:(?:that|this|it)(?: one)?(?: was| is|'s) (?:actually |really |in fact |now )?(?:v\d+"
        r"|version \d+)\b(?! (?:of|too|as well))"
        r"|v\d+ is the (?:one|right one|latest(?: one)?|current one)\b"
        r"|there(?:'s| is) (?:now |already )?an? (?:v\d+|new version)(?: of (?:this|it))?\b)",
        0.85,
    ),
    # partly done
    (
        Cue.PARTLY,
        r"\b(?:(?:everything|all) (?:but|except)(?: for)? (?:patch(?:es)? )?[\d/, and]+|"
        r"patch(?:es)? \d+\s*(?:-|to|through)\s*\d+)(?: of the series)? "
        rf"{_BE}{_LANDED}\b",
        0.85,
    ),
    (
        Cue.PARTLY,
        rf"\b(\d+)\s*/\s*(\d+)(?: (?:of the )?(?:patches|of them))? {_BE}(?:{_LANDED}|acked)\b",
        0.85,
    ),
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
        r"\b(?:bar|except(?: for)?|apart from|other than|save for|but for) (?:the )?"
        r"(?:last|final|first|remaining|one|two|three|\d+) (?:\w+ )?(?:patch(?:es)?|ones?|bits?|"
        r"parts?|pieces?)\b",
        0.85,
    ),
    (
        Cue.PARTLY,
        r"\b(?:parts|bits|pieces|some patches|some parts|a few patches|the first (?:\w+ )?patches)"
        r"(?: of (?:it|this|that|the series|the work))? (?:have|has) (?:already |now )?"
        r"(?:gone in|landed|been (?:committed|merged|applied))\b",
        0.85,
    ),
    (
        # "The tools bit is committed already": one part of the item, named by a word
        Cue.PARTLY,
        r"^(?:\w+,? )?the (?:[\w./-]+ ){1,2}(?:thing|bit|part|piece|half|side|fix)"
        rf" {_BE}(?:already |now )?{_LANDED}\b",
        0.8,
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
            r"(?:isn't|is not|aren't|are not|wasn't|was not)(?: \w+)? in(?= ?[.!,;]| ?$| yet)",
            r"(?:was|got|has been|have been|were) reverted",
        )
        + r"\b",
        0.85,
    ),
    (
        Cue.DONE,
        r"\b(?:has|have|had|is|are|was|were|got|went)(?: now| already| finally| just| all| both)"
        rf"{{0,2}} (?:been )?(?:now )?(?:\w+ and )?{_DONE_WORDS}\b",
        0.9,
    ),
    (
        Cue.DONE,
        r"\b(?:went in|gone in|landed|got in)\b"
        r"|\b(?:(?:is|are|'s) (?:now |already |all )?in(?= ?[.!,;]| ?$| now| already| as of|"
        r" since))",
        0.9,
    ),
    (
        Cue.DONE,
        r"\b(?:is|are|'s)(?: now| all)? (?:done|complete|completed|finished|sorted)\b"
        r"(?! by| once| when| if| soon| in (?:the|a|an|userspace|libxl|xl|qemu|hardware))"
        r"|\b(?:is|are|'s)(?: now| all)? (?:fixed|resolved)\b(?! once| when| if| soon"
        # "fixed by the patch I posted": a fix on the list is not a fix in the tree
        r"| (?:with|by) (?:the|a|my|this|his|her|their) (?:patch|series|fix|change))",
        0.85,
    ),
    (
        Cue.DONE,
        rf"\b(?:mark|marked|consider)(?: \w+)? {_IT}(?: as)? "
        r"(?:done|resolved|fixed|complete|completed|closed)\b"
        # the release manager's "Thanks, marked as done."
        r"|^(?:\w+[,.!]? )?(?:i(?:'ve| have) )?(?:now )?marked (?:as )?(?:done|resolved|complete"
        r"|completed|closed)\b",
        0.9,
    ),
    (
        Cue.DONE,
        r"\b(?:fixed|resolved|addressed) (?:by|in|with) (?:commit|c/s|changeset|cset"
        r"|[0-9a-f]{7,40})\b"
        r"|^(?:applied|committed|pushed|merged|done)\b",
        0.85,
    ),
    (
        Cue.DONE,
        r"\b(?:committed|applied|pushed|merged)"
        r"(?: (?:it|them|these|this|those|the series|the patch(?:es)?))?"
        r" (?:last week|yesterday|today|this week|earlier|"
        r"on \w+|as [0-9a-f]{7,}|to (?:staging|unstable|master|the tree))",
        0.9,
    ),
    # defer, drop, at risk
    (
        Cue.DEFER,
        r"\b(?:defer(?:red|ring)?|postpone[d]?|punt(?:ed|ing)?|push(?:ed|ing)?|mov(?:e|ed|ing)|"
        r"bump(?:ed|ing)?|slip(?:ped|ping)?|delay(?:ed)?)(?: \w+){0,4}? (?:to|until|till|for|into|"
        r"past) (?:\d+\.\d+|(?:the )?next release)",
        0.9,
    ),
    (
        Cue.DEFER,
        r"\b(?:won't|will not|(?:is|are)n't going to|(?:is |are )?not going to|can't) "
        r"(?:happen|make it|make|be ready|land|be done|go in|get in|be in|be part of)(?: in time)?"
        r" (?:(?:for|in|by|into) )?(?:this release|\d+\.\d+|the release)"
        # "Neither the MSI nor the 16TiB work is going to make it for 4.3"
        r"|\bneither\b[^.;]{0,80}?\b(?:is|are|will)(?: going to)? (?:happen|make it|make|be ready"
        r"|land|go in|get in)(?: in time)? (?:(?:for|in|by|into) )?(?:this release|\d+\.\d+"
        r"|the release)",
        0.85,
    ),
    (
        Cue.DEFER,
        r"\b(?:out of scope for|too late for|not (?:for|targeting)) (?:this release|\d+\.\d+)"
        r"|\b(?:\d+\.\d+|next release) material\b"
        r"|\bput (?:it|this|them|that) (?:to|on|into) (?:the )?next release"
        r"|\b(?:will|'ll|shall) not (?:further )?pursue (?:this|it)(?: further)? for \d+\.\d+"
        r"|\b(?:can|will|'ll|would|has to|have to) (?:have to )?wait (?:for|until|till) "
        r"(?:\d+\.\d+|the next release)",
        0.85,
    ),
    (
        Cue.DROP,
        r"\b(?:stop tracking|no need to track|(?:remove|drop|delete) (?:this|it|that)(?: one|"
        r" item)? "
        r"from (?:the|your) (?:list|tracker)|(?:can|should) be (?:dropped|removed) from the"
        r" list)\b",
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
            r"(?:nothing|no action) (?:left )?to do (?:here|in xen|for xen|on (?:the )?xen side)",
            r"(?:please|you can|can you|could you|feel free to|let's|we can|so) (?:just )?"
            r"(?:drop|remove) (?:it|this|that)(?: one| item| entry)?"
            r"(?! from (?:the |this |my )?(?:series|patch|tree|code|hypervisor|toolstack))",
            r"turned out (?:to be|not to be) (?:a )?(?:user error|non-issue|not a bug|bogus"
            r"|invalid)",
            r"(?:we|i)(?:'ve| have)? abandoned",

        )
        + r"\b",
        0.85,
    ),
    (
        # "it got superseded", "wasn't this one withdrawn?": the
        # words of a drop, said of a series that may live on; the RM decides
        Cue.DROP,
        r"\b"
        + _any(
            r"(?:was|were|is|are|has been|have been|got|been) (?:\w+ )?(?:superseded|withdrawn"
            r"|obsoleted)",
            r"(?:was|were|is|are)n't (?:that|this|it|the \w+)(?: \w+){0,2} (?:superseded"
            r"|withdrawn|obsoleted)",
        )
        # "v2 was superseded by v3" is a new version, not a drop
        + r"\b(?! by (?:v\d|a new|the new|version|the next|a newer))",
        0.7,
    ),
    (
        Cue.RISK,
        r"\b"
        + _any(
            r"(?:i'm|i am|we're|we are|it's|it is|is|are|got|still) stuck",
            r"unlikely to (?:make it|be ready|land|happen|get in|be done|go in)",
            r"(?:increasingly|very|quite|rather) unlikely",
            r"unlikely (?:that )?(?:i|we|it|this)(?:'ll| will| can)? (?:get|make|finish|land|be)",
            r"(?:doubt|doubtful) (?:that )?(?:i|we|it|this)(?:'ll| will| can)?",
            r"(?:won't|will not|may not|might not|can't) (?:get|have) (?:this|it) (?:done|finished|"
            r"ready) in time",
            r"depends on review(?:er)?s?(?: time)?",
            r"(?:is |looks )?at risk",
            r"(?:may|might|could) (?:not make it|slip)",
            r"(?:likely|going) to slip",
            r"running (?:out|short) of time",
            r"not sure (?:i|we|it)(?:'ll| will| can)? (?:make it|finish|get)",
            r"blocked (?:on|by)",
            r"(?:will|is going to) be tight",
            # "I don't expect it to make 5.2 unless reviewers turn up"
            r"(?:don't|do not) expect (?:this|it|that|them|these)(?: one| series)? to "
            r"(?:make|land in|go into|get into) (?:it|\d+\.\d+|the release|this release)",
            r"(?:don't|do not) (?:think|expect|see) (?:that )?(?:this|it|that|we|i)"
            r"(?:'ll| will| can| is going to)? "
            r"(?:make it|be ready|land|happen|get (?:it )?in|go in|be done)"
            # "I don't think it can go in as is" is a reviewer asking for changes
            r"(?! as is| like this| in (?:this|its current) (?:form|shape|state))",
        )
        + r"\b",
        0.8,
    ),
    # add an item
    (
        Cue.ADD,
        r"\b(?:please|could you|can you|would you|pls|could we|can we|would it be possible to|"
        r"you (?:should|might want to|may want to))\s+(?:please\s+)?(?:also\s+)?(?:add|track)"
        r"\s+(?P<x>.+)",
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

            r"(?:another|one more|a new) (?:item|blocker|candidate)(?: for (?:the|this)"
            r" list)?\s*[:-]",
            r"(?:another|one more) (?:one |item |entry )?for (?:the |this |your )?[\w/-]+(?:"
            r" list| section)?\b[^:]*:",
        )
        + r"\s+(?P<x>.+)",
        0.85,
    ),
    (
        # "Should we add the following to the list?": asked, not requested
        Cue.ADD,
        r"\b(?:do|shall|should) (?:we|i) (?:want to )?(?:add|track)\s+(?P<x>.+)",
        0.7,
    ),
    (
        # "I'd like to see <url> merged for 5.2": the series is the item
        Cue.ADD,
        r"\b(?:i'd|i would|we'd|we would) (?:really )?like to (?:get|see) (?P<x>\S+)\s+(?:in|"
        r"merged|into \d+\.\d+)\b",
        0.7,
    ),
    (
        Cue.ADD,
        r"^(?P<x>.+?)(?<!\s)\s++(?:is|are|seems to be)(?: also| still| currently)? missing "
        r"(?:from|in) (?:the|this|your) "
        r"(?:list|tracker|mail)"
        # "Memory tagging was lost as an item", "Hypercall buffers (Gil's) are entirely missing"
        # (a bounded run before "also": ") ) ) ..." was read to its end from every ") ")
        r"|(?:^|(?<=, )|(?<=\) ))(?:\W{0,10}+(?:also|and|plus),?\s++)?"
        r"(?P<z>[^,;\s][^,;]{1,59}?)(?<!\s)\s++"
        r"(?:was|were|is|are|got|has been)(?: also| entirely| completely| somehow| now){0,2}"
        r" (?:lost|missing|dropped)"
        r"(?: as an item| from (?:the|this) (?:list|mail))?(?=\s*[.!;,]|\s*$)"
        # "Cache QoS was dropped too, but that is intended": no request
        r"(?![^.]*\bbut\b[^.]*\b(?:correct|intended|intentional|on purpose|deliberate|fine)\b)"
        r"|^(?P<y>.+?)(?<!\s)\s++should (?:also )?be (?:on|added to|tracked (?:on"
        r"|in)) "
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
#: words one of the cue's patterns needs: a cheap test that skips the patterns
#: for the many sentences that cannot match them
TRIGGERS = {
    Cue.CLAIM: r"\bi\b|\bi'|mine\b|\bme\b|pick|tak|grab|volunteer",
    Cue.CLAIM_WEAK: r"\bi\b|\bi'",
    Cue.CLAIM_OTHER: r"work|look|take|pick|handl|volunteer|owns|assign|put|\bdo\b",
    Cue.UNCLAIM: r"\bi\b|\bi'|grabs|else|unassign|remove|take",
    Cue.POSTED: r"post|sent|submit|mail|\bout\b|list|v\d|version|spin|respun|round|revision",
    Cue.PARTLY: r"/|\bof\b|side|part|half|bits|follow|patch|everything|\ball\b|bar|except|apart|"
    r"thing|piece|\bfix\b|"
    r"other than|save for|but for",
    Cue.ASK_DONE: r"\?",
    Cue.NOT_DONE: r"n't|\bnot\b|revert",
    Cue.DONE: r"commit|appl|merg|push|tree|stag|unstable|master|upstream|went|gone|land|\bin\b|"
    r"done|fix|resolv|complet|finish|sort|mark|consider",
    Cue.DEFER: r"neither|defer|postpon|punt|push|mov|bump|slip|delay|won't|will not|going to|can't|"
    r"put|scope|too late|not for|not target|material|wait",
    Cue.DROP: (
        r"track|remov|drop|delet|no longer|\bnot\b|obsolete|fix|to do|turned out|abandon|"
        r"supersed|withdrawn"
    ),
    Cue.RISK: r"stuck|unlikely|review|risk|slip|time|not sure|blocked|tight|doubt|think|expect|see",
    Cue.ADD: r"add|track|missing|forgot|missed|left out|dropped|\blist\b|tracker|another|one more|"
    r"lost|like to",
}
