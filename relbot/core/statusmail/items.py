"""Reading one item's head: its id, tags, text, owners and status wording.

A status mail writes an item as ``[T12] [BUG] text (Owner, status words)``,
sometimes with a ``[x]`` / ``[ ]`` checkbox first or a ``[FIXED]`` last.
Owners are recognised by shape (capitalised name-like words, ``et al``, names
the RM listed) and status by vocabulary, never by a regex per mail. Words in
the trailing parentheses that are neither stay in ``status_note``, so the
renderer can give them back. ``status_part`` is the renderer's side of the
same vocabulary: ``read_item_head(format_item_head(head))`` gives ``head``
back, which is what makes render -> import -> render a fixed point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relbot.core.statusmail.words import (
    DEFAULT_NOT_NAMES,
    DEFAULT_NOT_TAGS,
    DEFAULT_PROGNOSIS_WORDS,
    DEFAULT_STATUS_WORDS,
)
from relbot.core.tracker.model import Status

_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del"})
_ID = re.compile(r"\[(T\d+)\]\s*")
#: "[BUG]", "[CHECK(?)]", and the release an item targets: "[5.2]", "[5.2?]", "[next-rel(s)]"
_TAG = re.compile(r"\[([A-Z][A-Z0-9_-]*(?:\(\?\))?|\d{1,2}\.\d{1,3}\??|next-rel(?:\(s\))?\??)\]\s*")
#: a version delta: "v8 -> v9", "->v4", "v16->v20->v21": where the series is now
_DELTA = re.compile(r"(?i)^(?:v\d+\s*)?(?:-+>\s*v\d+\s*)+$")
_SEPARATOR = re.compile(r"(?<!\s)(?:\s*+[,&;]|\s++--?\s|\s*+\band\b)\s*+")
_VERSION = re.compile(r"(?i)^(v\d+(?:\.\d+)?|rfc(?:\s+v\d+)?)$")
_VERSION_IN = re.compile(r"\b(v\d+(?:\.\d+)?)\b")
_RELEASE_IN = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
_DEFERRAL = re.compile(
    r"(?i)\bdefer(?:red)?\s+(?:this\s+|it\s+)?(?:to|until|till|for)\s+(\d+\.\d+(?:\.\d+)?)"
)
_SUFFIX = re.compile(r"(?<![.,;:!?])[.,;:!?]*+$")
_CHECKBOX = re.compile(r"^\[([ xX✓✔]?)\]\s+")
_STATE_TAG = re.compile(r"(?<!\s)\s*+\[([A-Za-z][A-Za-z ]{1,30})\]\s*+$")
_EMAILISH = re.compile(r"^[\w.+-]+@[\w.-]+$")


@dataclass(frozen=True, slots=True)
class ItemHead:
    """What one item line (joined across its wrapping) says."""

    text: str
    item_id: str = ""
    tags: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    status: Status = Status.OPEN
    status_note: str = ""
    version: str = ""
    release: str = ""
    #: True when the owner parentheses were cut off (the archive truncates)
    unclosed: bool = False


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The word lists the head reader and the renderer share."""

    people: tuple[str, ...] = ()
    status_words: tuple[tuple[str, str], ...] = DEFAULT_STATUS_WORDS
    prognosis_words: tuple[str, ...] = DEFAULT_PROGNOSIS_WORDS
    not_names: tuple[str, ...] = DEFAULT_NOT_NAMES
    not_tags: tuple[str, ...] = DEFAULT_NOT_TAGS


def deferral_release(text: str) -> str | None:
    """ "defer to 4.3" / "Deferred until 4.3" in free text: the release, else None."""
    m = _DEFERRAL.search(text)
    return m.group(1) if m else None


_WILL_BE_IN = re.compile(r"(?i)\bwill\s+(?:be|go|land)\s+in\s+(\d+\.\d+)\b")


def later_release(text: str) -> str | None:
    """ "deferred to 4.19", "will be in 4.4": the release an item waits for, else None."""
    m = _WILL_BE_IN.search(text)
    return deferral_release(text) or (m.group(1) if m else None)


def looks_like_name(segment: str, vocab: Vocabulary) -> bool:
    """True for "Ian J", "IanJ", "Roger Pau Monné", "Intel", a listed person."""
    seg = segment.strip()
    if not seg or len(seg) > 60:
        return False
    lowered = seg.lower()
    if any(lowered == p.lower() for p in vocab.people):
        return True
    if _EMAILISH.match(seg):
        return True
    words = seg.split()
    if not 1 <= len(words) <= 4 or words[0] in vocab.not_names:
        return False
    if _status_of(seg, vocab) is not None:
        return False
    for i, word in enumerate(words):
        if i and word in _PARTICLES:
            continue
        if not _name_word(word, first=i == 0):
            return False
        # "Anthony PERARD" is a name; "PATCHES" or "ARM SMMU" are not
        if word.isupper() and len(word) > 5 and (i == 0 or words[0].isupper()):
            return False
    return True


def _name_word(word: str, *, first: bool) -> bool:
    """ "Ian", "MonnÃ", "O'Neil", "Jean-Luc"; after the first word also "J."."""
    if not word[0].isupper():
        return False
    if word.replace("-", "").replace("'", "").isalpha():
        return True
    return not first and len(word) <= 3 and word.rstrip(".").isalpha()


def _status_of(segment: str, vocab: Vocabulary) -> tuple[Status, str, str] | None:
    """(status, version, release) a segment announces, or None."""
    seg = " ".join(segment.lower().split())
    if _VERSION.match(seg):
        return Status.PATCHES_POSTED, segment.strip(), ""
    if _DELTA.match(seg):
        return Status.PATCHES_POSTED, _VERSION_IN.findall(seg)[-1], ""
    for phrase, value in vocab.status_words:
        if seg == phrase or (seg.startswith(phrase) and not seg[len(phrase)].isalnum()):
            status = Status(value)
            version = ""
            release = ""
            if status is Status.PATCHES_POSTED:
                m = _VERSION_IN.search(segment)
                version = m.group(1) if m else ""
            if status is Status.DEFERRED:
                m = _RELEASE_IN.search(segment)
                release = m.group(1) if m else ""
            return status, version, release
    if seg in vocab.prognosis_words:
        return Status.OPEN, "", ""
    return None


def status_part(status: Status, version: str, release: str) -> str:
    """The canonical words for a status inside the owner parentheses."""
    match status:
        case Status.OPEN:
            return ""
        case Status.PATCHES_POSTED:
            return version or "patches posted"
        case Status.DONE:
            return "DONE"
        case Status.DEFERRED:
            return f"deferred until {release}" if release else "deferred"
        case _:
            return status.value


def format_owners(owners: tuple[str, ...]) -> str:
    """ "Tim Deegan, Olaf Herring et al": "et al" joins with a space."""
    out = ""
    for owner in owners:
        if owner == "et al" and out:
            out += " et al"
        else:
            out += (", " if out else "") + owner
    return out


def _segments(content: str) -> list[tuple[str, int]]:
    """Split parenthesised words at separators: (segment, end offset of it)."""
    parts: list[tuple[str, int]] = []
    start = 0
    for m in _SEPARATOR.finditer(content):
        parts.append((content[start : m.start()], m.end()))
        start = m.end()
    parts.append((content[start:], len(content)))
    return parts


def _read_parens(
    content: str, vocab: Vocabulary
) -> tuple[tuple[str, ...], Status, str, str, str] | None:
    """Owners and status in a trailing parenthesis; None if it is just text."""
    owners: list[str] = []
    rest_at = 0
    for seg, end in _segments(content):
        name = seg.strip()
        tail = ""
        if name.endswith(" et al"):
            name, tail = name[: -len(" et al")].strip(), "et al"
        if name == "et al" and owners:
            owners.append("et al")
            rest_at = end
            continue
        if not looks_like_name(name, vocab):
            break
        owners.append(name)
        if tail:
            owners.append(tail)
        rest_at = end
    rest = content[rest_at:].strip() if rest_at < len(content) else ""
    status, version, release = Status.OPEN, "", ""
    known = False
    for seg, _end in _segments(rest) if rest else []:
        found = _status_of(seg, vocab)
        if found is not None:
            status, version, release = found
            known = True
            break
    if not owners and not known:
        return None
    if status is Status.DEFERRED and not release:
        release = deferral_release(rest) or ""
    note = rest
    canonical = status_part(status, version, release).lower()
    if note.lower() == canonical:
        note = ""
    elif canonical and note.lower().startswith(canonical + ", "):
        # "(Ian J, in progress, waiting on review)": the status, then a note
        note = note[len(canonical) + 2 :]
    return tuple(owners), status, note, version, release


