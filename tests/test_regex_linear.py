"""Every regular expression relbot applies to mail text runs in linear time.

The patterns are enumerated (tests/regex_audit.py), not listed, so a new one
is covered the day it is written. Each is searched over adversarial inputs:
first every input at a few thousand characters, to find the ones that make
that pattern work hardest; then the hardest at 100,000 characters, where a
backtracking pattern takes seconds to minutes and a linear one milliseconds.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from relbot.core.replies.message import read_header_fields, read_message
from relbot.core.replies.quotes import split_body
from tests.ingest_harness import Accountant, open_service, status_project
from tests.malformed import QUOTES, reply
from tests.regex_audit import Found, all_patterns, pattern_inputs, time_search

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "docs" / "examples" / "replies").glob("*.eml"))

#: characters of each adversarial input in the final run
BIG = 100_000
#: characters in the first pass that picks the hardest inputs
SMALL = 5_000
#: the hardest inputs of the first pass that are tried at BIG
HARDEST = 3
#: seconds one search plus a full finditer may take at BIG characters. A
#: linear pattern takes a few ms; the backtracking ones took 10 s to minutes
#: (the snip pattern of core/quotes.py: 157 s). Room for a loaded machine.
BOUND = 3.0


#: replies that reach the patterns built at run time (an added item, a link)
EXTRA = (
    "Could you please add the PV shim to the list as well?\n",
    "Please add this to the tracker: [PATCH v3 0/4] x86: fix the thing\n",
    "v4 is out: https://lore.kernel.org/xen-devel/20240101.abc@example.org/T/#t\n",
)


def _read_samples() -> None:
    """What ``relbot ingest`` does with the example replies, so every pattern is compiled."""
    with tempfile.TemporaryDirectory() as tmp:
        service = open_service(status_project(Path(tmp) / "rm"))
        try:
            accountant = Accountant(service)
            for path in SAMPLES:
                raw = path.read_bytes()
                read_header_fields(raw, screen=True)
                split_body(read_message(raw).text)
                accountant.offer(path.name, raw)
            for k, text in enumerate(EXTRA):
                accountant.offer(
                    f"extra-{k}", reply(f"extra{k}@example.org", QUOTES[k] + "\n" + text)
                )
        finally:
            service.close()


PATTERNS = all_patterns(_read_samples)


def test_the_audit_finds_the_patterns() -> None:
    wheres = {f.where.split("[")[0] for f in PATTERNS}
    # a module-level pattern, one in the cue table, one written in place
    assert any(w.startswith("relbot.core") and "quotes._SNIP" in w for w in wheres)
    assert any("phrases._compiled" in f.where for f in PATTERNS)
    assert any(".py:" in w for w in wheres)
    # and one built at run time (adds.py, from the words of the list)
    assert any(f.where.startswith("run time: adds.py") for f in PATTERNS)
    assert len(PATTERNS) > 150


def _hardest(found: Found) -> list[tuple[str, str | bytes]]:
    timed: list[tuple[float, str]] = []
    for label, text in pattern_inputs(found.pattern, SMALL):
        timed.append((time_search(found.pattern, text, BOUND, found.uses), label))
    timed.sort(reverse=True)
    wanted = {label for _, label in timed[:HARDEST]}
    return [(label, text) for label, text in pattern_inputs(found.pattern, BIG) if label in wanted]


@pytest.mark.parametrize("found", PATTERNS, ids=lambda f: f.where)
def test_pattern_is_linear_on_100k_adversarial_input(found: Found) -> None:
    started = time.perf_counter()
    slow = []
    hardest = _hardest(found)
    assert len(hardest) == HARDEST  # the same inputs, at BIG characters
    for label, text in hardest:
        took = time_search(found.pattern, text, BOUND, found.uses)
        if took >= BOUND:
            slow.append(f"{label}: over {took:.1f} s")
    assert not slow, f"{found.where} /{found.pattern.pattern!r}/ backtracks: " + "; ".join(slow)
    assert time.perf_counter() - started < 60
