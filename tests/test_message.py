"""read_message / read_header_fields on every oddity real list mail has shown."""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relbot.core.replies.headers import (
    SCREEN_FIELDS,
    decode_bytes,
    decode_header_value,
    header_block,
    parse_addresses,
    scan_header_items,
)
from relbot.core.replies.html import html_to_text
from relbot.core.replies.message import Message, read_header_fields, read_message

MAIL = Path(__file__).resolve().parent / "mail"
STATUS_IDS = ("status-0042@relbot.example", "status-0041@relbot.example")


def read(name: str) -> Message:
    return read_message((MAIL / name).read_bytes())


def test_fixture_generator_matches_committed_files() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", MAIL / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.FIXTURES.items():
        assert (MAIL / name).read_bytes() == data, name


def test_plain_reply() -> None:
    m = read("plain_reply.eml")
    assert m.message_id == "20240205200000.1234-1-anthony@example.org"
    assert m.in_reply_to == ("status-0042@relbot.example",)
    assert m.references == ("status-0041@relbot.example", "status-0042@relbot.example")
    assert m.thread_ids == ("status-0042@relbot.example", "status-0041@relbot.example")
    assert (m.from_name, m.from_addr) == ("Anthony PERARD", "anthony@example.org")
    assert m.subject == "Re: Xen 4.19 release status"
    assert m.date == dt.datetime(2024, 2, 5, 20, 0, tzinfo=dt.UTC)
    assert m.text.startswith("On 05.02.2024 20:23, Release Manager wrote:\n>     * x86")
    assert m.headers["list-id"] == "Xen developer discussion <xen-devel.lists.xenproject.org>"
    assert m.defects == ()


def test_base64_body_with_crlf() -> None:
    m = read("base64_crlf.eml")
    assert m.text == "Monné here.\n\nThe shim work is DONE.\n"
    assert m.from_addr == "roger@example.org"
    assert m.message_id == "base64.crlf.1@example.org"


def test_quoted_printable_soft_break_inside_url_is_joined() -> None:
    m = read("quoted_printable_url.eml")
    url = "https://lore.kernel.org/xen-devel/20240205123456.4321-1-jbeulich@example.com/T/#t"
    assert url in m.text.splitlines()[0]
    assert "Grüße, Jan" in m.text


def test_pgp_signed_inside_mixed_reads_the_signed_text_only() -> None:
    m = read("pgp_signed_in_mixed.eml")
    assert m.text == "> * stubdomain PCI passthrough\n\nThis went in last week."
    assert "PGP SIGNATURE" not in m.text
    assert "CONFIG_XEN" not in m.text
    assert "mailing list" not in m.text


def test_rfc2047_utf8_base64_name_and_subject() -> None:
    m = read("rfc2047_utf8_b.eml")
    assert (m.from_name, m.from_addr) == ("Jürgen Groß", "jgross@example.com")
    assert m.subject == "Re: Xen 4.19 release status – week 3"
    assert m.text == "Grüße: mine.\n"


def test_rfc2047_latin1_q_name_inside_quotes() -> None:
    m = read("rfc2047_latin1_q.eml")
    assert m.from_name == "Frédéric Pérard"
    assert m.text == "Déjà fait.\n"


def test_invalid_utf8_inside_encoded_word_falls_back_to_latin1() -> None:
    m = read("encoded_word_bad_utf8.eml")
    assert (m.from_name, m.from_addr) == ("René Badÿ", "rene@example.org")
    assert m.subject == "ÿþ status"


def test_raw_8bit_latin1_headers_keep_their_letters() -> None:
    # mail-parser alone drops the undeclared byte: "caf au lait"
    m = read("raw_8bit_headers.eml")
    assert m.subject == "Re: café au lait"
    assert (m.from_name, m.from_addr) == ("Stéphane Café", "stephane@example.fr")


