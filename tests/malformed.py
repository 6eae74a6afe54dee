"""A corpus of malformed replies to the 4.2 status mail, in the style of real list mail.

``malformed_corpus()`` builds 200+ mails, each a reply to the status mail
(``docs/examples/status-4.2.eml``) broken in one way that list mail is
broken: raw 8-bit header bytes (in Message-ID too), NULs, invalid encoded
words, unknown and lying charsets, broken base64 and quoted-printable,
missing, unclosed and misplaced MIME boundaries, deep nesting, thousands of
parts, runs of whitespace and quote markers long enough to make a
backtracking pattern crawl, lines of a megabyte, ids with broken brackets,
and Message-IDs shared by different mails. Every mail keeps a clean
``In-Reply-To`` as its first header so it stays a thread member whatever
else is wrong; after each poison mail comes a plain one, which must still
be read.

``Case.expect`` says what must become of a mail: ``"kept"`` (stored, in any
state, quarantine included) or ``"duplicate"`` (the same mail again: it may
be skipped). The corpus is deterministic.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

STATUS_ID = "1334575910.28331.41.camel@zakaz.uk.xensource.com"
SUBJECT = "Re: [Xen-devel] 4.2 Release Plan / TODO"

#: quoted items of the status mail, as replies quote them
QUOTES = (
    ">                       * libxl_domain_suspend. Nobody has looked at these\n"
    ">                         at all. A volunteer would be appreciated.\n",
    ">               * Safe fork vs. fd handling hooks. Involves API changes\n"
    ">                 (Ian J, patches posted)\n",
    ">               * Upstream qemu PCI passthrough support (Anthony Perard,\n"
    ">                 patches sent)\n",
)
ANSWERS = (
    "I'll pick this one up, it fits with the hotplug work I'm doing anyway.\n",
    "These went in this morning, you can mark it done.\n",
    "v4 is out: http://lists.xen.org/archives/html/xen-devel/2012-04/msg01234.html\n",
    "Can we defer this to 4.3? It won't be ready in time.\n",
)


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    #: "kept": stored in some state (quarantine counts); "duplicate": may be skipped
    expect: str = "kept"
    #: a mail that has broken relbot before: the next case must still be read
    poison: bool = False


def reply(
    msgid: bytes | str,
    body: bytes | str = "",
    *,
    headers: bytes | str = "",
    subject: bytes | str = SUBJECT,
    sender: bytes | str = "Roger Pau Monne <roger.pau@citrix.com>",
    content_type: bytes | str = "text/plain; charset=UTF-8",
    msgid_line: bytes | str | None = None,
    nl: bytes = b"\n",
) -> bytes:
    """A reply to the status mail; every part may be given as raw bytes."""

    def b(value: bytes | str) -> bytes:
        return value if isinstance(value, bytes) else value.encode("utf-8")

    if msgid_line is None:
        msgid_line = b"Message-ID: <" + b(msgid) + b">"
    lines = [
        b"In-Reply-To: <" + STATUS_ID.encode() + b">",
        b"From: " + b(sender),
        b"To: xen-devel <xen-devel@lists.xen.org>",
        b"Subject: " + b(subject),
        b"Date: Tue, 17 Apr 2012 10:00:00 +0100",
    ]
    if msgid_line:
        lines.append(b(msgid_line))
    lines.append(b"References: <" + STATUS_ID.encode() + b">")
    lines.append(b"MIME-Version: 1.0")
    if content_type:
        lines.append(b"Content-Type: " + b(content_type))
    extra = b(headers)
    head = nl.join(lines) + nl
    if extra:
        head += extra.rstrip(b"\r\n").replace(b"\n", nl) + nl
    if not body:
        body = QUOTES[0] + "\n" + ANSWERS[0] + "\nRoger.\n"
    return head + nl + (b(body).replace(b"\n", nl) if nl != b"\n" else b(body))


def _body(i: int) -> str:
    return f"{QUOTES[i % len(QUOTES)]}\n{ANSWERS[i % len(ANSWERS)]}\n-- \nSomeone {i}\n"


def _mid(name: str) -> str:
    return f"{name}.malformed@example.org"


def _plain_after(name: str) -> Case:
    return Case(f"{name}+after", reply(_mid(name + ".after"), _body(1)))


# -- the classes of damage -------------------------------------------------------


def _header_bytes() -> list[Case]:
    cases: list[Case] = []
    eight_bit = {
        "msgid-latin1": b"<4F8C1A23.70\xe9@citrix.com>",
        "msgid-utf8": b"<caf\xc3\xa9.1@example.org>",
        "msgid-ff": b"<\xff\xfe@example.org>",
        "msgid-nul": b"<a\x00b@example.org>",
        "msgid-cesu-surrogate": b"<\xed\xa0\x80x@example.org>",
        "msgid-ctl": b"<\x01\x02\x1b[31m@example.org>",
        "msgid-del": b"<\x7f@example.org>",
        "msgid-encoded-word": b"<=?utf-8?b?7aCA?=@example.org>",
        "msgid-utf7": b"<+2AA-@example.org>",
    }
    for name, value in eight_bit.items():
        cases.append(
            Case(name, reply("", _body(0), msgid_line=b"Message-ID: " + value), poison=True)
        )
        cases.append(_plain_after(name))
    for field in (b"Subject", b"From", b"References", b"In-Reply-To", b"X-Mailer", b"Cc"):
        for k, junk in enumerate((b"caf\xe9 au lait", b"\x00\x00", b"\xed\xa0\x80\xed\xb0\x80")):
            name = f"{field.decode().lower()}-8bit-{k}"
            if field in (b"Subject", b"From"):
                kw: dict[str, bytes] = {
                    "subject" if field == b"Subject" else "sender": (
                        SUBJECT.encode() + b" " + junk
                        if field == b"Subject"
                        else b"Ren\xe9 " + junk + b" <rene@example.org>"
                    )
                }
                raw = reply(_mid(name), _body(k), **kw)  # type: ignore[arg-type]
            else:
                raw = reply(_mid(name), _body(k), headers=field + b": " + junk + b" <x@y>")
            cases.append(Case(name, raw, poison=True))
    words = {
        "ew-bad-utf8": "=?UTF-8?B?/w==?=",
        "ew-bad-b64": "=?UTF-8?B?!!!?=",
        "ew-unknown": "=?x-unknown?Q?caf=E9?=",
        "ew-utf7": "=?utf-7?B?KzJBQS0=?=",
        "ew-utf16-lone": "=?utf-16-le?B?ANg=?=",
        "ew-long": "=?UTF-8?Q?" + "=C3=A9" * 20000 + "?=",
        "ew-many": " ".join(["=?UTF-8?B?w6k=?="] * 20000),
        "ew-nested": "=?UTF-8?Q?=3D=3Futf-8=3Fq=3Fx=3F=3D?=",
    }
    for name, word in words.items():
        cases.append(Case(name, reply(_mid(name), _body(2), sender=f"{word} <ew@example.org>")))
        cases.append(
            Case(name + "-subject", reply(_mid(name + "-s"), _body(3), subject=f"Re: {word}"))
        )
    shapes = {
        "tab-after-colon": "X-Foo:\tbar\n",
        "bad-cc": "Cc: :, a@b\n",
        "no-colon": "This is not a header\n",
        "empty-name": ": value\n",
        "huge-header": "X-Big: " + "a" * 1_000_000 + "\n",
        "many-headers": "".join(f"X-H{i}: {i}\n" for i in range(5000)),
        "folded-empty-first": "X-Refs:\n <a@b>\n <c@d>\n",
        "fold-forever": "X-Fold: a\n" + " b\n" * 50000,
        "header-whitespace": "X-Space: " + " " * 200_000 + "x\n",
        "header-tabs": "X-Tabs:" + "\t" * 200_000 + "\n",
        "cr-only": "X-Cr: a\rb\rc\n",
        "dup-content-type": "Content-Type: text/html\n",
        "received-loop": "".join(f"Received: from h{i} by h{i + 1}\n" for i in range(3000)),
    }
    for name, header in shapes.items():
        cases.append(Case(name, reply(_mid(name), _body(4), headers=header)))
    cases.append(Case("crlf", reply(_mid("crlf"), _body(5), nl=b"\r\n")))
    cases.append(Case("cr-lines", reply(_mid("cr-lines"), _body(6), nl=b"\r")))
    cases.append(Case("mixed-newlines", reply(_mid("mixed"), _body(7)).replace(b"\n", b"\r\n", 3)))
    cases.append(Case("no-body", reply(_mid("no-body"), " ")[:-2]))
    cases.append(Case("headers-only-no-blank", reply(_mid("nb"), " ").rstrip(b"\n ")))
    cases.append(
        Case("message-id-casing", reply("", _body(8), msgid_line="Message-Id: <casing@x>"))
    )
    cases.append(
        Case("message-id-twice", reply("twice1@x", _body(9), headers="Message-ID: <twice2@x>\n"))
    )
    cases.append(Case("message-id-missing", reply("", _body(10), msgid_line="")))
    cases.append(Case("message-id-empty", reply("", _body(11), msgid_line="Message-ID: ")))
    cases.append(
        Case("message-id-spaces", reply("", _body(12), msgid_line="Message-ID: <a b c@x y>"))
    )
    cases.append(Case("message-id-long", reply("a" * 100_000 + "@x", _body(13))))
    cases.append(
        Case("message-id-comment", reply("", _body(14), msgid_line="Message-ID: <cm@x> (junk)"))
    )
    return cases


def _ids() -> list[Case]:
    """Broken ids that must not be folded together, and real id collisions."""
    cases: list[Case] = []
    broken = {
        "open-only": "Message-ID: <a@b",
        "close-only": "Message-ID: a@b>",
        "bare": "Message-ID: bare@b",
        "double": "Message-ID: <<x@y>>",
        "two-ids": "Message-ID: <x@y> <z@w>",
        "nested": "Message-ID: <x<y@z>>",
        "angle-space": "Message-ID: < sp@x >",
        "empty-angles": "Message-ID: <>",
        "only-at": "Message-ID: <@>",
    }
    for k, (name, line) in enumerate(broken.items()):
        cases.append(
            Case(f"id-{name}", reply("", _body(k) + f"(id shape {name})\n", msgid_line=line))
        )
    # the same id, different mails: each must be kept
    for k in range(4):
        text = f"{QUOTES[k % 3]}\nCollision number {k}: {ANSWERS[k % 4]}"
        cases.append(Case(f"collide-{k}", reply("same.id@example.org", text)))
    # a big mail whose id a second big mail takes: telling them apart read
    # both whole, three times over (6.8 s for 1.5 MB)
    big = reply("big.id@example.org", "a\n" * 750_000 + ANSWERS[0])
    other = reply("big.id@example.org", "b\n" * 750_000 + ANSWERS[1])
    cases.append(Case("collide-big-first", big))
    cases.append(Case("collide-big-second", other))
    cases.append(Case("collide-big-second-again", other, expect="duplicate"))
    # the same mail twice (a list copy and a direct copy): a true duplicate
    first = reply("dup.id@example.org", _body(2))
    cases.append(Case("dup-first", first))
    cases.append(Case("dup-again", first, expect="duplicate"))
    relayed = first.replace(b"MIME-Version", b"Received: from relay\nMIME-Version", 1)
    cases.append(Case("dup-relayed", relayed, expect="duplicate"))
    return cases


def _encodings() -> list[Case]:
    cases: list[Case] = []
    text = _body(3)
    b64 = base64.encodebytes(text.encode()).replace(b"\n", b"\r\n").decode()
    bodies = {
        "b64-crlf": ("text/plain; charset=utf-8", "base64", b64),
        "b64-broken": ("text/plain; charset=utf-8", "base64", "!!!!" + b64[4:] + "===="),
        "b64-truncated": ("text/plain; charset=utf-8", "base64", b64[: len(b64) // 2 + 1]),
        "qp-soft": ("text/plain; charset=utf-8", "quoted-printable", text.replace(" ", "=\n ", 5)),
        "qp-invalid": ("text/plain; charset=utf-8", "quoted-printable", text + "=ZZ=\n=4"),
        "qp-long-soft": ("text/plain; charset=utf-8", "quoted-printable", "=\n" * 100_000 + text),
        "charset-unknown": ("text/plain; charset=X-UNKNOWN", "8bit", text),
        "charset-lies": ("text/plain; charset=us-ascii", "8bit", text + "caf\xe9\n"),
        "charset-utf16": ("text/plain; charset=utf-16", "8bit", text),
        "charset-utf7": ("text/plain; charset=utf-7", "7bit", "+2AA- " + text),
        # 8-bit bytes under a slow charset: each look at the payload decoded it
        "charset-utf7-8bit-2mb": (
            "text/plain; charset=utf-7",
            "8bit",
            text + "é" * 1_000_000 + "\n",
        ),
        "charset-empty": ("text/plain; charset=", "8bit", text),
        "charset-junk": ('text/plain; charset="\x00\xff"', "8bit", text),
        "cte-unknown": ("text/plain", "x-uuencode", text),
        "cte-binary-nul": ("text/plain", "binary", text + "\x00" * 1000),
        "ctype-garbage": ("garbage", "8bit", text),
        "ctype-empty": ("", "8bit", text),
        "ctype-params": ("text/plain; " + "a=b; " * 20000, "8bit", text),
    }
    for name, (ctype, cte, body) in bodies.items():
        raw = reply(
            _mid(name), "", content_type=ctype, headers=f"Content-Transfer-Encoding: {cte}\n"
        )
        raw = raw.split(b"\n\n", 1)[0] + b"\n\n" + body.encode("utf-8", "surrogateescape")
        if name == "charset-lies":
            raw = raw.replace("caf\xe9".encode(), b"caf\xe9")
        cases.append(Case(name, raw))
    latin = reply(_mid("latin1-body"), "", content_type="text/plain; charset=utf-8")
    cases.append(Case("latin1-body", latin.rstrip(b"\n") + b"\n\nI'll take it, Ren\xe9.\n"))
    return cases


def _multipart(boundary: str, parts: list[str], close: bool = True) -> str:
    out = ["This is a multi-part message in MIME format.\n"]
    for part in parts:
        out.append(f"--{boundary}\n{part}\n")
    if close:
        out.append(f"--{boundary}--\n")
    return "".join(out)


def _boundaries() -> list[Case]:
    cases: list[Case] = []
    plain = "Content-Type: text/plain; charset=utf-8\n\n" + _body(4)
    html = "Content-Type: text/html\n\n<p>" + _body(5).replace("\n", "<br>") + "</p>"
    shapes: dict[str, tuple[str, str]] = {
        "mp-ok": ('multipart/alternative; boundary="b1"', _multipart("b1", [plain, html])),
        "mp-no-boundary-param": ("multipart/mixed", _multipart("b1", [plain])),
        "mp-unclosed": ('multipart/mixed; boundary="b1"', _multipart("b1", [plain], close=False)),
        "mp-wrong-boundary": ('multipart/mixed; boundary="b1"', _multipart("zz", [plain])),
        # the boundary found in its place is a line of 300,000 dashes and letters
        "mp-wrong-boundary-long": (
            'multipart/mixed; boundary="b1"',
            "--" + "a-" * 150_000 + "\n" + _multipart("zz", [plain]),
        ),
        "mp-empty-boundary": ('multipart/mixed; boundary=""', _multipart("", [plain])),
        "mp-boundary-spaces": ('multipart/mixed; boundary="  "', _multipart("  ", [plain])),
        "mp-boundary-long": (
            f'multipart/mixed; boundary="{"b" * 5000}"',
            _multipart("b" * 5000, [plain]),
        ),
        "mp-no-parts": ('multipart/mixed; boundary="b1"', "preamble only\n"),
        "mp-html-only": ('multipart/alternative; boundary="b1"', _multipart("b1", [html])),
        "mp-10000-parts": (
            'multipart/mixed; boundary="b1"',
            _multipart("b1", ["Content-Type: text/plain\n\nx"] * 10000 + [plain]),
        ),
        "mp-part-no-headers": (
            'multipart/mixed; boundary="b1"',
            _multipart("b1", ["\n" + _body(6)]),
        ),
        "mp-boundary-in-text": (
            'multipart/mixed; boundary="b1"',
            _multipart("b1", [plain + "\n--b1x not a boundary\n"]),
        ),
        "signed-in-mixed": (
            'multipart/mixed; boundary="m"',
            _multipart(
                "m",
                [
                    'Content-Type: multipart/signed; boundary="s"; '
                    'protocol="application/pgp-signature"\n\n'
                    + _multipart(
                        "s", [plain, "Content-Type: application/pgp-signature\n\n-----BEGIN"]
                    )
                ],
            ),
        ),
    }
    for depth in (50, 500, 2000):
        inner = plain
        for level in range(depth):
            inner = f'Content-Type: multipart/mixed; boundary="n{level}"\n\n' + _multipart(
                f"n{level}", [inner]
            )
        ctype, _, body = inner.partition("\n\n")
        shapes[f"mp-nested-{depth}"] = (ctype.removeprefix("Content-Type: "), body)
    for name, (ctype, body) in shapes.items():
        cases.append(Case(name, reply(_mid(name), body, content_type=ctype)))
    return cases


def _runs() -> list[Case]:
    """Long runs of whitespace, quote markers and punctuation, where patterns backtrack."""
    cases: list[Case] = []
    n = 100_000
    lines: dict[str, str] = {
        "tabs-then-text": "\t" * n + "I'll take it",
        "spaces-then-text": " " * n + "I'll take it",
        "nbsp-then-text": "\u00a0" * n + "I'll take it",
        "mixed-ws": " \t\u00a0" * (n // 3) + "x",
        "ws-only": " \t" * (n // 2),
        "snip-like": " " * n + "-- snip",
        "snip-open": "[" + " " * n,
        "dashes": "-" * n,
        "underscores": "_" * n,
        "dots": "." * n,
        "quote-markers": ">" * n + " text",
        "spaced-markers": "> " * (n // 2) + "text",
        "nbsp-markers": ">\u00a0" * (n // 2) + "x",
        "at-signs": "@" * n,
        "angles": "<" * n,
        "parens": "(" * n,
        "brackets": "[" * n,
        "colons": ":" * n,
        "equals": "=" * n,
        "digits": "1." * (n // 2),
        "url-long": "http://lists.xen.org/" + "a/" * (n // 2),
        "words": "mine " * (n // 5),
        "wrote": "On " + "x " * (n // 2) + "wrote:",
        "attribution-ws": "On" + " " * n + "wrote",
        "names": "Roger " * (n // 6),
        "commas": ", " * (n // 2),
        "re-prefix": "Re: " * (n // 4),
        "pipes": "| " * (n // 2),
    }
    for name, line in lines.items():
        body = f"{QUOTES[0]}\n{line}\n\n{ANSWERS[0]}"
        cases.append(Case(f"run-{name}", reply(_mid(f"run-{name}"), body)))
        quoted = f"> {line}\n\n{ANSWERS[1]}"
        cases.append(Case(f"run-{name}-quoted", reply(_mid(f"runq-{name}"), quoted)))
    cases.append(
        Case("subject-ws", reply(_mid("subject-ws"), _body(1), subject="Re:" + " " * n + "x"))
    )
    cases.append(
        Case("subject-re", reply(_mid("subject-re"), _body(1), subject="Re: " * 20000 + SUBJECT))
    )
    cases.append(Case("from-ws", reply(_mid("from-ws"), _body(1), sender=" " * n + "<a@b.c>")))
    cases.append(Case("from-via", reply(_mid("from-via"), _body(1), sender="x via" + " " * n)))
    return cases


def _sizes() -> list[Case]:
    cases: list[Case] = []
    cases.append(Case("line-1mb", reply(_mid("line-1mb"), "x" * 1_000_000 + "\n" + ANSWERS[0])))
    cases.append(Case("line-5mb", reply(_mid("line-5mb"), "I'll take it " * 400_000)))
    cases.append(Case("many-lines", reply(_mid("many-lines"), "> a\n" * 200_000 + ANSWERS[0])))
    for name, unit in (("dash", "-\n"), ("text", "a\n"), ("marker", ">\n"), ("mixed", "> a\n\n")):
        # each stage reads a body line by line: the most lines a megabyte holds
        body = unit * (1_000_000 // len(unit)) + ANSWERS[0]
        cases.append(Case(f"short-lines-{name}", reply(_mid(f"short-lines-{name}"), body)))
    cases.append(Case("many-blank", reply(_mid("many-blank"), "\n" * 500_000 + ANSWERS[0])))
    cases.append(Case("nul-body", reply(_mid("nul-body"), "\x00" * 100_000 + ANSWERS[0])))
    cases.append(Case("nul-lines", reply(_mid("nul-lines"), (QUOTES[1] + "\x00\n") * 1000)))
    cases.append(Case("over-max", reply(_mid("over-max"), "y" * 11_000_000)))
    cases.append(Case("empty", b""))
    cases.append(Case("one-byte", b"\n"))
    cases.append(Case("binary", bytes(range(256)) * 100))
    return cases


def _commands() -> list[Case]:
    """Command lines and cues at the edges of what the reader expects."""
    cases: list[Case] = []
    texts = {
        "cmd-long-arg": "#relbot link " + "http://x/" + "a" * 100_000,
        "cmd-many": "#relbot claim\n" * 20000,
        "cmd-ws": "#relbot" + " " * 100_000 + "claim",
        "cmd-unknown": "#relbot \x00\x01 ???",
        "cmd-in-quote": "> #relbot done\n" * 5000,
        "cue-many": "I'll take it. " * 30000,
        "pointers-many": "see <a@b> " * 30000,
        "bug-many": "bug #1 " * 30000,
        "urls-wrapped": "http://lists.xen.org/archives/html/xen-devel/2018-\n> 09/msg00976.html\n"
        * 5000,
    }
    for k, (name, text) in enumerate(texts.items()):
        cases.append(Case(name, reply(_mid(name), f"{QUOTES[k % 3]}\n{text}\n")))
    return cases


def _numbered(build: Callable[[int], Case], count: int) -> list[Case]:
    return [build(i) for i in range(count)]


def _variants(i: int) -> Case:
    """Plain replies with one odd byte somewhere: the common case of a broken mail."""
    base = reply(_mid(f"variant-{i}"), _body(i))
    # past the first line: In-Reply-To stays whole, so the mail stays a thread member
    pos = 80 + (i * 7919) % (len(base) - 80)
    odd = bytes([0x80 + (i * 13) % 128])
    return Case(f"variant-{i}", base[:pos] + odd + base[pos:])


def malformed_corpus() -> list[Case]:
    """Every case, in a fixed order; names are unique."""
    cases = [
        *_header_bytes(),
        *_ids(),
        *_encodings(),
        *_boundaries(),
        *_runs(),
        *_sizes(),
        *_commands(),
        *_numbered(_variants, 40),
    ]
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases
