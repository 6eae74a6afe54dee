"""Local mail sources: .eml files, maildirs and mbox files, as raw bytes.

The mbox reader streams: it never holds more than one message in memory, so a
backfill of a year's archive runs in constant memory. Messages come out in
file order with an ``origin`` that says where each was found
(``path`` or ``path#N`` for the N-th message of an mbox).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from relbot.errors import MailboxError

_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )")


@dataclass(frozen=True, slots=True)
class RawMail:
    origin: str
    raw: bytes


def iter_paths(paths: Sequence[Path]) -> Iterator[RawMail]:
    """Every message under the given files and folders, in a stable order."""
    for path in paths:
        if path.is_dir():
            if is_maildir(path):
                yield from iter_maildir(path)
            else:
                for child in sorted(p for p in path.iterdir() if p.is_file()):
                    yield from iter_file(child)
        elif path.is_file():
            yield from iter_file(path)
        else:
            raise MailboxError(f"{path}: no such file or folder")


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def iter_maildir(path: Path) -> Iterator[RawMail]:
    """Messages of a maildir (``new/`` and ``cur/``), oldest file name first."""
    files = [p for sub in ("new", "cur") for p in (path / sub).iterdir() if p.is_file()]
    # maildir file names start with the delivery time, so this is delivery order
    for file in sorted(files, key=lambda p: p.name):
        yield RawMail(str(file), _read(file))


def iter_file(path: Path) -> Iterator[RawMail]:
    """One .eml, or every message of an mbox (recognised by its first line)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError as exc:
        raise MailboxError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if head == b"From ":
        yield from iter_mbox(path)
    else:
        yield RawMail(str(path), _read(path))


def iter_mbox(path: Path) -> Iterator[RawMail]:
    """Messages of an mbox file, un-escaping mboxrd ``>From`` lines."""
    lines: list[bytes] = []
    index = 0
    previous_blank = True
    try:
        with path.open("rb") as handle:
            for line in handle:
                if line.startswith(b"From ") and previous_blank:
                    if lines:
                        yield RawMail(f"{path}#{index}", _finish(lines))
                        index += 1
                    lines = []
                    previous_blank = False
                    continue
                previous_blank = line in (b"\n", b"\r\n")
                lines.append(_MBOXRD_ESCAPE.sub(rb"\1", line) if line.startswith(b">") else line)
    except OSError as exc:
        raise MailboxError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if lines:
        yield RawMail(f"{path}#{index}", _finish(lines))


def _finish(lines: list[bytes]) -> bytes:
    # the blank line before the next "From " belongs to the mbox, not the mail
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MailboxError(f"{path}: cannot read: {exc.strerror or exc}") from exc
