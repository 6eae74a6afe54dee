"""A release manager agreeing by reply: which words count."""

from __future__ import annotations

import pytest

from relbot.core.replies.confirm import agreed_answer, confirms_update
from relbot.core.replies.quotes import split_body


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, I've updated the list.",
        "Thanks, updated.",
        "Updated.",
        "Done.",
        "Ok, will do.",
        "Great, I'll defer it then.",
        "Thanks, marked as done.",
        "Noted, thanks!",
        "I have moved it to the nice-to-have list.",
        "Thanks Roger.\n\nI've added it.",
    ],
)
def test_agreement(text: str) -> None:
    assert confirms_update(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks.",
        "Thanks for the update!",
        "So should I mark it done?",
        "I'll update the list once it is in staging.",
        "Updated? I don't see v4 on the list.",
        "I will not defer it, we need this for 4.2.",
        "Thanks, but the tools part is still missing.",
        "",
        "Thanks, I've updated the list. " + "Some more discussion about the freeze. " * 10,
    ],
)
def test_no_agreement(text: str) -> None:
    assert not confirms_update(text)


@pytest.mark.parametrize(
    ("body", "answer", "writer"),
    [
        (
            "On 03.09.19 16:20, Roger Pau Monné wrote:\n"
            "> On Mon, Sep 02, 2019 at 09:12:03AM +0200, Juergen Gross wrote:\n"
            ">> *  Per-cpu tasklet\n"
            ">\n"
            "> I will take this one over.\n\n"
            "Thanks, I've updated the list.\n",
            ("I will take this one over.",),
            "Roger Pau Monné",
        ),
        (
            "> -----Original Message-----\n"
            "> From: Jürgen Groß <jgross@suse.com>\n"
            "> Sent: 14 April 2020 09:01\n"
            ">\n"
            "> On 10.04.20 10:30, Paul Durrant wrote:\n"
            "> > *  Hypervisor file system (v7)\n"
            ">\n"
            "> v8 went out last Friday.\n\n"
            "Thanks, I've updated the list.\n",
            ("v8 went out last Friday.",),
            "Jürgen Groß",
        ),
        # only the answer directly above the confirmation
        (
            "> > * First item\n> Merged.\n> > * Second item\n>\n> v2 is out.\n\nDone, thanks.\n",
            ("v2 is out.",),
            "the quoted writer",
        ),
        # no deeper quote above: the status mail's own lines, no answer
        ("> * Per-cpu tasklet\n\nThanks, I've updated the list.\n", None, ""),
        # a promise to look is not yet agreement
        (
            "Roger wrote:\n> > * Per-cpu tasklet\n>\n> v2 is out.\n\n"
            "Thanks, I'll update the list.\n",
            None,
            "",
        ),
    ],
)
def test_agreed_answer(body: str, answer: tuple[str, ...] | None, writer: str) -> None:
    blocks = split_body(body)
    found = agreed_answer(body, blocks, len(blocks) - 1)
    if answer is None:
        assert found is None
        return
    assert found is not None
    assert (found.lines, found.writer) == (answer, writer)