def test_raw_utf8_headers() -> None:
    m = read("raw_utf8_headers.eml")
    assert (m.from_name, m.subject) == ("Jürgen Groß", "Re: Größe")


def test_unknown_charset_decodes_utf8_and_latin1_bytes() -> None:
    m = read("charset_unknown.eml")
    assert m.text == "Schöne Grüße, patches posted.\nLatin-1 line: café\n"
    assert any("x-unknown" in d for d in m.defects)


def test_tab_after_header_colon() -> None:
    m = read("tab_after_colon.eml")
    assert (m.from_name, m.from_addr) == ("Wei Liu", "wl@example.org")
    assert m.message_id == "tab.colon.1@example.org"
    assert m.subject == "Re: Xen 4.19 release status"
    assert m.in_reply_to == ("status-0042@relbot.example",)


def test_malformed_cc_is_kept_and_skipped() -> None:
    m = read("malformed_cc.eml")
    assert m.headers["cc"] == ":, a@b"
    assert parse_addresses(m.headers["cc"]) == (("", "a@b"),)
    assert m.from_addr == "ijackson@example.com"
    assert m.text.endswith("Done.\n")


def test_message_id_header_spelling_and_in_reply_to_comment() -> None:
    m = read("message_id_case.eml")
    assert m.message_id == "msgid.case.1@example.org"
    assert m.in_reply_to == ("status-0042@relbot.example",)
    assert m.date is None


def test_references_folded_with_empty_first_line() -> None:
    m = read("references_folded_empty_first.eml")
    assert m.references == (
        "status-0040@relbot.example",
        "status-0041@relbot.example",
        "status-0042@relbot.example",
    )
    assert m.message_id == "alpine.DEB.2.22.394.2402051234560.123@ubuntu-desktop"


def test_more_than_8kb_of_headers() -> None:
    raw = (MAIL / "big_headers.eml").read_bytes()
    assert raw.index(b"\n\n") > 8192
    m = read_message(raw)
    assert m.from_addr == "bertrand@example.com"
    assert m.text == "after many headers\n"
    assert m.headers["received"].startswith("from relay0.example.net")


def test_html_only_mail_becomes_quoted_text() -> None:
    m = read("html_only.eml")
    assert m.text.splitlines() == [
        "I'll take it & post v2 soon.",
        "On Mon, Feb 5, 2024 at 8:23 PM Release Manager wrote:",
        ">     * RISC-V: full Xen build",
        "> > older <text>",
        "See the issue <https://gitlab.com/xen-project/xen/-/issues/28>.",
    ]
    assert "color" not in m.text
    assert "no text/plain part: text converted from HTML" in m.defects


def test_status_mail_to_announce_keeps_the_real_sender() -> None:
    m = read("announce_reply_to.eml")
    assert (m.from_name, m.from_addr) == ("Release Manager", "rm@example.org")
    assert m.headers["reply-to"] == "xen-devel@lists.xenproject.org"
    assert m.headers["to"] == "xen-announce@lists.xenproject.org"
    assert m.message_id == "status-0042@relbot.example"


def test_mailman_footer_as_separate_part_is_left_out() -> None:
    assert read("mailman_footer_part.eml").text == "Deferred to 4.20, sorry."


def test_mailman_via_rewriting_undone_from_x_original_from() -> None:
    m = read("mailman_via_from.eml")
    assert (m.from_name, m.from_addr) == ("Jan Beulich", "jbeulich@example.com")


def test_mailman_via_rewriting_undone_from_reply_to() -> None:
    m = read("mailman_via_reply_to.eml")
    assert (m.from_name, m.from_addr) == ("Juergen Gross", "jgross@example.com")


def test_via_without_original_address_keeps_the_name() -> None:
    raw = (
        b"From: Jan Beulich via Xen-devel <xen-devel@lists.xenproject.org>\n"
        b"List-Post: <mailto:xen-devel@lists.xenproject.org>\n\nbody\n"
    )
    m = read_message(raw)
    assert m.from_name == "Jan Beulich"
    assert any("rewritten" in d for d in m.defects)


