"""The mbox reader: where messages start, what is un-escaped, block edges."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relbot.edges.mailbox import iter_mbox

_ESCAPE = re.compile(rb"^>(>*From )")


def read_per_line(data: bytes) -> Iterator[bytes]:
    """The reader's rules one line at a time: what the block reader must equal."""
    lines: list[bytes] = []
    previous_blank = True
    # a binary file's lines end at LF only (bytes.splitlines also splits at CR)
    for line in re.findall(rb"[^\n]*\n|[^\n]+$", data):
        if line.startswith(b"From ") and previous_blank:
            if lines:
                yield _drop_blank(lines)
            lines = []
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        lines.append(_ESCAPE.sub(rb"\1", line))
    if lines:
        yield _drop_blank(lines)


def _drop_blank(lines: list[bytes]) -> bytes:
    return b"".join(lines[:-1] if lines[-1] in (b"\n", b"\r\n") else lines)


def read(tmp_path: Path, data: bytes, block_size: int = 1 << 20) -> list[bytes]:
    path = tmp_path / "box.mbox"
    path.write_bytes(data)
    mails = list(iter_mbox(path, block_size=block_size))
    assert [m.origin for m in mails] == [f"{path}#{i}" for i in range(len(mails))]
    return [m.raw for m in mails]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"From a\nX: 1\n\nbody\n\nFrom b\nX: 2\n\nbody 2\n",
            [b"X: 1\n\nbody\n", b"X: 2\n\nbody 2\n"],
        ),
        # a "From " line not after a blank line is body text
        (b"From a\nX: 1\n\nbody\nFrom here on\n", [b"X: 1\n\nbody\nFrom here on\n"]),
        # mboxrd: one ">" comes off ">From " and ">>From " lines, not others
        (b"From a\n\n>From x\n>>From y\n> From z\n", [b"\nFrom x\n>From y\n> From z\n"]),
        (
            b"From a\r\nX: 1\r\n\r\nbody\r\n\r\nFrom b\r\nX: 2\r\n",
            [b"X: 1\r\n\r\nbody\r\n", b"X: 2\r\n"],
        ),
        # a stretch holding only the separating blank line is an empty message
        (b"From a\n\nFrom b\nX: 2\n", [b"", b"X: 2\n"]),
        (b"From a\nX: 1\n\nbody", [b"X: 1\n\nbody"]),  # no final newline
        (b"X: 0\n\nFrom a\nX: 1\n", [b"X: 0\n", b"X: 1\n"]),  # text before the first From
        (b"From a\n", []),
        (b"", []),
    ],
)
def test_mbox_messages(tmp_path: Path, data: bytes, expected: list[bytes]) -> None:
    assert read(tmp_path, data) == expected
    assert read(tmp_path, data, block_size=3) == expected
    assert list(read_per_line(data)) == expected


_LINES = st.lists(
    st.sampled_from(
        [b"From a@b Mon Apr 16", b"From ", b">From x", b">>From y", b"X: 1", b"", b"\r", b"body"]
    ).flatmap(lambda text: st.sampled_from([text + b"\n", text + b"\r\n", text])),
    max_size=25,
)


@settings(max_examples=400, deadline=None)
@given(_LINES, st.integers(min_value=1, max_value=40))
def test_block_reader_equals_reading_line_by_line(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], block_size: int
) -> None:
    data = b"".join(lines)
    tmp = tmp_path_factory.mktemp("mbox")
    assert read(tmp, data, block_size) == list(read_per_line(data))
