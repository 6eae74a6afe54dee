"""split_body: quoted blocks and new text, on every quoting form seen on the list."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relbot.core.replies.quotes import Block, BlockKind, new_text, quote_text, split_body

Q, T = BlockKind.QUOTE, BlockKind.TEXT


def shape(body: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(b.kind.value, b.lines) for b in split_body(body)]


ITEM = "    * x86: PV shim cleanup (Andrew)"

ATTRIBUTIONS = [
    "On 05.02.2024 20:23, Jan Beulich wrote:",
    "On Fri, May 03, 2024 at 06:54:40PM +0200, Roger Pau Monné wrote:",
    "On Thu, 2024-02-08 at 16:58 +0000, Oleksii Kurochko wrote:",
    'Ian Jackson writes ("Re: Xen 4.19 release status"):',
    "Quoting Julien Grall (2024-02-05 12:00:00):",
    "Quoting Release Manager <rm@example.org>:",
    "On Mon, Feb 5, 2024 at 8:23 PM Release Manager <rm@example.org> wrote:",
    "Am 05.02.24 um 20:23 schrieb Jürgen Groß:",
    "Le 05/02/2024 à 20:23, Frédéric a écrit :",
    "2024-02-05 20:23 GMT+01:00 Release Manager <rm@example.org>:",
    ">>> Jan Beulich <jbeulich@example.com> 02/05/24 8:23 PM >>>",
    "Release Manager wrote:",
    "Release Manager <rm@example.org> writes:",
]


@pytest.mark.parametrize("attribution", ATTRIBUTIONS)
def test_attribution_lines_are_dropped(attribution: str) -> None:
    body = f"{attribution}\n> {ITEM}\n\nI'm working on this.\n"
    assert shape(body) == [("quote", (ITEM,)), ("text", ("I'm working on this.",))]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "On Fri, May 03, 2024 at 06:54:40PM +0200, Someone With A Long Name via",
            "Xen-devel wrote:",
        ),
        ("On 05.02.2024 20:23, Release Manager", "<rm@example.org> wrote:"),
        ("Quoting Julien Grall", "(2024-02-05 12:00:00):"),
    ],
)
def test_attribution_wrapped_over_two_lines(first: str, second: str) -> None:
    body = f"{first}\n{second}\n> {ITEM}\nmine\n"
    assert shape(body) == [("quote", (ITEM,)), ("text", ("mine",))]


def test_loose_attribution_without_a_quote_is_kept() -> None:
    body = "As Jan wrote:\nthe patch is in.\n"
    assert shape(body) == [("text", ("As Jan wrote:", "the patch is in."))]


def test_attribution_inside_a_quote_is_dropped() -> None:
    body = "> On 05.02.2024 20:23, Jan Beulich wrote:\n>> item\n> answer\nnew\n"
    assert shape(body) == [("quote", ("item", "answer")), ("text", ("new",))]


@pytest.mark.parametrize(
    ("body", "depth", "lines"),
    [
        ("> a\n> b\n", 1, ("a", "b")),
        ("> > a\n> b\n", 2, ("a", "b")),
        (">> a\n>>> b\n", 3, ("a", "b")),
        (">a\n>   indented\n", 1, ("a", "  indented")),
        (">\u00a0\u00a0 * evolution item\n>\u00a0more\n", 1, ("  * evolution item", "more")),
        ("  > slightly indented\n", 1, ("slightly indented",)),
        ("> a\n>\n> b\n", 1, ("a", "", "b")),
        ("> a\n\n> b\n", 1, ("a", "", "b")),
    ],
)
def test_quote_forms(body: str, depth: int, lines: tuple[str, ...]) -> None:
    blocks = split_body(body)
    assert len(blocks) == 1
    assert (blocks[0].kind, blocks[0].depth, blocks[0].lines) == (Q, depth, lines)


def test_interleaved_reply_with_line_numbers() -> None:
    body = (
        "On 05.02.2024 20:23, RM wrote:\n"  # 1
        ">     * item one (Jan)\n"  # 2
        "\n"  # 3
        "Mine.\n"  # 4
        "\n"  # 5
        ">     * item two\n"  # 6
        ">         sub item\n"  # 7
        "\n"  # 8
        "Posted v3.\n"  # 9
    )
    assert split_body(body) == (
        Block(Q, ("    * item one (Jan)",), 1, 2),
        Block(T, ("Mine.",), 0, 4),
        Block(Q, ("    * item two", "        sub item"), 1, 6),
        Block(T, ("Posted v3.",), 0, 9),
    )


@pytest.mark.parametrize(
    "marker", ["[snip]", "[...]", "<snip>", "[ snip ]", "[…]", "[SNIP]", "[snipped]", "--snip--"]
)
def test_snip_markers_are_dropped(marker: str) -> None:
    body = f"> a\n> {marker}\n> b\nnew\n{marker}\nmore\n"
    assert shape(body) == [("quote", ("a", "b")), ("text", ("new", "more"))]


def test_signature_is_dropped_from_new_text_only() -> None:
    body = "Done.\n\n-- \nJan\nSUSE Linux\n\n> quoted\n> -- \n> quoted sig\n"
    assert shape(body) == [("text", ("Done.",)), ("quote", ("quoted", "--", "quoted sig"))]


def test_signature_without_trailing_space() -> None:
    assert shape("Done.\n--\nJan\n") == [("text", ("Done.",))]


def test_mailman_footer_in_body_is_dropped() -> None:
    body = (
        "> item\nmine\n\n"
        "_______________________________________________\n"
        "Xen-devel mailing list\n"
        "Xen-devel@lists.xenproject.org\n"
        "https://lists.xenproject.org/mailman/listinfo/xen-devel\n"
    )
    assert shape(body) == [("quote", ("item",)), ("text", ("mine",))]


def test_quoted_mailman_footer_is_dropped() -> None:
    body = "> item\n> ____________________________\n> Xen-devel mailing list\n> x@lists.x.org\nok\n"
    assert shape(body) == [("quote", ("item",)), ("text", ("ok",))]


def test_underscore_rule_without_footer_is_kept() -> None:
    body = "a\n______________________________\nb\n"
    assert shape(body) == [("text", ("a", "______________________________", "b"))]


def test_outlook_original_message_block() -> None:
    body = (
        "Done, committed as abcdef123456.\n"
        "\n"
        "Paul\n"
        "\n"
        "-----Original Message-----\n"
        "From: Release Manager [mailto:rm@example.org]\n"
        "Sent: 05 February 2024 20:23\n"
        "To: xen-devel@lists.xenproject.org\n"
        "Cc: Paul Durrant <paul@example.org>\n"
        "Subject: Xen 4.19 release status\n"
        "\n"
        "= Timeline =\n"
        "    * x86: item (Paul)\n"
        "> older quote\n"
    )
    blocks = split_body(body)
    assert [(b.kind, b.lines) for b in blocks] == [
        (T, ("Done, committed as abcdef123456.", "", "Paul")),
        (Q, ("= Timeline =", "    * x86: item (Paul)", "older quote")),
    ]
    assert (blocks[1].depth, blocks[1].line_no) == (2, 12)


def test_outlook_header_block_after_a_rule() -> None:
    body = (
        "I'll take it.\n"
        "________________________________\n"
        "From: Release Manager <rm@example.org>\n"
        "Sent: Monday, February 5, 2024 8:23 PM\n"
        "To: xen-devel@lists.xenproject.org\n"
        "Subject: Xen 4.19 release status\n"
        "\n"
        "    * item\n"
    )
    assert shape(body) == [("text", ("I'll take it.",)), ("quote", ("    * item",))]


def test_pasted_patch_header_is_not_an_outlook_quote() -> None:
    body = "Here is what I mean:\nFrom: Jan <j@x.org>\nDate: Mon\nSubject: [PATCH] x\n\nbody\n"
    assert [b.kind for b in split_body(body)] == [T]


def test_top_posted_reply_with_quote_at_the_bottom() -> None:
    body = (
        "This is done, please mark it.\n"
        "-- \n"
        "Anthony\n"
        "\n"
        "On Mon, Feb 05, 2024 at 08:23:00PM +0100, Release Manager wrote:\n"
        "> Hi all,\n"
        ">\n"
        ">     * tools: item (Anthony)\n"
    )
    assert shape(body) == [
        ("text", ("This is done, please mark it.",)),
        ("quote", ("Hi all,", "", "    * tools: item (Anthony)")),
    ]


def test_trailing_and_leading_blank_lines_are_trimmed() -> None:
    assert shape("\n\n  \nhello\n\n\n") == [("text", ("hello",))]
    assert split_body("\n\nhello")[0].line_no == 3


def test_crlf_and_empty_input() -> None:
    assert shape("> a\r\nb\r\n") == [("quote", ("a",)), ("text", ("b",))]
    assert split_body("") == ()
    assert split_body("\n\n") == ()


def test_new_text_and_quote_text() -> None:
    blocks = split_body("> q1\n> q2\na\n> q3\nb\nc\n")
    assert new_text(blocks) == "a\n\nb\nc"
    assert quote_text(blocks[0]) == "q1\nq2"


def test_one_megabyte_body_splits_quickly() -> None:
    chunk = (
        "On 05.02.2024 20:23, Jan Beulich wrote:\n"
        ">     * x86: item with some words in it (Jan)\n"
        "> > deeper quote\n"
        "I'm working on this one.\n"
        "[snip]\n"
        "\n"
    )
    body = chunk * (1_000_000 // len(chunk) + 1)
    start = time.perf_counter()
    blocks = split_body(body)
    assert time.perf_counter() - start < 5  # generous: timing proper lives in bench/
    assert len(blocks) > 10_000


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_split_body_never_raises(text: str) -> None:
    for block in split_body(text):
        assert block.line_no >= 1
        assert block.depth >= 0 if block.kind is Q else block.depth == 0


_LINES = st.lists(
    st.sampled_from(
        [
            "> quoted",
            ">> deeper",
            "> ",
            "",
            "new text",
            "-- ",
            "[snip]",
            "On 05.02.2024 20:23, Jan wrote:",
            "On Fri, May 03, 2024 at 06:54:40PM +0200, Someone via",
            "Xen-devel wrote:",
            "-----Original Message-----",
            "From: A <a@b.org>",
            "Sent: Monday",
            "_______________________________",
            "Xen-devel mailing list",
        ]
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_blocks_alternate_and_keep_every_text_line(lines: list[str]) -> None:
    blocks = split_body("\n".join(lines))
    for first, second in itertools.pairwise(blocks):
        assert first.kind is not second.kind
        assert first.line_no < second.line_no
    for block in blocks:
        assert block.lines[0].strip() and block.lines[-1].strip()


def test_each_line_keeps_its_quote_level() -> None:
    body = "> > item\n>\n> answer to it\n\nmine\n"
    quote = split_body(body)[0]
    assert quote.lines == ("item", "", "answer to it")
    assert quote.depths == (2, 1, 1)
