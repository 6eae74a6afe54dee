"""Two mails with one Message-ID: the same mail twice, or two mails sharing an id.

A list delivers the same mail more than once: a copy to the reader and one
through the list, a folder rescanned after a UIDVALIDITY change, a batch
resent by a moderator. The copies differ in transport headers, the list's
subject tag and its footer, never in the sender, the date or what was
written. Anything else that differs means two different mails share one id
(a mailer that reuses ids, a forged or broken id): the second one is kept
under ``collision_id``, a key made from its content, so a second copy of it
is again recognised as a copy.
"""

from __future__ import annotations

import hashlib

from relbot.core.replies.message import Message
from relbot.core.replies.quotes import quote_text, split_body, within_lines
from relbot.core.replies.threads import base_subject


def _written(msg: Message) -> tuple[str, ...]:
    """What the sender wrote, quoted and new, without footers and signatures.

    Past ``MAX_LINES`` lines with words the rest counts word for word as it
    stands: a copy with a footer added there is then kept as a second mail
    (the safe side), and a mail of half a million lines is not split again.
    """
    read, rest = within_lines(msg.text)
    words = tuple(" ".join(quote_text(block).split()) for block in split_body(read))
    return (*words, " ".join(rest.split())) if rest else words


def fingerprint(msg: Message, list_tags: tuple[str, ...] = ()) -> str:
    """A digest of what makes a mail this mail: sender, date, subject, words."""
    parts = (
        msg.from_addr,
        msg.date.isoformat() if msg.date else "",
        base_subject(msg.subject, list_tags),
        *_written(msg),
    )
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "replace")).hexdigest()


def collision_id(message_id: str, printed: str) -> str:
    """The key a different mail with an id already taken is kept under
    (``printed``: its ``fingerprint``).

    A mail's own id never ends in a parenthesised comment (``own_message_id``
    drops comments), so the key cannot be any mail's id; it is the same for
    every copy of that mail.
    """
    return f"{message_id} (collision {printed[:16]})"
