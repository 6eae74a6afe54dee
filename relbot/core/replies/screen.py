"""The first look at every message of a list: its thread keys, straight from the raw bytes.

Deciding whether a message belongs to a status thread needs its Message-ID, the
ids it follows (In-Reply-To, References) and, for clients that drop those, its
Subject. A list message carries some 40 header fields (nine Received lines, DKIM
and ARC signatures, list fields); reading all of them, or even splitting the
block into lines in Python, costs as much as the stdlib's own header parse. So
``thread_keys`` checks the whole block's shape with one regular expression and
picks the four fields with another: nothing is decoded. A block whose shape it
cannot vouch for (a lone CR, an mbox ``From `` line, a field with no name, no
blank line after the headers) gets None, and the caller reads it the careful way
(``message.read_header_fields``), which agrees with the stdlib on every oddity.

``may_be_member`` says whether the keys can make a thread member: an id the
thread knows, or a subject that can fold to a status mail's. Only those few
messages are decoded in full and meet the loop guards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from relbot.core.replies.headers import header_block, message_ids, own_message_id

#: in a lower-cased header block with a line end put before it: the start of one
#: of the four fields membership reads, or a line that neither starts a named
#: field nor continues one (group 1 is None), which needs a careful read
_LINE_START = re.compile(
    rb"\n(?:(message-id|in-reply-to|references|subject):|(?![ \t]|[\041-\071\073-\176]+:))"
)


@dataclass(frozen=True, slots=True)
class ThreadKeys:
    """What decides membership, as the raw header block gives it."""

    message_id: str
    #: In-Reply-To then References ids, in order, once each
    ids: tuple[str, ...]
    #: the Subject's raw value (not decoded, folds kept)
    subject: str


def thread_keys(raw: bytes) -> ThreadKeys | None:
    """The thread keys of a message, or None when its header block needs a careful read.

    The ids are those ``read_header_fields`` finds: the first Message-ID and
    In-Reply-To fields, every References field.
    """
    block = header_block(raw)
    if b"\r" in block:
        # CRLF throughout (as IMAP serves it) reads the same with LF; a lone CR does not
        block = block.replace(b"\r\n", b"\n")
        if b"\r" in block:
            return None
    if not block.endswith(b"\n"):
        return None
    lowered = b"\n" + block.lower()
    values: dict[bytes, list[bytes]] = {}
    # one pass over the line starts (the block's last line end is not one)
    for match in _LINE_START.finditer(lowered, 0, len(lowered) - 1):
        name = match.group(1)
        if name is None:
            return None
        if name == b"references" or name not in values:
            # a field's value runs from its colon; the block has one byte less
            values.setdefault(name, []).append(_value(block, match.end() - 1))
    own = own_message_id(_text(values.get(b"message-id", [b""])[0]))
    ids = message_ids(_text(values.get(b"in-reply-to", [b""])[0]))
    for value in values.get(b"references", ()):
        ids += message_ids(_text(value))
    subject = _text(values.get(b"subject", [b""])[0]).lstrip(" \t").rstrip("\r\n")
    return ThreadKeys(own, tuple(dict.fromkeys(ids)), subject)


def _value(block: bytes, start: int) -> bytes:
    """The raw value from ``start`` (after the colon) to the field's end, folds kept."""
    end = block.find(b"\n", start)
    while end + 1 < len(block) and block[end + 1] in (0x20, 0x09):
        end = block.find(b"\n", end + 1)
    return block[start : end + 1]


def _text(value: bytes) -> str:
    # as the stdlib's compat32 parser keeps undeclared 8-bit bytes
    return value.decode("ascii", "surrogateescape")


def subject_may_match(raw_subject: str, status_subjects: Collection[str]) -> bool:
    """False only when the subject cannot fold to any of ``status_subjects``.

    A base subject (``threads.base_subject``) is the folded, lower-cased
    subject with leading prefixes and tags taken off, so it is a part of the
    folded subject. That holds for the raw value when it is ASCII with no
    encoded word; anything else may decode to a match and is let through.
    """
    if "=?" in raw_subject or not raw_subject.isascii():
        return True
    folded = " ".join(raw_subject.split()).lower()
    return any(subject in folded for subject in status_subjects)


def may_be_member(
    keys: ThreadKeys,
    thread_ids: Collection[str],
    status_subjects: Collection[str],
    also: Callable[[str], object] | None = None,
) -> bool:
    """Whether the keys can make a thread member (the full screen then decides).

    ``also(id)``, when given, is one more test an id can pass (an answer to a
    week's preview, say).
    """
    for ref in keys.ids:
        if ref in thread_ids or (also is not None and also(ref)):
            return True
    return subject_may_match(keys.subject, status_subjects)
