"""The weekly mail as an RFC 5322 message: headers, threading, body, preview.

Pure: the date, the text and the ids of earlier status mails come in as
arguments. Messages carry ``MAIL_POLICY``, which folds only past 998
characters: with the stdlib's 78, a Message-ID longer than about 77
characters in In-Reply-To or References comes out RFC 2047-encoded (CPython
gh-100991) and every mail client loses the thread.
"""

from __future__ import annotations

import datetime as dt
import difflib
import email.policy
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Literal

from relbot.core.tracker.model import Status, Tracker
from relbot.errors import ConfigError

#: CRLF line ends; folding only where the RFC's hard limit forces it
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)

#: the body is encoded under this one: quoted-printable lines within RFC 2045's 76
_BODY_POLICY = email.policy.SMTP.clone(max_line_length=76)

#: References keeps the thread's first mail and this many of the latest
MAX_REFERENCES = 10

Threading = Literal["chain", "standalone"]

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_BAD_DOMAIN = re.compile(r"[\s<>@\[\]\\\"(),;:]")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The ``[mail]`` keys compose needs, as plain values."""

    from_addr: str
    to: tuple[str, ...]
    domain: str
    cc: tuple[str, ...] = ()
    reply_to: str = ""
    subject: str = "{release} Release Plan / TODO"
    threading: Threading = "chain"


def week_key(day: dt.date) -> str:
    """The ISO week a send slot falls in: ``2026-W48``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def check_domain(domain: str) -> str:
    """The Message-ID domain, or ConfigError: an id without one is never made."""
    domain = domain.strip()
    if not domain or _BAD_DOMAIN.search(domain):
        raise ConfigError(
            f'[mail] message_id_domain: expected a domain like "relbot.example.org", got {domain!r}'
        )
    return domain


def status_message_id(release: str, week: str, settings: MailSettings) -> str:
    """The week's Message-ID (bare, without ``<>``): the same on every render.

    A re-render after a crash keeps the id the outbox row and the list's copy
    already carry; the hash keeps two lists on one domain apart.
    """
    domain = check_domain(settings.domain)
    slug = _ID_UNSAFE.sub("-", release).strip("-") or "release"
    seed = "|".join((domain, ",".join(settings.to), release, week))
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:10]
    return f"relbot.{slug}.{week}.{digest}@{domain}"


def subject_line(template: str, values: Mapping[str, str]) -> str:
    """``[mail] subject`` with ``{release}``, ``{next_release}``, ``{date}``, ``{week}``."""
    try:
        text = template.format_map(dict(values))
    except KeyError as exc:
        known = ", ".join("{" + k + "}" for k in values)
        raise ConfigError(
            f"[mail] subject: unknown field {{{exc.args[0]}}} in {template!r} (known: {known})"
        ) from exc
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"[mail] subject: cannot fill in {template!r}: {exc}") from exc
    return " ".join(text.split())


def thread_ids(previous: Sequence[str], threading: Threading) -> tuple[str, tuple[str, ...]]:
    """(In-Reply-To, References) after the earlier status mails, oldest first."""
    ids = [i for i in dict.fromkeys(previous) if i]
    if threading == "standalone" or not ids:
        return "", ()
    refs = ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids[-1], tuple(refs)


def blocker_owner_addresses(
    tracker: Tracker, aliases: Mapping[str, Sequence[str]], word: str = "blocker"
) -> tuple[str, ...]:
    """``Name <addr>`` of each owner of an open item in a section named ``*blocker*``.

    Owners are names; ``[people.aliases]`` gives their addresses. An owner
    with no known address is left out (there is nobody to Cc).
    """
    sections = {s.key for s in tracker.sections if word in s.key.lower()}
    found: dict[str, str] = {}
    for it in tracker.items:
        if it.section not in sections or it.status.closed or it.status is Status.DEFERRED:
            continue
        for owner in it.owners:
            addresses = aliases.get(owner, ())
            if addresses and owner not in found:
                found[owner] = f"{owner} <{addresses[0]}>"
    return tuple(found.values())


def addr_specs(entries: Sequence[str]) -> tuple[str, ...]:
    """``"Name <a@b>"`` entries -> ``("a@b",)`` for the SMTP envelope, each once."""
    return tuple(dict.fromkeys(addr for _, addr in getaddresses(list(entries)) if "@" in addr))


