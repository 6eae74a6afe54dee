"""Header fields of a raw message: encoded words decoded, bytes that are not UTF-8 kept
readable, Message-IDs and addresses parsed leniently, the sender behind a list's From
rewriting, and a fast scan of the raw header block for the few fields the thread screen
reads.
"""

from __future__ import annotations

import codecs
import email.message
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Mapping

from relbot.core.safetext import safe_text

# -- headers ------------------------------------------------------------------

_MSGID = re.compile(r"<([^<>]*)>")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t\r\n]+(?==\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n$")
_VIA = re.compile(r"^(.*?)(?<!\s)\s++via\s++\S.*$", re.IGNORECASE)


def to_bytes(raw: bytes | str) -> bytes:
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
_NAME_WORD = r"[^\"(),:;<>@\[\\\]\r\n \t]++"
_SIMPLE_ADDRESS = re.compile(
    r"[ \t]*+(?:"
    rf"(?:\"(?P<quoted>[^\"\\\r\n]*+)\"|(?P<name>(?>{_NAME_WORD}(?:[ \t]++{_NAME_WORD})*+)?))"
    rf"[ \t]*+<(?P<addr>{_ADDR_SPEC})>"
    rf"|(?P<bare>{_ADDR_SPEC}))[ \t]*+"
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
        (decode_header_value(name).strip('"').strip(), safe_text(addr.strip().lower()))
        for name, addr in pairs
        if "@" in addr
    )


def message_ids(value: str) -> tuple[str, ...]:
    """The ids an In-Reply-To or References field names, leniently, as storable text."""
    found = [m.strip() for m in _MSGID.findall(value)]
    if not found:
        # some mailers drop the brackets; then anything with an @ is an id
        found = [t.strip("<>,;") for t in value.split() if "@" in t]
    return tuple(dict.fromkeys(safe_text("".join(i.split())) for i in found if i.strip()))


_ONE_ID = re.compile(r"<([^<>]*)>")
_COMMENT = re.compile(r"\([^()]*\)")


def own_message_id(value: str) -> str:
    """A mail's own Message-ID field as the key it is stored under; '' when it has none.

    A well-formed ``<id>`` (with a comment after it, or folded) gives the id;
    a bare ``id@host`` the same. A broken field (``<a@b``, ``a@b>``,
    ``<<x@y>>``, two ids) is kept whole, so broken ids meet only when written
    alike and are never folded into another mail's id. Bytes that are not
    UTF-8, NULs and control characters become ``\\xNN`` (``safe_text``).
    """
    text = " ".join(_COMMENT.sub(" ", _FOLD.sub("", value)).split())
    one = _ONE_ID.fullmatch(text)
    ident = safe_text("".join(one.group(1).split()) if one is not None else text)
    return ident if ident.strip("<> ") else ""


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


def sender_of(headers: Mapping[str, str]) -> tuple[str, str, str]:
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


#: a line ending followed by another: the blank line after the header block
#: (``\r\n`` alone is one ending, so every blank line contains one of these)
_BLANK_LINE = re.compile(rb"\n[\r\n]|\r\r")


def header_block(data: bytes) -> bytes:
    """``data`` up to the end of its header block: the parser never sees the body."""
    if data[:1] in (b"\n", b"\r"):
        return b""
    # nearly every block ends at the first LF LF and holds no CR before it:
    # two plain searches, where the regex would walk every byte
    end = data.find(b"\n\n")
    if b"\r" not in (data if end < 0 else data[:end]):
        return data if end < 0 else data[: end + 1]
    blank = _BLANK_LINE.search(data)
    return data if blank is None else data[: blank.start() + 1]


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


#: the fields the thread screen and the loop guards read (relbot.core.replies.threads)
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
