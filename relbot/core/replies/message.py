"""Read one raw list message into a clean ``Message``: ids, sender, date, body text.

This is the edge between what mail clients send and the rest of the core:
the stdlib parses it once (the compat32 policy: the fastest, and nothing more
is read here), and everything it leaves uneven (repeated headers, folded
References, undeclared 8-bit bytes, undecoded encoded words) is normalised
here. Nothing a sender wrote makes it raise; problems become ``defects``.
"""

from __future__ import annotations

import datetime as dt
import email.message
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mailparser.dates import parse_mail_date

from relbot.core.replies.flowed import unflow
from relbot.core.replies.headers import (
    SCREEN_FIELDS,
    decode_bytes,
    decode_header_value,
    header_block,
    message_ids,
    own_message_id,
    scan_header_items,
    sender_of,
    to_bytes,
)
from relbot.core.replies.html import html_to_text

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Message:
    """One list message as the rest of relbot sees it."""

    message_id: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    from_name: str = ""
    from_addr: str = ""
    date: dt.datetime | None = None
    text: str = ""
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False, repr=False)
    defects: tuple[str, ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Every id this message says it follows, parent first."""
        return tuple(dict.fromkeys(self.in_reply_to + self.references))


def _build(
    items: Iterable[tuple[str, Any]],
    text: str,
    defects: list[str],
    *,
    only: frozenset[str] | None = None,
) -> Message:
    """The ``Message`` of a parsed mail; both readers share it, so they agree.

    ``only`` limits the header fields decoded (and skips the Date) for the
    bulk screen, which looks at a handful of fields of every list message.
    """
    headers: dict[str, str] = {}
    raw: dict[str, str] = {}
    references: list[str] = []
    for name, value in items:
        key = name.strip().lower()
        if only is not None and key not in only:
            continue
        value = value if isinstance(value, str) else str(value)
        if key == "references":
            references.append(value)
        if key not in raw:
            raw[key] = value
            headers[key] = decode_header_value(value)
    own_id = own_message_id(raw.get("message-id", ""))
    from_name, from_addr, problem = sender_of(headers)
    if problem:
        defects.append(problem)
    date = None
    if only is None and headers.get("date"):
        date = parse_mail_date(headers["date"]).value
        if date is None:
            defects.append(f"unreadable Date header: {headers['date'][:80]!r}")
    return Message(
        message_id=own_id,
        in_reply_to=message_ids(raw.get("in-reply-to", "")),
        references=tuple(dict.fromkeys(i for v in references for i in message_ids(v))),
        subject=headers.get("subject", ""),
        from_name=from_name,
        from_addr=from_addr,
        date=date,
        text=text,
        headers=MappingProxyType(headers),
        defects=tuple(dict.fromkeys(defects)),
    )


def read_header_fields(raw: bytes | str, *, screen: bool = False) -> Message:
    """The header fields only (``text`` is ''), fast enough for bulk archive scans.

    ``screen`` decodes only ``SCREEN_FIELDS`` and leaves ``date`` unset: what
    deciding thread membership and the loop guards needs, at a fraction of
    the cost.
    """
    data = to_bytes(raw)
    defects: list[str] = []
    try:
        block = header_block(data)
        if screen:
            items = scan_header_items(block, SCREEN_FIELDS)
            return _build(items, "", defects, only=SCREEN_FIELDS)
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        return _build(parser.parsebytes(block).raw_items(), "", defects)
    except Exception as exc:  # a sender's bytes must never stop a scan
        return Message(defects=(f"headers unreadable: {exc.__class__.__name__}",))


# -- body ---------------------------------------------------------------------


def _parts(msg: email.message.Message) -> Iterator[email.message.Message]:
    """Leaf parts in order, without recursion (nesting depth is the sender's choice)."""
    stack = [msg]
    while stack:
        part = stack.pop()
        # is_multipart() first: get_payload() of a leaf with 8-bit bytes decodes
        # it in its declared charset (UTF-7: 0.26 s for 2 MB) to be thrown away
        if part.is_multipart():
            children = [p for p in part.get_payload() if isinstance(p, email.message.Message)]
            if part.get_content_type() == "multipart/alternative":
                # plain before html, whatever order the sender used
                children.sort(key=lambda p: p.get_content_type() != "text/plain")
            stack.extend(reversed(children))
        else:
            yield part


def _is_attachment(part: email.message.Message) -> bool:
    disposition = (part.get("content-disposition") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment" or bool(part.get_param("name") or part.get_filename())


def _part_text(part: email.message.Message, defects: list[str]) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    text, fell_back = decode_bytes(data, charset)
    if fell_back and not data.isascii():
        defects.append(f"{part.get_content_type()} part: charset {charset!r} did not decode")
    return text


def _param(part: email.message.Message, name: str) -> str:
    """A Content-Type parameter, lower case ('' when absent or malformed)."""
    value = part.get_param(name)
    return value.lower() if isinstance(value, str) else ""


def _body(msg: email.message.Message, defects: list[str]) -> str:
    html = None
    for part in _parts(msg):
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html") or _is_attachment(part):
            continue
        if kind == "text/plain":
            text = _part_text(part, defects)
            if _param(part, "format") == "flowed":
                text = unflow(text, delsp=_param(part, "delsp") == "yes")
            return text
        if html is None:
            html = _part_text(part, defects)
    if html is not None:
        defects.append("no text/plain part: text converted from HTML")
        return html_to_text(html)
    if msg.get_content_maintype() == "multipart" and not msg.is_multipart():
        return _recover_boundary(msg, defects)
    if msg.get_content_maintype() == "multipart" or msg.get_payload():
        defects.append(f"no readable text part ({msg.get_content_type()})")
    return ""


#: a boundary is 1 to 70 characters (RFC 2046); the parser compiles a pattern
#: from it, which for a "boundary" of 300,000 characters took 2 s
_BOUNDARY_LINE = re.compile(r"^--([^\s-][^\s]{0,69})\r?$", re.MULTILINE)


def _recover_boundary(msg: email.message.Message, defects: list[str]) -> str:
    """A multipart whose declared boundary never occurs: try the one actually used."""
    body = msg.get_payload()
    found = _BOUNDARY_LINE.search(body) if isinstance(body, str) else None
    if found is None or not isinstance(body, str):
        defects.append("multipart boundary not found: body unreadable")
        return ""
    defects.append(f"multipart boundary not found: read with {found.group(1)!r} instead")
    head = f'Content-Type: multipart/mixed; boundary="{found.group(1)}"\n\n'
    fixed = email.message_from_bytes(head.encode() + body.encode("utf-8", "surrogateescape"))
    if not isinstance(fixed.get_payload(), list):
        return ""
    return _body(fixed, defects)


def _part_defects(msg: email.message.Message) -> list[str]:
    """What the parser found wrong, part by part (``content type: Defect: what``)."""
    found: list[str] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        where = part.get_content_type()
        for defect in part.defects:
            name = defect.__class__.__name__
            # charset trouble is reported by _part_text, which decodes differently
            if name != "CharsetDecodeDefect":
                found.append(f"{where}: {name}: {defect.__doc__}")
        if part.is_multipart():
            children = part.get_payload()
            stack.extend(reversed([p for p in children if isinstance(p, email.message.Message)]))
    return found


def read_message(raw: bytes | str) -> Message:
    """Read a whole message, once, with the stdlib's parser. Never raises, whatever the bytes."""
    data = to_bytes(raw)
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
        defects = _part_defects(msg)
    except RecursionError:
        return _headers_only(data, "MIME nesting too deep: body not read")
    try:
        text = _body(msg, defects).replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:
            # no word or address in a mail holds a NUL: it must not reach a link
            text = text.replace("\x00", " ")
            defects.append("NUL bytes in the text, read as spaces")
        return _build(msg.raw_items(), text, defects)
    except RecursionError:
        return _headers_only(data, "MIME nesting too deep: body not read")
    except Exception as exc:  # keep the headers, report the body
        return _headers_only(data, f"body unreadable: {exc.__class__.__name__}")


def _headers_only(data: bytes, problem: str) -> Message:
    fallback = read_header_fields(data)
    values = {name: getattr(fallback, name) for name in Message.__slots__}
    values["defects"] = (*fallback.defects, problem)
    return Message(**values)


#: how much of a file is looked at to tell a mail from something else
_SNIFF_BYTES = 8192
_FIRST_HEADER = re.compile(r"From |[\041-\071\073-\176]+:")


def mail_problem(raw: bytes) -> str:
    """Why ``raw`` is not a mail message (empty, binary, no header); '' when it is one."""
    if not raw.strip():
        return "empty, not a mail"
    head = header_block(raw[:_SNIFF_BYTES]) or raw[:_SNIFF_BYTES]
    if b"\x00" in head:
        return "binary data, not a mail"
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0].decode("ascii", "replace")
    if not _FIRST_HEADER.match(first):
        return "not a mail: it does not start with header lines (From:, Message-ID:, ...)"
    fields = read_header_fields(raw)
    if not (fields.from_addr or fields.message_id):
        return "not a mail: it has no From or Message-ID header"
    return ""
