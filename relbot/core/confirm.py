"""A release manager's "Thanks, I've updated the list": agreement by reply.

When an RM answers a developer's mail with words that say the list was
updated as asked, what that mail proposed and is still waiting for review is
agreed to, exactly as if the RM had run ``relbot accept``. The wording must
say the update happened or will: a bare "Thanks" acknowledges the mail
without agreeing to anything, and a question or a "but" holds it back.
"""

from __future__ import annotations

import re

#: the RM says the list reflects (or will reflect) the answer
_UPDATED = re.compile(
    r"\b("
    r"(i'?ve|i have|have|has been|i|i'll|will)\s+(now\s+|just\s+)?"
    r"(update|amend|adjust|change|move|mark|note|record|remove|drop|defer|add)(d|ed)?\b"
    r"|updated( the| my)?( list| tracker| page| status| entry| item)?\b"
    r"|marked (it |this |that |them )?(as )?(done|fixed|deferred|resolved|complete)"
    r"|(ok|okay|great|thanks|thank you|good)[,.!]*\s*(will do|done|updated|noted)\b"
    r"|^\s*(done|updated|noted)\b[.!,]*\s*(thanks|thank you)?[.!]*\s*$"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_HELD_BACK = re.compile(
    r"\?|\b(but|however|not yet|once|when|if|unless|wait|hold on|won't|will not|can't)\b",
    re.IGNORECASE,
)
#: longer than this, the answer is about more than the update
_MAX_WORDS = 40


def confirms_update(new_text: str) -> bool:
    """True when an RM's own words agree that the list now says what was asked."""
    text = " ".join(new_text.split())
    if not text or len(text.split()) > _MAX_WORDS:
        return False
    for sentence in re.split(r"(?<=[.!?])\s+|\n", new_text):
        sentence = sentence.strip()
        if _UPDATED.search(sentence) and not _HELD_BACK.search(sentence):
            return True
    return False