def compose_status(
    text: str,
    *,
    settings: MailSettings,
    subject: str,
    date: dt.datetime,
    message_id: str,
    previous_ids: Sequence[str] = (),
    extra_cc: Sequence[str] = (),
    week: str = "",
) -> EmailMessage:
    """The week's status mail, threaded after ``previous_ids`` (oldest first)."""
    if not settings.to:
        raise ConfigError("[mail] to: no list address to send the status mail to")
    msg = _message(settings.from_addr, settings.to, subject, date, message_id)
    cc = [c for c in dict.fromkeys((*settings.cc, *extra_cc)) if c]
    if cc:
        msg["Cc"] = ", ".join(cc)
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    in_reply_to, references = thread_ids(previous_ids, settings.threading)
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = " ".join(f"<{r}>" for r in references)
    if week:
        msg["X-Relbot-Week"] = week
    _set_text(msg, text)
    return msg


def compose_preview(
    draft: EmailMessage,
    *,
    previous_text: str,
    settings: MailSettings,
    to: Sequence[str],
    date: dt.datetime,
    send_at: str,
    review: Literal["preview", "approve"],
    week: str,
) -> EmailMessage:
    """The draft, mailed privately to the release managers before it goes out."""
    if review == "approve":
        how = (
            f"It goes out {send_at} only after a release manager approves it:\n"
            f"run `relbot approve {week}` or reply with a line `#relbot approve`."
        )
    else:
        how = (
            f"It goes out {send_at} unless a release manager holds it:\n"
            f"run `relbot hold {week}` or reply with a line `#relbot hold`."
        )
    recipients = ", ".join(draft.get_all("To", []))
    body = draft_text(draft)
    diff = body_diff(previous_text, body)
    parts = [
        f"This is the draft of the status mail for {week} to {recipients}.",
        how,
        "",
        "Changes against last week's mail:" if diff else "No earlier mail to compare with.",
        *diff,
        "",
        "The draft:",
        "",
        f"Subject: {draft['Subject']}",
        "",
        body.rstrip("\n"),
    ]
    domain = check_domain(settings.domain)
    msg = _message(
        settings.from_addr,
        tuple(to),
        f"[relbot preview] {draft['Subject']}",
        date,
        f"relbot.preview.{week}.{_digest(str(draft['Message-ID']))}@{domain}",
    )
    msg["X-Relbot-Week"] = week
    _set_text(msg, "\n".join(parts) + "\n")
    return msg


def compose_notice(
    *, settings: MailSettings, to: Sequence[str], date: dt.datetime, subject: str, text: str
) -> EmailMessage:
    """A short private note to the release managers (a send that failed, say)."""
    domain = check_domain(settings.domain)
    stamp = _digest(f"{subject}|{date.isoformat()}")
    msg = _message(settings.from_addr, tuple(to), subject, date, f"relbot.notice.{stamp}@{domain}")
    _set_text(msg, text)
    return msg


def body_diff(old: str, new: str) -> tuple[str, ...]:
    """A unified diff of last week's body against this week's, without file headers."""
    if not old.strip():
        return ()
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), "last week", "this week", n=2, lineterm=""
    )
    return tuple(lines)


def draft_text(msg: EmailMessage) -> str:
    """The plain-text body of a message this module made (or parsed back)."""
    part = msg.get_body(("plain",))
    if part is None:
        return ""
    content = part.get_content()
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF, no RFC 2047 ids)."""
    return msg.as_bytes(policy=MAIL_POLICY)


def parse_message(raw: bytes) -> EmailMessage:
    """Bytes stored in the outbox back into a message that serialises unchanged."""
    msg = email.message_from_bytes(raw, _class=EmailMessage, policy=MAIL_POLICY)
    assert isinstance(msg, EmailMessage)
    return msg


def _message(
    from_addr: str, to: Sequence[str], subject: str, date: dt.datetime, message_id: str
) -> EmailMessage:
    if date.tzinfo is None:
        raise ValueError("the Date of a mail needs a time zone")
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = from_addr
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<{message_id}>"
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def _set_text(msg: EmailMessage, text: str) -> None:
    text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    # 7bit when it can be, quoted-printable otherwise (no 8BITMIME needed).
    # The body is encoded under _BODY_POLICY; only the headers get MAIL_POLICY.
    long_line = max(map(len, text.splitlines() or [""])) > 998
    cte = "7bit" if text.isascii() and not long_line else "quoted-printable"
    msg.policy = _BODY_POLICY
    try:
        msg.set_content(text, subtype="plain", charset="utf-8", cte=cte)
    finally:
        msg.policy = MAIL_POLICY


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
