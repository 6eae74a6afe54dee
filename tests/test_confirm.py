"""A release manager agreeing by reply: which words count."""

from __future__ import annotations

import pytest

from relbot.core.confirm import confirms_update


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
