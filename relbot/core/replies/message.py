"""Read one raw list message into a clean ``Message``: ids, sender, date, body text.

This is the edge between what mail clients send and the rest of the core:
mail-parser and the stdlib parse, and everything they leave uneven (missing
headers as ``''``, repeated headers as lists, folded References, dropped 8-bit
bytes, undecoded encoded words) is normalised here. Nothing a sender wrote
makes it raise; problems become ``defects``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.message
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any

import mailparser
from mailparser.dates import parse_mail_date
from mailparser.exceptions import MailParserRecursionError

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


# -- headers ------------------------------------------------------------------

_MSGID = re.compile(r"<([^<>]*)>")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t\r\n]+(?==\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_VIA = re.compile(r"^(.*?)\s+via\s+\S.*$", re.IGNORECASE)


def _to_bytes(raw: bytes | str) -> bytes:
    if isinstance(raw, bytes):
        return raw
    try:
        return raw.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        # lone surrogates outside the escape range cannot round-trip
        return raw.encode("utf-8", "replace")


_ESCAPED = re.compile("[\udc80-\udcff]")


def decode_bytes(data: bytes, charset: str = "utf-8") -> tuple[str, bool]:
    """Text of ``data`` in ``charset``; True when it did not decode and fell back.

    The fallback reads UTF-8 and takes each byte that is not UTF-8 as Latin-1,
    so a body that mixes the two (a pasted log, an old quote) stays readable.
    """
    try:
        text = data.decode(charset)
        # codecs such as utf-7 can produce lone surrogates, which are not text
        text.encode("utf-8")
        return text, False
    except (LookupError, UnicodeError, ValueError, TypeError):
        pass
    text = data.decode("utf-8", "surrogateescape")
    return _ESCAPED.sub(lambda m: chr(ord(m.group()) - 0xDC00), text), True


def _raw_text(value: str) -> str:
    """Undo the parser's surrogate escapes: undeclared 8-bit header bytes."""
    # nearly every header is ASCII, and an escape is never ASCII
    if value.isascii() or not _ESCAPED.search(value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"))[0]


def _decode_word(match: re.Match[str]) -> str:
    charset = match.group(1).split("*", 1)[0]
    payload = match.group(3)
    try:
        if match.group(2).lower() == "b":
            data = codecs.decode((payload + "=" * (-len(payload) % 4)).encode("ascii"), "base64")
        else:
            data = codecs.decode(payload.replace("_", " ").encode("ascii"), "quopri")
    except (ValueError, UnicodeError):
        return match.group(0)
    return decode_bytes(data, charset)[0]


def decode_header_value(value: str) -> str:
    """A header value as a person reads it: unfolded, 8-bit and RFC 2047 decoded.

    Encoded words inside quotes are decoded too: RFC 2047 forbids them there,
    yet common clients write display names that way.
    """
    text = _FOLD.sub("", _raw_text(value))
    if "=?" in text:
        text = _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("", text))
    return " ".join(text.split())


_ADDR_SPEC = r"[^\s\"(),:;<>@\[\\\]]+@[^\s\"(),:;<>@\[\\\]]+"
#: one ``Name <addr>``, ``"Name" <addr>`` or bare address, with nothing the
#: full parser treats specially (comments, escapes, groups, lists)
_SIMPLE_ADDRESS = re.compile(
    r"[ \t]*(?:"
    r"(?:\"(?P<quoted>[^\"\\\r\n]*)\"|(?P<name>[^\"(),:;<>@\[\\\]\r\n]*?))"
    rf"[ \t]*<(?P<addr>{_ADDR_SPEC})>"
    rf"|(?P<bare>{_ADDR_SPEC}))[ \t]*"
)


def _split_addresses(text: str) -> list[tuple[str, str]]:
    """(name, address) pairs as ``email.utils.getaddresses`` gives them."""
    simple = _SIMPLE_ADDRESS.fullmatch(text)
    if simple is None:
        return email.utils.getaddresses([text])
    if simple["bare"] is not None:
        return [("", simple["bare"])]
    if simple["quoted"] is not None:
        return [(simple["quoted"], simple["addr"])]
    # the parser joins the words of a bare name with single spaces
    words = simple["name"].replace("\t", " ").split(" ")
    return [(" ".join(w for w in words if w), simple["addr"])]


def parse_addresses(value: str) -> tuple[tuple[str, str], ...]:
    """(name, lower-cased address) pairs of an address header; junk is skipped."""
    text = _FOLD.sub("", _raw_text(value))
    try:
        pairs = _split_addresses(text)
    except (ValueError, TypeError, IndexError):
        return ()
    return tuple(
        (decode_header_value(name).strip('"').strip(), addr.strip().lower())
        for name, addr in pairs
        if "@" in addr
    )


def _ids(value: str) -> tuple[str, ...]:
    found = [m.strip() for m in _MSGID.findall(value)]
    if not found:
        # some mailers drop the brackets; then anything with an @ is an id
        found = [t.strip("<>,;") for t in value.split() if "@" in t]
    return tuple(dict.fromkeys("".join(i.split()) for i in found if i.strip()))


