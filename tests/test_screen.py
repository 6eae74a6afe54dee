"""The raw-block thread screen agrees with the careful header read, or steps aside."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from relbot.core.replies.headers import header_block
from relbot.core.replies.message import read_header_fields
from relbot.core.replies.screen import may_be_member, subject_may_match, thread_keys
from relbot.core.replies.threads import base_subject

LIST_MAIL = (
    b"Return-Path: <xen-devel-bounces@lists.example.org>\n"
    b"Received: from lists.example.org (lists.example.org [192.0.2.1])\n"
    b"\tby mx.example.net (Postfix) with ESMTPS id 00C7AB34E7F\n"
    b"\tfor <me@example.net>; Mon, 25 Aug 2025 23:56:38 +0200 (CEST)\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\n"
    b"\tbh=31nwGKdMDfhUHI+0PF46wLh7YDo0K9phaqr4p9Stla8=;\n"
    b"List-Id: Xen developer discussion <xen-devel.lists.example.org>\n"
    b"Subject: Re: [Xen-devel] 4.2 Release Plan / TODO\n"
    b"message-id: <answer@example.com>\n"
    b"In-Reply-To:\n <parent@example.com>\n"
    b"References: <status@example.org>\n\t<parent@example.com>\n"
    b"References: <more@example.org>\n"
    b"From: Jan <jan@example.com>\n"
    b"\n"
    b"body\nReferences: <not-a-header@example.org>\n"
)


def test_list_mail_takes_the_fast_path() -> None:
    keys = thread_keys(LIST_MAIL)
    assert keys is not None
    assert keys.message_id == "answer@example.com"
    assert keys.ids == ("parent@example.com", "status@example.org", "more@example.org")
    assert keys.subject == "Re: [Xen-devel] 4.2 Release Plan / TODO"
    head = read_header_fields(LIST_MAIL, screen=True)
    assert (keys.message_id, keys.ids) == (head.message_id, head.thread_ids)


def test_odd_blocks_go_the_careful_way() -> None:
    assert thread_keys(b"From me@x Mon Apr 16 12:00:00 2012\nSubject: x\n\nbody\n") is None
    assert thread_keys(b"Subject: x\rMessage-ID: <a@b>\n\nbody\n") is None
    assert thread_keys(b"Subject: x\nnot a header\nMessage-ID: <a@b>\n\nbody\n") is None
    assert thread_keys(b":no name\nMessage-ID: <a@b>\n\n") is None
    assert thread_keys(b"Message-ID: <a@b>") is None  # no line end, no blank line


def test_crlf_blocks_as_imap_serves_them_take_the_fast_path() -> None:
    crlf = LIST_MAIL.replace(b"\n", b"\r\n")
    keys = thread_keys(crlf)
    assert keys is not None
    head = read_header_fields(crlf, screen=True)
    assert (keys.message_id, keys.ids) == (head.message_id, head.thread_ids)
    assert keys == thread_keys(LIST_MAIL)


def test_membership_by_id_by_subject_and_not_at_all() -> None:
    keys = thread_keys(LIST_MAIL)
    assert keys is not None
    assert may_be_member(keys, {"status@example.org"}, set())
    assert may_be_member(keys, set(), {base_subject("4.2 Release Plan / TODO")})
    assert not may_be_member(keys, {"other@x"}, {"4.3 release plan / todo"})
    preview = re.compile(r"^more@").match
    assert may_be_member(keys, set(), set(), also=preview)


def test_a_subject_that_needs_decoding_is_let_through() -> None:
    assert subject_may_match("=?UTF-8?Q?Re:_4.2_Release_Plan?=", {"4.2 release plan"})
    assert subject_may_match("Re: caf\udce9", {"4.2 release plan"})
    assert not subject_may_match("[PATCH] x86: fix", {"4.2 release plan"})


_KEY_PIECES = st.sampled_from(
    [
        b"Subject: hello\n",
        b"SUBJECT: Re: [Xen-devel] 4.2 Release Plan / TODO\n",
        b"Message-ID: <id@x>\n",
        b"Message-Id:\n <other@x>\n",
        b"message-id: no-brackets@x\n",
        b"In-Reply-To: <p@x> (Jan's message of today)\n",
        b"References:\n <a@x> \n\t<b@y>\n",
        b"References: <c@z>\n",
        b"References:<d@z><e@z>\n",
        b"X-References: <f@z>\n",
        b"Received: from a\n\tby b; Mon, 1 Jan 2024\n",
        b"From someone@x Mon Apr 16 12:00:00 2012\n",
        b" continued <g@z>\n",
        b"\tcontinued with tab\n",
        b":no name\n",
        b"X-Odd:\tvalue\r",
        b"Subject: caf\xe9 \xff\n",
        b"In-Reply-To: <h\xe9@x>\n",
        b"not a header line\n",
        b"References: <i@x>\r\n",
        b"X-Empty:\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_KEY_PIECES, max_size=12), st.binary(max_size=30), st.booleans())
def test_fast_keys_agree_with_the_careful_read(
    pieces: list[bytes], tail: bytes, crlf: bool
) -> None:
    raw = b"".join(pieces) + b"\n" + tail
    if crlf:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    keys = thread_keys(raw)
    if keys is None:
        return
    head = read_header_fields(raw, screen=True)
    assert (keys.message_id, keys.ids) == (head.message_id, head.thread_ids)
    if keys.subject.isascii() and "=?" not in keys.subject:
        assert " ".join(keys.subject.split()) == head.headers.get("subject", "")


_SUBJECT_PIECES = st.sampled_from(
    ["Re: ", "RE:", "AW: ", "Fwd: ", "[Xen-devel] ", "[xen-devel]", " ", "\n ", "re[2]: "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SUBJECT_PIECES, max_size=5), st.sampled_from(["4.2 Release Plan / TODO", "x"]))
def test_the_subject_check_never_drops_a_match(prefix: list[str], title: str) -> None:
    subject = "".join(prefix) + title
    wanted = {base_subject("4.2 Release Plan / TODO", ("[Xen-devel]",))}
    if base_subject(subject, ("[Xen-devel]",)) in wanted:
        assert subject_may_match(subject, wanted)


_BLANK = re.compile(rb"\n[\r\n]|\r\r")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\n", b"\r", b" ", b"\r\n", b"X: y"]), max_size=20))
def test_header_block_ends_where_the_blank_line_is(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    if data[:1] in (b"\n", b"\r"):
        expected = b""
    else:
        blank = _BLANK.search(data)
        expected = data if blank is None else data[: blank.start() + 1]
    assert header_block(data) == expected