def test_broken_boundary_unclosed_keeps_the_plain_part() -> None:
    m = read("broken_boundary_unclosed.eml")
    assert m.text == "Plain part of a truncated mail."
    assert any("CloseBoundaryNotFound" in d for d in m.defects)


def test_broken_boundary_mismatch_reads_with_the_boundary_used() -> None:
    m = read("broken_boundary_mismatch.eml")
    assert m.text == 'Committed as 0123456789ab ("arm: fix foo").'
    assert any("'actual'" in d for d in m.defects)


def test_empty_file() -> None:
    m = read("empty.eml")
    assert (m.message_id, m.from_addr, m.text, m.thread_ids) == ("", "", "", ())


def test_binary_junk_reads_as_a_body_with_defects() -> None:
    m = read("binary_junk.eml")
    assert (m.message_id, m.from_addr, m.subject) == ("", "", "")
    assert m.defects
    assert "\r" not in m.text


def test_str_input_equals_bytes_input() -> None:
    raw = (MAIL / "rfc2047_utf8_b.eml").read_bytes()
    assert read_message(raw.decode("utf-8")) == read_message(raw)


def test_header_only_fast_path_agrees_with_full_read() -> None:
    for path in sorted(MAIL.glob("*.eml")):
        raw = path.read_bytes()
        full, fast = read_message(raw), read_header_fields(raw)
        assert fast.text == ""
        for name in ("message_id", "in_reply_to", "references", "subject", "from_name"):
            assert getattr(full, name) == getattr(fast, name), (path.name, name)
        assert (full.from_addr, full.date) == (fast.from_addr, fast.date), path.name
        screened = read_header_fields(raw, screen=True)
        for name in ("message_id", "in_reply_to", "references", "subject", "from_name"):
            assert getattr(full, name) == getattr(screened, name), (path.name, name)
        assert screened.from_addr == full.from_addr, path.name
        for field_name in SCREEN_FIELDS:
            assert screened.headers.get(field_name) == full.headers.get(field_name), path.name


def test_deep_nesting_is_read_without_recursion() -> None:
    raw = b"Subject: deep\nContent-Type: multipart/mixed; boundary=b\n\n"
    raw += b"--b\nContent-Type: multipart/mixed; boundary=b\n\n" * 3000
    raw += b"--b\nContent-Type: text/plain\n\nhello\n"
    m = read_message(raw)
    assert m.subject == "deep"
    assert m.defects


def test_repeated_headers_take_the_first() -> None:
    raw = b"Message-ID: <one@x.org>\nMessage-ID: <two@x.org>\nSubject: a\nSubject: b\n\nx"
    m = read_message(raw)
    assert (m.message_id, m.subject) == ("one@x.org", "a")


def test_references_without_brackets_and_duplicates() -> None:
    raw = b"References: a@x.org b@x.org a@x.org\nIn-Reply-To: b@x.org\n\nx"
    m = read_header_fields(raw)
    assert m.references == ("a@x.org", "b@x.org")
    assert m.thread_ids == ("b@x.org", "a@x.org")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?UTF-8?B?SsO8cmdlbg==?= =?UTF-8?B?IEdyb8Of?=", "Jürgen Groß"),
        ("=?iso-8859-1?q?caf=E9?= au lait", "café au lait"),
        ("=?utf-8*en?Q?a_b?=", "a b"),
        ("=?bogus-charset?Q?caf=C3=A9?=", "café"),
        ("=?utf-8?B?not base64?=", "=?utf-8?B?not base64?="),
        ("Re:\r\n\tfolded  subject", "Re: folded subject"),
    ],
)
def test_decode_header_value(raw: str, expected: str) -> None:
    assert decode_header_value(raw) == expected


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        (b"caf\xc3\xa9", "utf-8", ("café", False)),
        (b"caf\xe9", "iso-8859-1", ("café", False)),
        (b"caf\xe9", "x-unknown", ("café", True)),
        (b"caf\xc3\xa9", "us-ascii", ("café", True)),
        (b"abc", "base64", ("abc", True)),
        (b"+2D8-", "utf-7", ("+2D8-", True)),
    ],
)
def test_decode_bytes(data: bytes, charset: str, expected: tuple[str, bool]) -> None:
    assert decode_bytes(data, charset) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain ascii", "plain ascii"),
        ("J\u00fcrgen", "J\u00fcrgen"),  # already text: left alone
        ("caf\udce9", "caf\u00e9"),  # an undeclared Latin-1 byte
        ("J\udcc3\udcbcrgen", "J\u00fcrgen"),  # undeclared UTF-8 bytes
    ],
)
def test_raw_text_undoes_surrogate_escapes_only(value: str, expected: str) -> None:
    from relbot.core.replies.headers import _raw_text

    assert _raw_text(value) == expected