def announced_status(note: str, vocab: Vocabulary) -> Status | None:
    """The status a note's own words give ("patches sent" -> patches posted)."""
    for seg, _end in _segments(note):
        found = _status_of(seg, vocab)
        if found is not None:
            return found[0]
    return None


def _trailing_group(text: str) -> tuple[int, int, bool] | None:
    """(start of "(", end of ")" or len, closed?) of the item's last parenthesis."""
    body = _SUFFIX.sub("", text.rstrip())
    if body.endswith(")"):
        depth = 0
        for i in range(len(body) - 1, -1, -1):
            if body[i] == ")":
                depth += 1
            elif body[i] == "(":
                depth -= 1
                if depth == 0:
                    return i, len(body), True
        return None
    open_at = text.rfind("(")
    if open_at >= 0 and ")" not in text[open_at:]:
        return open_at, len(text), False
    return None


def ends_with_state(text: str, vocab: Vocabulary) -> bool:
    """True when the text ends with a closed ``(owner, status)`` group."""
    group = _trailing_group(text)
    if group is None or not group[2]:
        return False
    start, end, _closed = group
    return _read_parens(" ".join(text[start + 1 : end - 1].split()), vocab) is not None


def read_item_head(raw: str, vocab: Vocabulary) -> ItemHead:
    """Read ``[T12] [BUG] text (Owner, status)`` joined from its lines."""
    text = raw.strip()
    item_id = ""
    m = _ID.match(text)
    if m:
        item_id, text = m.group(1), text[m.end() :]
    box = _CHECKBOX.match(text)
    ticked = Status.OPEN
    if box is not None:
        text = text[box.end() :]
        ticked = Status.DONE if box.group(1).strip() else Status.OPEN
    tags: list[str] = []
    while (m := _TAG.match(text)) is not None and m.group(1) not in vocab.not_tags:
        tags.append(m.group(1))
        text = text[m.end() :]
    owners: tuple[str, ...] = ()
    status, note, version, release = ticked, "", "", ""
    said = _STATE_TAG.search(text)
    if said is not None and (found_tag := _status_of(said.group(1), vocab)) is not None:
        # "race  [FIXED]": the bracket says the status, like a parenthesis would
        text = text[: said.start()]
        status, version, release = found_tag if status is Status.OPEN else (status, "", "")
    unclosed = False
    group = _trailing_group(text)
    if group is not None:
        start, end, closed = group
        inner = text[start + 1 : end - 1] if closed else text[start + 1 :]
        found = _read_parens(" ".join(inner.split()), vocab)
        if found is not None:
            ticked = status
            owners, status, note, version, release = found
            if status is Status.OPEN:
                status = ticked
            suffix = text[end:].strip() if closed else ""
            text = text[:start].rstrip() + suffix
            unclosed = not closed
    if status is Status.OPEN:
        later = deferral_release(text)
        if later is not None:
            status, release = Status.DEFERRED, later
    return ItemHead(
        text=text.strip(),
        item_id=item_id,
        tags=tuple(tags),
        owners=owners,
        status=status,
        status_note=note,
        version=version,
        release=release,
        unclosed=unclosed,
    )


def format_item_head(
    head: ItemHead, *, show_id: bool, state_said: bool = False, vocab: Vocabulary | None = None
) -> str:
    """One line for an item head; ``state_said``: the text already says the status.

    A note that words the status itself ("patches sent", "So, DONE with no action
    required") stands alone; any other note follows the status words.
    """
    parts = [f"[{head.item_id}]"] if show_id and head.item_id else []
    parts += [f"[{tag}]" for tag in head.tags]
    parts.append(head.text)
    state = "" if state_said else status_part(*_state(head))
    note = head.status_note
    # a version the note does not give is news that the note's words would hide
    untold = bool(head.version) and head.version.lower() not in note.lower()
    other = announced_status(note, vocab or Vocabulary()) is not head.status
    words = f"{state}, {note}" if note and state and (untold or other) else note or state
    inner = ", ".join(p for p in (format_owners(head.owners), words) if p)
    if inner:
        parts.append(f"({inner})")
    return " ".join(p for p in parts if p)


def _state(head: ItemHead) -> tuple[Status, str, str]:
    return head.status, head.version, head.release


def head_key(head: ItemHead) -> str:
    """What a hand layout was written for: it is kept while this stays the same."""
    return "\x1f".join(
        (
            " ".join(head.text.split()),
            ",".join(head.tags),
            ",".join(head.owners),
            head.status.value,
            " ".join(head.status_note.split()),
            head.version,
            head.release,
        )
    )
