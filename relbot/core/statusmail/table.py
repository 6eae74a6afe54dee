"""Items written as a table: ``| Item | Owner | Status |``, one row per item.

A header row names the columns; ``OutlineHints.table_columns`` maps each
name to an item field (text, owners, status, links, notes), by the whole
name or by one of its words ("Owner(s)", "Current status"). A column no hint
names becomes a note, "Column: value". Rule rows (``|---|---|``, a
``+----+----+`` border) are skipped. A row a mail client wrapped (it does not
end with ``|``) goes on on the next line that does not start a row; in a
table drawn with ``+---+`` borders, the lines between two borders are one
row, each cell's pieces joined.

The reader asks ``TableReader.feed`` about each line and ``end`` at a blank
line; a finished row comes back as a ``DraftItem`` with the row's cells as
its attribute lines, for ``outline_build`` to read like any other item's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from relbot.core.statusmail.draft import DraftAttr, DraftItem

_RULE = re.compile(r"^[|+]?(?:\s*:?[-=]{2,}:?\s*[|+])*\s*:?[-=]{2,}:?\s*[|+]?$")
_RULE_CHARS = frozenset("|+-=: \t")
_URL = re.compile(r"(?i)(?:https?|ftp)://\S+|<[^<>\s]+@[^<>\s]+>")
#: a cell that says nothing
_EMPTY = frozenset(("", "-", "--", "?", "n/a", "none", "tbd"))
#: a row longer than this is no table a person wrote
_MAX_ROW = 2000


_STAR = re.compile(r"^\s*[*•]\s+\S")


def starred_block(lines: Iterable[str]) -> bool:
    """Whether the block up to the next blank line lists ``*`` bullets."""
    for text in lines:
        if not text.strip():
            return False
        if _STAR.match(text):
            return True
    return False


def cells_of(text: str) -> list[str] | None:
    """The cells of a ``| a | b |`` row, or None for a line that is no row."""
    stripped = text.strip()
    if not stripped.startswith("|") or len(stripped) < 2:
        return None
    inner = stripped[1:-1] if stripped.endswith("|") else stripped[1:]
    return [c.strip() for c in inner.split("|")]


def is_rule(text: str) -> bool:
    """``|----|:---:|`` or ``+-----+-----+``: a table's rule row."""
    stripped = text.strip()
    if not stripped or not _RULE_CHARS.issuperset(stripped):
        return False
    return _RULE.match(stripped) is not None


def column_field(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    """The field a column header names: by the whole name, else by one of its words."""
    low = " ".join(re.findall(r"[a-z0-9]+", name.lower()))
    for phrase, field in columns:
        if low == phrase:
            return field
    words = low.split()
    for phrase, field in columns:
        if phrase in words:
            return field
    return ""


def header_fields(text: str, columns: tuple[tuple[str, str], ...]) -> list[str] | None:
    """Each column's field when ``text`` is a header row naming the item's text and
    another known field; None otherwise."""
    cells = cells_of(text)
    if cells is None or len(cells) < 2:
        return None
    fields = [column_field(c, columns) for c in cells]
    if "text" not in fields or sum(1 for f in fields if f) < 2:
        return None
    return fields


class TableReader:
    """The table being read, if any, and its row being gathered."""

    def __init__(self, columns: tuple[tuple[str, str], ...]) -> None:
        self.columns = columns
        self.fields: list[str] | None = None
        self.names: list[str] = []
        self.grid = False
        self.row: list[str] | None = None
        self.row_line = 0
        #: the row so far does not end with "|": the next line goes on with it
        self.wrapped = False

    @property
    def active(self) -> bool:
        return self.fields is not None

    def feed(self, text: str, number: int, next_text: str) -> tuple[bool, DraftItem | None]:
        """(whether the line is the table's, a row it finished)."""
        if self.fields is None:
            if is_rule(text) and "+" in text and header_fields(next_text, self.columns):
                self.grid = True
                return True, None
            fields = header_fields(text, self.columns)
            if fields is None:
                return False, None
            self.fields, self.names = fields, cells_of(text) or []
            return True, None
        if is_rule(text):
            done = self._finish()
            self.grid = self.grid or "+" in text
            return True, done
        cells = cells_of(text)
        if cells is None:
            if self.wrapped and self.row is not None:
                self._extend(text)
                return True, None
            return False, self.end()
        done = None if self.grid else self._finish()
        if self.row is None:
            self.row, self.row_line = [], number
        self.row = _merge(self.row, cells) if self.grid else cells
        self.wrapped = not text.rstrip().endswith("|")
        return True, done

    def end(self) -> DraftItem | None:
        """The table ends (a blank line, prose): its last row, if one is open."""
        done = self._finish()
        self.fields, self.names, self.grid = None, [], False
        return done

    def _extend(self, text: str) -> None:
        assert self.row is not None
        more = [c.strip() for c in text.strip().rstrip("|").split("|")]
        if self.row:
            self.row[-1] = f"{self.row[-1]} {more[0]}".strip()
            self.row += more[1:]
        else:
            self.row = more
        self.wrapped = not text.rstrip().endswith("|")

    def _finish(self) -> DraftItem | None:
        row, self.row, self.wrapped = self.row, None, False
        if row is None or self.fields is None or sum(map(len, row)) > _MAX_ROW:
            return None
        return row_item(row, self.fields, self.names, self.row_line)


def _merge(row: list[str], cells: list[str]) -> list[str]:
    """A grid row's next line: each cell's words go on in the same column."""
    out = list(row)
    for i, cell in enumerate(cells):
        if i < len(out):
            out[i] = f"{out[i]} {cell}".strip()
        else:
            out.append(cell)
    return out


def row_item(row: list[str], fields: list[str], names: list[str], line: int) -> DraftItem | None:
    """One row as an item: its text cell the title, the other cells attribute lines."""
    text = ""
    attrs: list[DraftAttr] = []
    for i, cell in enumerate(row):
        value = " ".join(cell.split())
        if value.lower() in _EMPTY:
            continue
        field = fields[i] if i < len(fields) else ""
        if field == "text" and not text:
            text = value
            continue
        if field == "owners":
            kind = "owner"
        elif field == "status":
            kind = "status"
        elif field == "links" and _URL.search(value):
            kind = "link"
            for url in _URL.findall(value):
                attrs.append(DraftAttr(1, kind, [url], line))
            continue
        else:
            kind = "text"
            name = names[i] if i < len(names) else ""
            if field not in ("notes", "links") and name:
                value = f"{name}: {value}"
        attrs.append(DraftAttr(1, kind, [value], line))
    if not text:
        return None
    item = DraftItem(0, line, "|", [text])
    item.attrs = attrs
    return item
