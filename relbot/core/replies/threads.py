"""Which messages relbot reads: loop guards and status-thread membership.

A message is read when it belongs to a status thread: its In-Reply-To or
References name a status mail or a message already in the thread (so replies
to replies count). Clients that drop References are caught by the subject
(``Re: <status subject>``, list tags and ``RE:``/``AW:`` prefixes stripped) at
a lower confidence. Before any of that, the loop guards keep relbot from
answering itself, auto-responders, bounces and bulk mail.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from relbot.core.replies.message import Message

#: confidence of a membership found only by subject; below the usual
#: threshold, so what such a reply says waits for the RM
SUBJECT_CONFIDENCE = 0.6

_PREFIX = re.compile(r"^\s*+((re|aw|sv|vs|antw|fwd?|r)\s*+(\[\d++\])?\s*+:\s*+)+", re.IGNORECASE)
_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_REPLY_WORD = re.compile(r"(^|[\s\]])(re|aw|sv|antw)\s*+(\[\d++\])?\s*+:", re.IGNORECASE)
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_VACATION_SUBJECT = re.compile(
    r"^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|"
    r"on vacation|away from)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Guards:
    """What identifies relbot's own mail."""

    own_domain: str = ""
    own_addresses: tuple[str, ...] = ()


def guard_reason(msg: Message, guards: Guards) -> str | None:
    """Why this message must not be acted on, or None when it may be."""
    h = msg.headers
    own_ids = guards.own_domain and msg.message_id.lower().endswith("@" + guards.own_domain.lower())
    if own_ids or msg.from_addr.lower() in {a.lower() for a in guards.own_addresses}:
        return "relbot's own mail"
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    if h.get("x-loop"):
        return "X-Loop header"
    if h.get("x-autoreply") or h.get("x-autorespond"):
        return "auto-responder headers"
    content_type = h.get("content-type", "").lower()
    if "multipart/report" in content_type or "delivery-status" in content_type:
        return "delivery report"
    if _BOUNCE_SENDERS.match(msg.from_addr) or h.get("return-path", "").strip() == "<>":
        return "bounce"
    if _VACATION_SUBJECT.match(msg.subject.strip()):
        return "vacation or out-of-office reply"
    return None


def base_subject(subject: str, list_tags: Iterable[str] = ()) -> str:
    """A subject without reply prefixes and list tags, whitespace folded."""
    text = " ".join(subject.split())
    tags = tuple(t.lower() for t in list_tags)
    for _ in range(10):
        before = text
        text = _PREFIX.sub("", text)
        lowered = text.lower()
        for tag in tags:
            if lowered.startswith(tag):
                text = text[len(tag) :].lstrip()
                lowered = text.lower()
        if _TAG.match(text) and not _is_patch_tag(text):
            text = _TAG.sub("", text, count=1)
        if text == before:
            break
    return text.strip().lower()


def _is_patch_tag(text: str) -> bool:
    return text.upper().startswith(("[PATCH", "[RFC", "[PULL"))


@dataclass(frozen=True, slots=True)
class Membership:
    member: bool
    confidence: float = 0.0
    via: str = ""


def thread_membership(
    msg: Message,
    thread_ids: Collection[str],
    status_subjects: Collection[str],
    list_tags: Iterable[str] = (),
) -> Membership:
    """Whether ``msg`` belongs to a status thread, and how sure that is.

    ``thread_ids`` holds the status mails' ids and the ids of messages already
    in their threads; ``status_subjects`` the status mails' base subjects.
    """
    for ref in msg.thread_ids:
        if ref in thread_ids:
            return Membership(True, 1.0, f"references <{ref}>")
    is_reply = bool(msg.in_reply_to) or bool(_REPLY_WORD.search(msg.subject[:80]))
    if is_reply and base_subject(msg.subject, list_tags) in status_subjects:
        return Membership(True, SUBJECT_CONFIDENCE, "subject")
    return Membership(False)
