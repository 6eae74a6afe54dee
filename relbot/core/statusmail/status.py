"""Reading the status a sentence under an item states: "v7 was sent", "6/12 are merged".

Later layouts write an item's progress as short lines under it instead of
words in its parentheses (REPLIES.md, 2024): ``- v7 was sent``, ``- merged``,
``- 6/12 are merged``, ``- the first 10 patches were committed``. The line
stays a note; this module says what status it announces, so that the item
moves with it. A clause that hedges or negates ("not merged yet", "v4 to be
posted", "waiting to be committed") announces nothing.

A patch-series subject as the item's text (``[PATCH v3 00/12] ...``) says
the series is posted, at that version.
"""

from __future__ import annotations

import re

from relbot.core.tracker.model import Status

_CLAUSES = re.compile(r"(?i)[,;:]|\.(?:\s|$)|\s-+\s|\b(?:and|but|while)\b")
_VERSION = re.compile(r"(?i)\b(rfc(?:\s+v\d+)?|v\d+)\b")
_POSTED = re.compile(r"(?i)\b(?:sent|re-?sent|posted|re-?posted|submitted|out)\b")
_DONE = re.compile(
    r"(?i)\b(?:merged|committed|applied|pushed|checked\s+in|upstreamed)\b"
    r"|\b(?:is|are|was|were|went|got)\s+in\s*$"
)
#: a clause with one of these does not say the thing happened
_UNSURE = re.compile(
    r"(?i)n't\b|\b(?:not|no|never|yet|to\s+be|wait\w*|needs?|should|could|would|will|shall"
    r"|ready|pending|once|if|until|expected|hope\w*|plan\w*|requires?|before|soon|maybe"
    r"|probably|might)\b|\?"
)
_FRACTION = re.compile(r"\b(\d+)\s*(?:/|of|out\s+of)\s*(\d+)\b")
_PARTIAL = re.compile(
    r"(?i)\b(?:almost|most|mostly|some|part|parts|partly|partially|first|half|several"
    r"|few|remaining|side|bulk|majority|initial|preparatory|prerequisite\w*)\b"
)
_SUBJECT = re.compile(r"(?i)^\[(?:[a-z][\w.-]*\s+)*?patch\b([^\]]*)\]")
#: longer lines are prose about the item, not a word on its progress
MAX_PROGRESS = 300
_RANK = {
    Status.PATCHES_POSTED: 1,
    Status.PARTLY_DONE: 2,
    Status.DONE: 3,
}


def sentence_status(text: str) -> tuple[Status, str] | None:
    """(status, version) a progress line announces, or None.

    The strongest clause wins: "v7 was sent, 3/7 are merged" is partly done.
    """
    best: tuple[Status, str] | None = None
    if len(text) > MAX_PROGRESS:
        return None  # a paragraph about the item, not a progress line
    for clause in _CLAUSES.split(text):
        found = _clause_status(clause.strip())
        if found is not None and (best is None or _RANK[found[0]] > _RANK[best[0]]):
            version = found[1] or best[1] if best else found[1]
            best = (found[0], version)
    return best


def _clause_status(clause: str) -> tuple[Status, str] | None:
    if not clause or _UNSURE.search(clause):
        return None
    if _DONE.search(clause):
        fraction = _FRACTION.search(clause)
        if fraction is not None:
            done, total = int(fraction.group(1)), int(fraction.group(2))
            return (Status.DONE if total and done >= total else Status.PARTLY_DONE), ""
        if _PARTIAL.search(clause):
            return Status.PARTLY_DONE, ""
        return Status.DONE, ""
    if _POSTED.search(clause):
        version = _VERSION.search(clause)
        if version is not None or re.search(r"(?i)\b(?:patch\w*|series|version)\b", clause):
            return Status.PATCHES_POSTED, _version_word(version.group(1)) if version else ""
    return None


def _version_word(raw: str) -> str:
    """ "rfc v5" -> "RFC v5", "V7" -> "v7"."""
    words = raw.split()
    return " ".join(w.upper() if w.lower() == "rfc" else w.lower() for w in words)


def subject_version(text: str) -> str | None:
    """ "[PATCH v3 00/12] subject" -> "v3"; "[PATCH] x" -> ""; not a subject -> None."""
    m = _SUBJECT.match(text.strip())
    if m is None:
        return None
    version = _VERSION.search(m.group(1))
    return _version_word(version.group(1)) if version else ""


def stronger(current: Status, other: Status) -> bool:
    """True when ``other`` says more progress than an active ``current``."""
    return _RANK.get(other, 0) > _RANK.get(current, 0)
