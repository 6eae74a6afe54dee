"""Whole mutated mails for fuzzing the ingest path, reproducible from a seed.

``fuzz_case(seed)`` takes a real-looking reply to the 4.2 status mail (the
example replies, plain, multipart or signed) with a Message-ID of its own,
and applies one to four mutations: raw bytes in a header, a broken or
borrowed Message-ID, odd encoded words, a wrong or unknown charset, broken
base64 or quoted-printable, damaged or deep MIME boundaries, runs of
whitespace or quote markers, very long lines, NULs, surrogates (as UTF-8 or
UTF-7 bytes), other line endings, truncation, repeated headers, flipped
bytes. ``In-Reply-To`` is the first header and is never touched, so the mail
stays a thread member unless a mutation breaks the header block above the
rest. ``Mutation.SHARE_ID`` reuses an earlier case's Message-ID with other
content (a collision to be kept); ``Mutation.AGAIN`` repeats an earlier case
byte for byte (a true duplicate). The same seed gives the same bytes.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from tests.malformed import ANSWERS, QUOTES, STATUS_ID, SUBJECT

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "docs" / "examples" / "replies").glob("*.eml"))


class Mutation(StrEnum):
    HEADER_BYTE = "header-byte"
    MESSAGE_ID = "message-id"
    SHARE_ID = "share-id"
    AGAIN = "again"
    ENCODED_WORD = "encoded-word"
    CHARSET = "charset"
    TRANSFER = "transfer-encoding"
    BOUNDARY = "boundary"
    WHITESPACE = "whitespace-run"
    MARKERS = "quote-markers"
    LONG_LINE = "long-line"
    SHORT_LINES = "short-lines"
    NUL = "nul"
    SURROGATE = "surrogate"
    NEWLINES = "newlines"
    TRUNCATE = "truncate"
    REPEAT_HEADER = "repeat-header"
    FLIP = "flip-bytes"


@dataclass(frozen=True)
class FuzzCase:
    seed: int
    raw: bytes
    mutations: tuple[str, ...]
    #: "duplicate": the same bytes as an earlier case; "kept" otherwise
    expect: str = "kept"

    @property
    def name(self) -> str:
        return f"fuzz-{self.seed}:{'+'.join(self.mutations)}"


def _seed_mail(rng: random.Random, msgid: str) -> bytes:
    """A clean reply: an example reply or a generated one, In-Reply-To first."""
    pick = rng.randrange(4)
    if pick == 0 and EXAMPLES:
        raw = rng.choice(EXAMPLES).read_bytes()
        head, _, body = raw.partition(b"\n\n")
        lines = [
            line
            for line in head.split(b"\n")
            if not line.lower().startswith((b"in-reply-to:", b"message-id:"))
        ]
    else:
        quote = rng.choice(QUOTES)
        answer = rng.choice(ANSWERS)
        text = f"On Mon, 16 Apr 2012, Ian Campbell wrote:\n{quote}\n{answer}\n-- \nA. Person\n"
        lines = [
            b"From: A. Person <a.person@example.org>",
            b"To: xen-devel <xen-devel@lists.xen.org>",
            b"Subject: " + SUBJECT.encode(),
            b"Date: Tue, 17 Apr 2012 10:00:00 +0100",
            b"References: <" + STATUS_ID.encode() + b">",
            b"MIME-Version: 1.0",
        ]
        if pick == 1:
            lines.append(b"Content-Type: text/plain; charset=UTF-8")
            body = text.encode()
        elif pick == 2:
            lines.append(b'Content-Type: multipart/alternative; boundary="=_b1"')
            html = (
                "<html><body><blockquote>"
                + quote
                + "</blockquote><p>"
                + answer
                + "</p></body></html>"
            )
            body = (
                "--=_b1\nContent-Type: text/plain; charset=UTF-8\n\n"
                + text
                + "\n--=_b1\nContent-Type: text/html; charset=UTF-8\n\n"
                + html
                + "\n--=_b1--\n"
            ).encode()
        else:
            lines.append(
                b'Content-Type: multipart/signed; boundary="s1"; '
                b'protocol="application/pgp-signature"'
            )
            body = (
                "--s1\nContent-Type: text/plain; charset=UTF-8\n\n"
                + text
                + "\n--s1\nContent-Type: application/pgp-signature\n\n"
                "-----BEGIN PGP SIGNATURE-----\n"
                "iQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n--s1--\n"
            ).encode()
    first = b"In-Reply-To: <" + STATUS_ID.encode() + b">"
    return b"\n".join([first, *lines, b"Message-ID: <" + msgid.encode() + b">"]) + b"\n\n" + body


def _split(raw: bytes) -> tuple[list[bytes], bytes]:
    head, sep, body = raw.partition(b"\n\n")
    return head.split(b"\n"), body if sep else b""


def _join(lines: list[bytes], body: bytes) -> bytes:
    return b"\n".join(lines) + b"\n\n" + body


def _header_index(lines: list[bytes], rng: random.Random, name: bytes | None = None) -> int:
    """A header line other than the first (In-Reply-To stays whole)."""
    if name is not None:
        found = [i for i, line in enumerate(lines) if i and line.lower().startswith(name)]
        if found:
            return rng.choice(found)
    return rng.randrange(1, len(lines)) if len(lines) > 1 else 0


_ODD_BYTES = (b"\x00", b"\x80", b"\xe9", b"\xff", b"\xc3", b"\x1b", b"\x7f", b"\r", b"\xed\xa0\x80")


def _header_byte(raw: bytes, rng: random.Random) -> bytes:
    lines, body = _split(raw)
    i = _header_index(lines, rng)
    if i == 0:
        return raw
    line = lines[i]
    colon = line.find(b":") + 1 or 1
    pos = rng.randrange(min(colon, len(line)), len(line) + 1)
    lines[i] = line[:pos] + b"".join(rng.choices(_ODD_BYTES, k=rng.randint(1, 4))) + line[pos:]
    return _join(lines, body)


_ID_SHAPES = (
    b"<%s",
    b"%s>",
    b"<<%s>>",
    b"<%s> <other@x>",
    b"%s",
    b"< %s >",
    b"<%s> (comment)",
    b"<%s\xe9>",
    b"<\x00%s>",
    b"<%s>\t<%s>",
    b"",
    b"<>",
)


def _message_id(raw: bytes, rng: random.Random) -> bytes:
    lines, body = _split(raw)
    i = _header_index(lines, rng, b"message-id:")
    current = re.search(rb"<([^<>]*)>", lines[i])
    ident = current.group(1) if current else b"x@y"
    shape = rng.choice(_ID_SHAPES)
    lines[i] = b"Message-ID: " + shape.replace(b"%s", ident)
    return _join(lines, body)


_CHARSETS = (
    "utf-8",
    "iso-8859-1",
    "utf-7",
    "utf-16",
    "x-unknown",
    "",
    "us-ascii",
    "koi8-r",
    "gb2312",
)


def _encoded_word(raw: bytes, rng: random.Random) -> bytes:
    lines, body = _split(raw)
    i = _header_index(lines, rng, rng.choice((b"subject:", b"from:")))
    if i == 0:
        return raw
    payload = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    charset = rng.choice(_CHARSETS) or "utf-8"
    if rng.random() < 0.5:
        word = f"=?{charset}?B?{base64.b64encode(payload).decode()}?="
    else:
        word = f"=?{charset}?Q?" + "".join(f"={b:02X}" for b in payload) + "?="
    if rng.random() < 0.2:
        word = word[: rng.randrange(len(word))]
    name, _, value = lines[i].partition(b":")
    lines[i] = name + b": " + word.encode() + b" " + value.strip()
    return _join(lines, body)


def _charset(raw: bytes, rng: random.Random) -> bytes:
    charset = rng.choice(_CHARSETS).encode()
    out, n = re.subn(rb"charset=\"?[\w-]*\"?", b"charset=" + charset, raw, count=1)
    return (
        out
        if n
        else raw.replace(
            b"MIME-Version: 1.0",
            b"MIME-Version: 1.0\nContent-Type: text/plain; charset=" + charset,
            1,
        )
    )


def _transfer(raw: bytes, rng: random.Random) -> bytes:
    lines, body = _split(raw)
    if rng.random() < 0.5:
        encoded = base64.encodebytes(body)
        if rng.random() < 0.5:
            cut = rng.randrange(len(encoded) + 1)
            encoded = encoded[:cut] + b"!*" + encoded[cut:]
        return _join([*lines, b"Content-Transfer-Encoding: base64"], encoded)
    qp = body.replace(b"=", b"=3D").replace(b" ", b"=\n ", rng.randint(0, 20))
    if rng.random() < 0.5:
        qp += b"=Z" + b"=\n" * rng.randint(1, 2000)
    return _join([*lines, b"Content-Transfer-Encoding: quoted-printable"], qp)


def _boundary(raw: bytes, rng: random.Random) -> bytes:
    lines, body = _split(raw)
    lines = [line for line in lines if not line.lower().startswith(b"content-type:")]
    depth = rng.choice((1, 1, 2, 5, 50, 300))
    inner = b"Content-Type: text/plain; charset=utf-8\n\n" + body
    for level in range(depth):
        b = rng.choice((f"b{level}", "", "  ", "-" * 70, f"x{level}" * 10)).encode()
        close = rng.random() > 0.2
        used = b if rng.random() > 0.1 else b + b"zz"
        part = b"--" + used + b"\n" + inner + b"\n" + (b"--" + used + b"--\n" if close else b"")
        inner = b'Content-Type: multipart/mixed; boundary="' + b + b'"\n\n' + part
    head, _, rest = inner.partition(b"\n\n")
    return _join([*lines, head], rest)


_WS = (" ", "\t", "\u00a0", " \t", "\u00a0 ", "\r")


def _run_length(rng: random.Random) -> int:
    # mostly short; one run in fifteen is 100,000 characters
    return rng.choices((10, 100, 1_000, 5_000, 20_000, 100_000), weights=(4, 4, 3, 2, 1, 1))[0]


def _insert_body_line(raw: bytes, rng: random.Random, text: bytes) -> bytes:
    lines, body = _split(raw)
    body_lines = body.split(b"\n")
    at = rng.randrange(len(body_lines) + 1)
    where = rng.random()
    if where < 0.4 and at < len(body_lines):
        body_lines[at] = text + body_lines[at]  # a run in front of real text
    elif where < 0.7 and at < len(body_lines):
        body_lines[at] = body_lines[at] + text
    else:
        body_lines.insert(at, text)
    return _join(lines, b"\n".join(body_lines))


def _whitespace(raw: bytes, rng: random.Random) -> bytes:
    run = rng.choice(_WS) * _run_length(rng)
    return _insert_body_line(raw, rng, run.encode())


def _markers(raw: bytes, rng: random.Random) -> bytes:
    unit = rng.choice((">", "> ", ">\u00a0", " >", "|", "-", ".", "_", "[", "<", "@", "=", "*"))
    return _insert_body_line(raw, rng, (unit * _run_length(rng)).encode())


def _long_line(raw: bytes, rng: random.Random) -> bytes:
    alphabet = rng.choice(("ab ", "x", "I'll take it. ", "http://x/", "é", "#relbot claim "))
    length = rng.choice((10_000, 30_000, 100_000, 100_000, 1_000_000))
    return _insert_body_line(raw, rng, (alphabet * (length // len(alphabet) + 1))[:length].encode())


def _short_lines(raw: bytes, rng: random.Random) -> bytes:
    # every stage of reading a body goes line by line: many lines, few bytes
    unit = rng.choice(("-", ">", "> a", "a", "* a", "> =", "a:", ">\n", "--", ">>>"))
    count = rng.choice((1_000, 10_000, 100_000, 500_000))
    return _insert_body_line(raw, rng, "\n".join([unit] * count).encode())


def _nul(raw: bytes, rng: random.Random) -> bytes:
    out = bytearray(raw)
    first = raw.find(b"\n") + 1
    for _ in range(rng.randint(1, 50)):
        out.insert(rng.randrange(first, len(out) + 1), 0)
    return bytes(out)


_SURROGATES = (b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xb3\xa9", b"+2AA-", b"=?utf-7?q?+2AA-?=")


def _surrogate(raw: bytes, rng: random.Random) -> bytes:
    out = raw
    first = raw.find(b"\n") + 1
    for _ in range(rng.randint(1, 5)):
        pos = rng.randrange(first, len(out) + 1)
        out = out[:pos] + rng.choice(_SURROGATES) + out[pos:]
    return out


def _newlines(raw: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return raw.replace(b"\n", b"\r\n")
    if choice == 1:
        return raw.replace(b"\n", b"\r")
    head, sep, body = raw.partition(b"\n\n")
    return head.replace(b"\n", b"\r\n") + sep + body


def _truncate(raw: bytes, rng: random.Random) -> bytes:
    first = raw.find(b"\n") + 1
    return raw[: rng.randrange(first, len(raw) + 1)]


def _repeat_header(raw: bytes, rng: random.Random) -> bytes:
    lines, body = _split(raw)
    i = _header_index(lines, rng)
    if i == 0:
        return raw
    copies = rng.choice((1, 2, 100, 3000))
    return _join([*lines[: i + 1], *[lines[i]] * copies, *lines[i + 1 :]], body)


def _flip(raw: bytes, rng: random.Random) -> bytes:
    out = bytearray(raw)
    first = raw.find(b"\n") + 1
    if first >= len(out):
        return raw
    for _ in range(rng.randint(1, 20)):
        pos = rng.randrange(first, len(out))
        out[pos] = rng.randrange(256)
    return bytes(out)


_APPLY: dict[Mutation, Callable[[bytes, random.Random], bytes]] = {
    Mutation.HEADER_BYTE: _header_byte,
    Mutation.MESSAGE_ID: _message_id,
    Mutation.ENCODED_WORD: _encoded_word,
    Mutation.CHARSET: _charset,
    Mutation.TRANSFER: _transfer,
    Mutation.BOUNDARY: _boundary,
    Mutation.WHITESPACE: _whitespace,
    Mutation.MARKERS: _markers,
    Mutation.LONG_LINE: _long_line,
    Mutation.SHORT_LINES: _short_lines,
    Mutation.NUL: _nul,
    Mutation.SURROGATE: _surrogate,
    Mutation.NEWLINES: _newlines,
    Mutation.TRUNCATE: _truncate,
    Mutation.REPEAT_HEADER: _repeat_header,
    Mutation.FLIP: _flip,
}
#: big inputs are rarer, so a run of many cases stays quick
_WEIGHTS: dict[Mutation, float] = {m: 1.0 for m in _APPLY} | {
    Mutation.LONG_LINE: 0.02,
    Mutation.SHORT_LINES: 0.02,
    Mutation.WHITESPACE: 0.4,
    Mutation.MARKERS: 0.3,
    Mutation.BOUNDARY: 0.5,
    Mutation.REPEAT_HEADER: 0.5,
}


def fuzz_case(seed: int, *, earlier: list[FuzzCase] | None = None) -> FuzzCase:
    """Case ``seed``: a seed mail and one to four mutations (or a repeat of an earlier case)."""
    rng = random.Random(seed)
    if earlier and rng.random() < 0.01:
        again = rng.choice(earlier)
        if rng.random() < 0.5:
            return FuzzCase(seed, again.raw, (Mutation.AGAIN.value,), expect="duplicate")
        # the same Message-ID, other words: a collision
        raw = _seed_mail(rng, f"fuzz-{again.seed}@fuzz.example.org")
        raw = raw.replace(b"\n\n", b"\n\nAnother mail with a borrowed id.\n", 1)
        return FuzzCase(seed, raw, (Mutation.SHARE_ID.value,))
    raw = _seed_mail(rng, f"fuzz-{seed}@fuzz.example.org")
    kinds = list(_WEIGHTS)
    picked = rng.choices(kinds, weights=[_WEIGHTS[k] for k in kinds], k=rng.randint(1, 4))
    for mutation in picked:
        raw = _APPLY[mutation](raw, rng)
    return FuzzCase(seed, raw, tuple(m.value for m in picked))


def fuzz_cases(start: int, count: int, *, keep: int = 64) -> Iterator[FuzzCase]:
    """Cases ``start`` .. ``start + count - 1``; a few recent ones are kept to repeat."""
    recent: list[FuzzCase] = []
    for seed in range(start, start + count):
        case = fuzz_case(seed, earlier=recent)
        yield case
        if case.expect == "kept" and len(case.raw) < 100_000:
            recent.append(case)
            del recent[:-keep]
