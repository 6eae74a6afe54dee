"""Cleaning a status mail's text into numbered lines before it is read.

Mail copied from the web archive carries the page's chrome: the
``[Date Prev][Date Next]...`` navigation, the title, ``• To:/From:`` bullets,
and after the body the list footer ("Xen-devel mailing list", a mailman
``____`` rule, the hosting blurb). A ``-- `` signature ends the body too.
Binary junk and absurdly long lines are skipped with a problem noted, so the
reader behind this stays linear on any input.

Text that is still quoted-printable in places (a soft break ``=`` at a line's
end, ``=20``, ``Monn=C3=A9``: the archive or a mail client left it so) is
decoded first, when it shows enough of those marks to be sure.

``signoff_at`` finds where the sender signs off ("Best regards,\n Oleksii",
"Thanks,\nGeorge", a lone "Paul" or "Ian."): no part of any section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: longer lines are not prose a person wrote (base64, binary, minified HTML)
MAX_LINE = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAV = re.compile(r"^\s*\[Date Prev\]")
_HEADER_BULLET = re.compile(r"^\s*•\s*[A-Za-z][A-Za-z-]*:")
_FOOTERS = (
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^\S+ mailing list\s*$"),
    re.compile(r"(?i)^lists\.\S+ is hosted with"),
)


_SOFT_BREAK = re.compile(r"(?<=[^\s=])=\n")
_QP_MARK = re.compile(r"(?<=[^\s=])=\n|=20$|=3D", re.MULTILINE)
_QP_BYTES = re.compile(r"(?:=[0-9A-F]{2})+")
#: fewer marks than this are an "a=b" or a URL's query, not an encoding
_QP_EVIDENCE = 2


def undo_quoted_printable(text: str) -> str:
    """Join soft line breaks and decode ``=XX`` runs, if the text is still encoded."""
    for marks, _ in enumerate(_QP_MARK.finditer(text), start=1):
        if marks >= _QP_EVIDENCE:
            break
    else:
        return text
    return _QP_BYTES.sub(_qp_run, _SOFT_BREAK.sub("", text))


def _qp_run(m: re.Match[str]) -> str:
    """ "=C3=A9" -> "é", "=20" -> " "; a run that is no UTF-8 text stays as it was."""
    raw = bytes(int(h, 16) for h in m.group(0).split("=")[1:])
    if all(b >= 0x80 or b in (0x09, 0x20, 0x3D) for b in raw):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return m.group(0)
    return m.group(0)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the body; ``number`` counts from 1 in the text given."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Cleaned:
    lines: list[Line]
    title: str
    problems: tuple[str, ...]


def clean_lines(text: str) -> Cleaned:
    """The body's lines with archive chrome, footer and signature removed."""
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    raw = undo_quoted_printable(unix).split("\n")
    lines: list[Line] = []
    problems: list[str] = []
    title = ""
    want_title = False
    content_seen = False
    skipped = 0
    for number, original in enumerate(raw, start=1):
        if original in ("-- ", "--"):
            break
        line = original.replace("\xa0", " ").replace("\t", "        ").rstrip()
        if len(line) > MAX_LINE or _CONTROL.search(line):
            skipped += 1
            if skipped <= 20:
                why = "too long" if len(line) > MAX_LINE else "binary or control characters"
                problems.append(f"line {number}: skipped ({why})")
            continue
        if _NAV.match(line):
            if content_seen:
                break
            want_title = True
            continue
        if not line:
            lines.append(Line(number, ""))
            continue
        if want_title:
            title, want_title = line.strip(), False
            continue
        if _HEADER_BULLET.match(line) and not content_seen:
            continue
        if any(p.match(line) for p in _FOOTERS):
            break
        content_seen = True
        lines.append(Line(number, line))
    if skipped > 20:
        problems.append(f"... {skipped - 20} more lines skipped")
    return Cleaned(unmark_changes(lines), title, tuple(problems))


#: a diff-style edition marks what is new with "+" in the first column
_MARKED_BULLET = re.compile(r"^\+(\s+[*•-]\s+\S)")
_MARKED_TEXT = re.compile(r"^\+ \S")


def unmark_changes(lines: list[Line]) -> list[Line]:
    """A diff-style edition's "+" change markers taken off, where they are markers.

    "+   * New item (Owner)" is a new item; a run of "+ " lines whose later lines
    go on with a small letter is a changed sentence, not a list of "+" bullets.
    """
    out = [Line(ln.number, _MARKED_BULLET.sub(r" \1", ln.text)) for ln in lines]
    n = 0
    while n < len(out):
        end = n
        while end < len(out) and _MARKED_TEXT.match(out[end].text):
            end += 1
        if end - n >= 2 and any(ln.text[2:3].islower() for ln in out[n + 1 : end]):
            out[n:end] = [Line(ln.number, " " + ln.text[1:]) for ln in out[n:end]]
        n = max(end, n + 1)
    return out


_CLOSING = re.compile(
    r"(?i)^(?:(?:best|kind|warm|many)\s+)?(?:regards|wishes|thanks|thank\s+you|cheers|br|ta"
    r"|greetings|sincerely|all\s+the\s+best)(?:\s+\w+)?\s*[,.!]*$"
)
_NAME = re.compile(r"^[~\-]*\s*[A-Z][\w'-]*(?:\s+[A-Z][\w'.-]*){0,2}\s*[.,]?$")


def signoff_at(lines: list[Line]) -> int:
    """Index of the first line of the closing greeting and name, else ``len(lines)``."""
    end = len(lines)
    while end and not lines[end - 1].text.strip():
        end -= 1
    start = end
    while start and lines[start - 1].text.strip():
        start -= 1
    block = [ln.text for ln in lines[start:end]]
    if (
        not start
        or not block
        or len(block) > 3
        or block[0][:1] in ("*", "[", "|")
        or block[0].startswith("  ")
    ):
        return len(lines)
    if _CLOSING.match(block[0].strip()):
        return start
    if len(block) == 1 and _NAME.match(block[0].strip()) and len(block[0].split()) <= 3:
        # a lone name: the greeting may stand in the paragraph above it
        above = start - 1
        while above and not lines[above - 1].text.strip():
            above -= 1
        if above and _CLOSING.match(lines[above - 1].text.strip()):
            return above - 1
        return start
    return len(lines)