_ADDRESS_PIECES = (
    *("John", "Q.", " ", "\t", '"', "\\", "(", ")", "<", ">", "@", ",", ";", ":", ".", "["),
    *("]", "x@y.org", "a", "=?utf-8?q?J=2E?=", "J\u00fcrgen", "\r", "\n", "\x0b", "\xa0"),
)


def test_address_fast_path_equals_the_full_parser() -> None:
    import email.utils
    import random

    from relbot.core.replies.headers import _split_addresses

    rnd = random.Random(5)  # a fixed sweep: the same cases every run
    for _ in range(30_000):
        name = "".join(rnd.choices(_ADDRESS_PIECES, k=rnd.randint(0, 8)))
        addr = "".join(rnd.choices(_ADDRESS_PIECES, k=rnd.randint(1, 4)))
        value = rnd.choice([f'"{name}" <{addr}>', f"{name} <{addr}>", name + addr])
        try:
            expected: object = email.utils.getaddresses([value])
        except Exception as exc:  # the fast path must then fall back and fail alike
            expected = type(exc)
        try:
            got: object = _split_addresses(value)
        except Exception as exc:
            got = type(exc)
        assert got == expected, value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane Doe <Jane@Example.org>", ("Jane Doe", "jane@example.org")),
        ('"Doe, Jane" <jane@example.org>', ("Doe, Jane", "jane@example.org")),
        ("=?utf-8?q?J=C3=BCrgen?= <j@example.org>", ("J\u00fcrgen", "j@example.org")),
        ("<xen-devel@lists.xen.org>", ("", "xen-devel@lists.xen.org")),
        ("jane@example.org", ("", "jane@example.org")),
    ],
)
def test_common_address_forms_take_the_fast_path(value: str, expected: tuple[str, str]) -> None:
    from relbot.core.replies.headers import _SIMPLE_ADDRESS

    assert _SIMPLE_ADDRESS.fullmatch(value)
    assert parse_addresses(value) == (expected,)


def test_html_to_text_survives_broken_markup() -> None:
    text = html_to_text("<p>a<br>b</blockquote></blockquote><div>c &nbsp;d<a href='x'>e")
    assert text.splitlines() == ["a", "b", "c de"]


def test_one_megabyte_body_reads_quickly() -> None:
    body = b"> quoted line with words https://lore.kernel.org/x/1@y/\nnew text here\n" * 15000
    raw = b"From: a@b.org\nContent-Type: text/plain; charset=utf-8\n\n" + body
    assert len(raw) > 1_000_000
    start = time.perf_counter()
    m = read_message(raw)
    assert time.perf_counter() - start < 5  # generous: timing proper lives in bench/
    assert len(m.text) == len(body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_read_message_never_raises_on_bytes(raw: bytes) -> None:
    m = read_message(raw)
    assert isinstance(m.text, str)
    m.text.encode("utf-8")
    assert read_header_fields(raw).text == ""


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_read_message_never_raises_on_text(raw: str) -> None:
    m = read_message(raw)
    m.text.encode("utf-8")
    m.subject.encode("utf-8")


_HEADERISH = st.lists(
    st.sampled_from(
        [
            "From: =?UTF-8?B?SsO8cmdlbg==?= <j@x.org>\n",
            "Subject: =?iso-8859-1?Q?caf=E9?=\n",
            "Content-Type: multipart/mixed; boundary=b\n",
            "Content-Type: text/html; charset=X-UNKNOWN\n",
            "Content-Transfer-Encoding: base64\n",
            "Content-Transfer-Encoding: quoted-printable\n",
            "References:\n <a@b>\n",
            "\n",
            "--b\n",
            "--b--\n",
            "<blockquote><p>x</p>\n",
            "=E9=\n",
            "aGVsbG8=\n",
        ]
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_HEADERISH, st.binary(max_size=200))
def test_read_message_never_raises_on_mime_like_input(lines: list[str], tail: bytes) -> None:
    m = read_message("".join(lines).encode() + tail)
    m.text.encode("utf-8")
    m.from_name.encode("utf-8")


_HEADER_LINES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                b"From: A <a@x.org>",
                b"Subject: hello",
                b"Message-ID: <1@x.org>",
                b"References: <2@x.org>",
                b" <3@x.org>",
                b"\tfolded",
                b"",
                b" ",
                b"not a header",
                b"From someone",
                b"\xff: 8-bit",
            ]
        ),
        st.sampled_from([b"\n", b"\r\n", b"\r"]),
    ),
    max_size=10,
)


def _whole_header_parse(raw: bytes) -> Message:
    """What read_header_fields gave before it cut the body off."""
    from relbot.core.replies.message import _build

    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    return _build(parser.parsebytes(raw).raw_items(), "", [])


@settings(max_examples=500, deadline=None)
@given(_HEADER_LINES, st.binary(max_size=40))
def test_header_read_stops_at_the_blank_line_like_the_parser(
    lines: list[tuple[bytes, bytes]], tail: bytes
) -> None:
    # only the header block goes to the parser; every mix of line endings
    # must end that block exactly where the parser itself would
    raw = b"".join(text + end for text, end in lines) + tail
    fast, whole = read_header_fields(raw), _whole_header_parse(raw)
    assert fast == whole
    assert dict(fast.headers) == dict(whole.headers)


def test_huge_headers_stay_fast() -> None:
    refs = b" ".join(b"<%d.ref@example.org>" % i for i in range(10_000))
    raw = b"Subject: " + b"x" * 1_000_000 + b"\nReferences: " + refs + b"\n\nbody\n"
    start = time.perf_counter()
    m = read_message(raw)
    assert time.perf_counter() - start < 5
    assert len(m.references) == 10_000
    assert m.text == "body\n"


_HEADER_PIECES = st.sampled_from(
    [
        b"Subject: hello\n",
        b"From: A <a@x.org>\r\n",
        b"References:\n <a@x> \n\t<b@y>\n",
        b"From someone@x Mon Apr 16 12:00:00 2012\n",
        b" continued\n",
        b"\tcontinued with tab\n",
        b":no name\n",
        b"X-Odd:\tvalue\r",
        b"Subject: caf\xe9 \xff\n",
        b"not a header line\n",
        b"Message-ID: <id@x>",
        b"X-Empty:\n",
        b"From: b@y\x0bz\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEADER_PIECES, max_size=12), st.binary(max_size=40))
def test_header_scan_matches_the_stdlib_parser(pieces: list[bytes], noise: bytes) -> None:
    block = b"".join(pieces) + noise.replace(b"\n\n", b"\n").replace(b"\r\r", b"\r")
    block = header_block(block)
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(block)
    assert scan_header_items(block) == [(k, str(v)) for k, v in parsed.raw_items()]