def _first_address(value: str) -> tuple[str, str]:
    pairs = parse_addresses(value) if value else ()
    return pairs[0] if pairs else ("", "")


def _list_addresses(headers: Mapping[str, str]) -> set[str]:
    found = {a for _, a in parse_addresses(headers.get("list-post", "").replace("mailto:", ""))}
    list_id = _MSGID.search(headers.get("list-id", ""))
    if list_id and "." in list_id.group(1):
        name, _, domain = list_id.group(1).partition(".")
        found.add(f"{name}@{domain}".lower())
    return found


def _sender(headers: Mapping[str, str]) -> tuple[str, str, str]:
    """(name, address, defect) with Mailman's "X via List" From rewriting undone."""
    name, addr = _first_address(headers.get("from", ""))
    lists = _list_addresses(headers)
    via = _VIA.match(name)
    real_name = via.group(1) if via else name
    original = _first_address(headers.get("x-original-from", ""))
    if original[1]:
        return original[0] or real_name, original[1], ""
    # without list headers to compare with, the "via" wording is the only sign
    if not (addr in lists or (via is not None and not lists)):
        return name, addr, ""
    reply_name, reply_addr = _first_address(headers.get("reply-to", ""))
    if reply_addr and reply_addr not in lists:
        return reply_name or real_name, reply_addr, ""
    if via is None:
        return name, addr, ""
    return real_name, addr, "From rewritten by the list and no original address given"


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
    message_ids = _ids(raw.get("message-id", ""))
    from_name, from_addr, problem = _sender(headers)
    if problem:
        defects.append(problem)
    date = None
    if only is None and headers.get("date"):
        date = parse_mail_date(headers["date"]).value
        if date is None:
            defects.append(f"unreadable Date header: {headers['date'][:80]!r}")
    return Message(
        message_id=message_ids[0] if message_ids else "",
        in_reply_to=_ids(raw.get("in-reply-to", "")),
        references=tuple(dict.fromkeys(i for v in references for i in _ids(v))),
        subject=headers.get("subject", ""),
        from_name=from_name,
        from_addr=from_addr,
        date=date,
        text=text,
        headers=MappingProxyType(headers),
        defects=tuple(dict.fromkeys(defects)),
    )


#: a line ending followed by another: the blank line after the header block
#: (``\r\n`` alone is one ending, so every blank line contains one of these)
_BLANK_LINE = re.compile(rb"\n[\r\n]|\r\r")


def _header_block(data: bytes) -> bytes:
    """``data`` up to the end of its header block: the parser never sees the body."""
    if data[:1] in (b"\n", b"\r"):
        return b""
    blank = _BLANK_LINE.search(data)
    return data if blank is None else data[: blank.start() + 1]


def read_header_fields(raw: bytes | str, *, screen: bool = False) -> Message:
    """The header fields only (``text`` is ''), fast enough for bulk archive scans.

    ``screen`` decodes only ``SCREEN_FIELDS`` and leaves ``date`` unset: what
    deciding thread membership and the loop guards needs, at a fraction of
    the cost.
    """
    data = _to_bytes(raw)
    defects: list[str] = []
    try:
        block = _header_block(data)
        if screen:
            items = scan_header_items(block, SCREEN_FIELDS)
            return _build(items, "", defects, only=SCREEN_FIELDS)
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        return _build(parser.parsebytes(block).raw_items(), "", defects)
    except Exception as exc:  # a sender's bytes must never stop a scan
        return Message(defects=(f"headers unreadable: {exc.__class__.__name__}",))


#: a header line as the stdlib's feed parser sees one (email.feedparser.headerRE)
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def scan_header_items(block: bytes, only: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """``(name, raw value)`` of a header block, as the stdlib's compat32 parser gives them.

    The same rules as ``email.feedparser`` and ``compat32.header_source_parse``
    (a test holds them to it), without building a Message: the bulk screen
    reads a few fields of every list message and the parser's objects are
    most of its cost. ``only`` (lower-case names) skips every other field.
    """
    text = block.decode("ascii", "surrogateescape")
    items: list[tuple[str, str]] = []
    current: list[str] = []
    skipping = False
    lines = _LINE.findall(text)
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if not _HEADER_LINE.match(line):
            break
        if line[0] in " \t":
            if current:
                current.append(line)
            continue
        if current:
            items.append(_source_parse(current))
            current = []
        if line.startswith("From "):
            if number == last:
                break  # the body's first line, not a header
            continue  # the mbox envelope line, or a misplaced one
        colon = line.find(":")
        if colon == 0:
            continue  # no field name
        skipping = only is not None and line[:colon].strip().lower() not in only
        if not skipping:
            current.append(line)
    if current:
        items.append(_source_parse(current))
    return items


def _source_parse(lines: list[str]) -> tuple[str, str]:
    # compat32.header_source_parse
    name, value = lines[0].split(":", 1)
    value = value.lstrip(" \t") + "".join(lines[1:])
    return name, value.rstrip("\r\n")


#: the fields the thread screen and the loop guards read (relbot.core.threads)
SCREEN_FIELDS = frozenset(
    {
        "message-id",
        "in-reply-to",
        "references",
        "subject",
        "from",
        "reply-to",
        "x-original-from",
        "list-post",
        "list-id",
        "auto-submitted",
        "precedence",
        "x-loop",
        "x-autoreply",
        "x-autorespond",
        "content-type",
        "return-path",
    }
)


# -- body ---------------------------------------------------------------------


def _parts(msg: email.message.Message) -> Iterator[email.message.Message]:
    """Leaf parts in order, without recursion (nesting depth is the sender's choice)."""
    stack = [msg]
    while stack:
        part = stack.pop()
        payload = part.get_payload()
        if isinstance(payload, list):
            children = [p for p in payload if isinstance(p, email.message.Message)]
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


def _body(msg: email.message.Message, defects: list[str]) -> str:
    html = None
    for part in _parts(msg):
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html") or _is_attachment(part):
            continue
        if kind == "text/plain":
            return _part_text(part, defects)
        if html is None:
            html = _part_text(part, defects)
    if html is not None:
        defects.append("no text/plain part: text converted from HTML")
        return html_to_text(html)
    if msg.get_content_maintype() == "multipart" and isinstance(msg.get_payload(), str):
        return _recover_boundary(msg, defects)
    if msg.get_content_maintype() == "multipart" or msg.get_payload():
        defects.append(f"no readable text part ({msg.get_content_type()})")
    return ""


_BOUNDARY_LINE = re.compile(r"^--([^\s-][^\s]*?)\r?$", re.MULTILINE)


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


def _mailparser_defects(parsed: mailparser.MailParser) -> list[str]:
    found: list[str] = []
    for entry in parsed.defects:
        for where, problems in entry.items():
            # charset trouble is reported by _part_text, which decodes differently
            found.extend(f"{where}: {p}" for p in problems if "CharsetDecodeDefect" not in p)
    return found


def read_message(raw: bytes | str) -> Message:
    """Read a whole message. Never raises, whatever the bytes."""
    data = _to_bytes(raw)
    try:
        parsed = mailparser.parse_from_bytes(data)
        msg: email.message.Message = parsed.message
        defects = _mailparser_defects(parsed)
    except (RecursionError, MailParserRecursionError):
        return _headers_only(data, "MIME nesting too deep: body not read")
    except Exception as exc:
        # mail-parser has its own bugs on broken mail; the stdlib parse it wraps is sturdier
        defects = [f"mail-parser failed ({exc.__class__.__name__}): read with the stdlib"]
        try:
            msg = email.message_from_bytes(data)
        except RecursionError:
            return _headers_only(data, "MIME nesting too deep: body not read")
    try:
        text = _body(msg, defects).replace("\r\n", "\n").replace("\r", "\n")
        return _build(msg.raw_items(), text, defects)
    except Exception as exc:  # keep the headers, report the body
        return _headers_only(data, f"body unreadable: {exc.__class__.__name__}")


def _headers_only(data: bytes, problem: str) -> Message:
    fallback = read_header_fields(data)
    values = {name: getattr(fallback, name) for name in Message.__slots__}
    values["defects"] = (*fallback.defects, problem)
    return Message(**values)


# -- HTML-only mail ------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "tr", "table", "pre", "hr", "dl", "dt", "dd", "section"}
    | {"address", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP_TAGS = frozenset({"head", "style", "script", "title"})


class _TextMaker(HTMLParser):
    """HTML to plain text, with blockquotes as ``> `` quotes and links kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.line_depth = 0
        self.depth = 0
        self.pre = 0
        self.skip = 0
        self.href = ""

    def newline(self, force: bool = False) -> None:
        text = "".join(self.line).rstrip()
        text = text if self.pre else text.lstrip()
        if text or force:
            self.lines.append(("> " * self.line_depth + text).rstrip())
        self.line = []
        self.line_depth = self.depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "br":
            self.newline(force=True)
        elif tag == "blockquote":
            self.newline()
            self.depth += 1
            self.line_depth = self.depth
        elif tag in _BLOCK_TAGS:
            self.newline()
            self.pre += tag == "pre"
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.newline()
            self.depth = max(0, self.depth - 1)
            self.line_depth = self.depth
        elif tag in _BLOCK_TAGS:
            self.newline()
            self.pre = max(0, self.pre - (tag == "pre"))
        elif tag == "a" and self.href.startswith(("http:", "https:")):
            if self.href not in "".join(self.line):
                self.line.append(f" <{self.href}>")
            self.href = ""

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for chunk in rest:
                self.newline(force=True)
                self.line.append(chunk)
            return
        words = " ".join(data.split())
        if words:
            lead = " " if data[:1].isspace() and self.line else ""
            tail = " " if data[-1:].isspace() else ""
            self.line.append(lead + words + tail)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; never raises."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except (AssertionError, ValueError):  # html.parser's complaints about broken markup
        pass
    maker.newline()
    return "\n".join(maker.lines).replace("\xa0", " ") + "\n"
