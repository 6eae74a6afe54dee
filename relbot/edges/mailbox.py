"""Local mail sources: .eml files, maildirs and mbox files, as raw bytes.

The mbox reader streams: it never holds more than one message in memory, so a
backfill of a year's archive runs in constant memory. Messages come out in
file order with an ``origin`` that says where each was found
(``path`` or ``path#N`` for the N-th message of an mbox).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from relbot.errors import MailboxError

_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)
#: a blank line and then "From ": the next message starts after that line
_SEPARATOR = re.compile(rb"\n\r?\n(?=From )")
_BLOCK = 1 << 20


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


def maildir_files(path: Path) -> dict[str, str]:
    """The files of a maildir: the unique part of each name -> the file's path.

    ``new/`` is listed before ``cur/``: a file an MUA moves from one to the
    other while this runs is then seen at least once. The unique part (the
    name before ``:2,`` and its flags) stays the same across such moves.
    Maildir names start with the delivery time, so sorting the keys gives
    delivery order.
    """
    found: dict[str, str] = {}
    for sub in ("new", "cur"):
        try:
            entries = list(os.scandir(path / sub))
        except OSError as exc:
            raise MailboxError(f"{path / sub}: cannot list: {exc.strerror or exc}") from exc
        for entry in entries:
            if not entry.name.startswith(".") and entry.is_file():
                found.setdefault(unique_name(entry.name), entry.path)
    return found


def unique_name(file_name: str) -> str:
    """``1334580000.M1P2.host:2,S`` -> ``1334580000.M1P2.host``."""
    return file_name.split(":", 1)[0]


def read_maildir_file(path: Path) -> bytes | None:
    """A maildir file's bytes; if it moved to ``cur/`` meanwhile, from there; None if gone."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise MailboxError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    key = unique_name(path.name)
    cur = path.parent.parent / "cur"
    with contextlib.suppress(OSError):
        for entry in os.scandir(cur):
            if unique_name(entry.name) == key:
                return _read(Path(entry.path))
    return None


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


def iter_mbox(path: Path, *, block_size: int = _BLOCK) -> Iterator[RawMail]:
    """Messages of an mbox file, un-escaping mboxrd ``>From`` lines.

    A message starts after a ``From `` line that follows a blank line (or
    opens the file); the blank line before it belongs to the mbox. A stretch
    with nothing but that blank line comes out as an empty message.
    """
    index = 0
    try:
        with path.open("rb") as handle:
            for raw in _split_mbox(handle, block_size):
                yield RawMail(f"{path}#{index}", raw)
                index += 1
    except OSError as exc:
        raise MailboxError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _split_mbox(handle: BinaryIO, block_size: int) -> Iterator[bytes]:
    # Read in blocks and cut each at its last line end, so separators are
    # found with one regex search per block instead of a loop per line.
    parts: list[bytes] = []
    pending: list[bytes] = []  # the start of a line no block has ended yet
    after_blank = True  # the file's start counts as after a blank line
    while True:
        block = handle.read(block_size)
        cut = block.rfind(b"\n") + 1
        if block and not cut:
            pending.append(block)
            continue
        region = b"".join((*pending, block[:cut] if block else b""))
        pending = [block[cut:]] if block else []
        if region:
            # the lines before the region decide whether its first line may
            # be a separator: give the regex that context as a prefix
            text = (b"\n\n" if after_blank else b"\n") + region
            pos = 2 if after_blank else 1
            for sep in _SEPARATOR.finditer(text):
                parts.append(text[pos : sep.end()])
                raw = b"".join(parts)
                parts = []
                if raw:
                    yield _finish(raw)
                line_end = text.find(b"\n", sep.end())
                pos = len(text) if line_end < 0 else line_end + 1
            parts.append(text[pos:])
            after_blank = text.endswith((b"\n\n", b"\n\r\n"))
        if not block:
            break
    raw = b"".join(parts)
    if raw:
        yield _finish(raw)


def _finish(raw: bytes) -> bytes:
    if b">From " in raw:
        raw = _MBOXRD_ESCAPE.sub(rb"\1", raw)
    # the blank line before the next "From " belongs to the mbox, not the mail
    if raw in (b"\n", b"\r\n"):
        return b""
    if raw.endswith(b"\n\n"):
        return raw[:-1]
    if raw.endswith(b"\n\r\n"):
        return raw[:-2]
    return raw


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MailboxError(f"{path}: cannot read: {exc.strerror or exc}") from exc
