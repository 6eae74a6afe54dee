"""Find what a piece of mail text points at: archive URLs, Message-IDs, bugs, commits.

A pointer is whatever lets the release manager follow a claim: a lore or
patchew URL (and the Message-ID inside it), a mailman archive page, a bug
tracker URL, ``<message-id>``, a commit hash and its subject, an advisory
(``XSA-123``), a tracker id (``XEN-28``) or a patch-series subject. Text is
what people typed, so matching is lenient and nothing here raises.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import unquote


class PointerKind(StrEnum):
    ARCHIVE = "archive"
    PATCHEW = "patchew"
    MAILMAN = "mailman"
    BUG = "bug"
    URL = "url"
    MESSAGE_ID = "message-id"
    COMMIT = "commit"
    ADVISORY = "advisory"
    TRACKER = "tracker"
    PATCH = "patch"


@dataclass(frozen=True, slots=True)
class Pointer:
    kind: PointerKind
    #: canonical text: the URL, the Message-ID, "XSA-123", the commit hash, the patch subject
    value: str
    url: str = ""
    message_id: str = ""
    #: commit or patch subject
    title: str = ""


#: a URL ends at a space, a bracket or quote, or a control character (a NUL
#: in a mail is never part of the address it points at)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
_TRAILING = ".,;:!?*'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}

_COMMIT_URL = re.compile(
    r"/-?/?commits?/(?:\?id=)?([0-9a-f]{7,40})\b|[;?&]h=([0-9a-f]{7,40})\b|[?&]id=([0-9a-f]{7,40})\b"
)
_PATCH_URL = re.compile(r"github\.com/[^/]+/[^/]+/pull/\d+|/-/merge_requests/\d+", re.IGNORECASE)
_BUG_URL = re.compile(
    r"show_bug\.cgi|/browse/[A-Z][A-Z0-9]+-\d+|/-/(?:issues|work_items)/\d+|/issues/\d+"
    r"|/\+bug/\d+|/bugs?/\d+|^https?://bugs\.|/tracker/\d+|/ticket/\d+",
    re.IGNORECASE,
)
_MAILMAN_URL = re.compile(
    r"/archives/html/[^/]+/\d{4}-\d{2}/|/pipermail/|/archives/list/|/hyperkitty/"
    r"|marc\.info/\?|mail-archive\.com/|markmail\.org/|lkml\.org/lkml/\d",
    re.IGNORECASE,
)
_MSGID_IN_BRACKETS = re.compile(r"<([^<>\s@\x00-\x1f\x7f]{1,250}@[^<>\s@\x00-\x1f\x7f]{1,250})>")
_ADDRESS_LINE = re.compile(
    r"^[>\s]*(?:From|To|Cc|Bcc|Reply-To|Sender|[\w-]+-by|CC)\s*:|wrote:\s*$|writes:\s*$",
    re.IGNORECASE,
)
_ID_LINE = re.compile(r"^[>\s]*(?:Message-Id|In-Reply-To|References|Link)\s*:", re.IGNORECASE)
# bounded repeats throughout: a hostile line must not make a pattern quadratic
_COMMIT_QUOTED = re.compile(r"\b([0-9a-f]{7,40})[ \t]{0,3}\([ \t]{0,3}\"(.{1,200}?)\"[ \t]{0,3}\)")
_COMMIT_WORD = re.compile(r"\bcommit\s+([0-9a-f]{7,40})\b[:,]?[ \t]*([^\n]*)", re.IGNORECASE)
_COMPONENT_SUBJECT = re.compile(r"^[\w.+-]+(?:/[\w.+-]+)*:\s+\S")
_BARE_HASH = re.compile(r"(?<![\w./#=-])([0-9a-f]{12,40})(?![\w@/-])")
_ADVISORY = re.compile(r"\b(XSA-\d{1,5}|CVE-\d{4}-\d{4,7})\b", re.IGNORECASE)
_BUG_NUMBER = re.compile(r"\bbug\s*#\s*(\d{1,9})\b", re.IGNORECASE)
_PATCH_SUBJECT = re.compile(
    r"\[([^\[\]\n]{0,60}\b(?:PATCH|RFC|PULL)\b[^\[\]\n]{0,60})\][ \t]*(\S[^\n]*)"
)


def _trim_url(url: str) -> str:
    """Drop what ends a sentence or a bracket around the URL, not the URL itself."""
    counts = {ch: url.count(ch) for ch in "()[]{}"}
    end = len(url)
    while end:
        last = url[end - 1]
        unbalanced = last in _PAIRS and counts[last] > counts[_PAIRS[last]]
        if last not in _TRAILING and not unbalanced:
            break
        counts[last] = counts.get(last, 0) - 1
        end -= 1
    return url[:end]


def _msgid_segment(path: str) -> list[str]:
    segments = [unquote(s) for s in path.split("/")]
    return [s for s in segments if re.fullmatch(r"[^@\s]++@[^@\s]++", s)]


def classify_url(url: str) -> Pointer:
    """What kind of pointer one (already trimmed) URL is."""
    _, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    host = host.rpartition("@")[2].lower()
    path = "/" + path.split("#", 1)[0]
    commit = _COMMIT_URL.search(path)
    if commit and ("git" in host or "commit" in path):
        return Pointer(PointerKind.COMMIT, next(g for g in commit.groups() if g), url=url)
    if _MAILMAN_URL.search(url):
        return Pointer(PointerKind.MAILMAN, url, url=url)
    ids = _msgid_segment(path.split("?", 1)[0])
    if ids and "patchew" in host:
        return Pointer(PointerKind.PATCHEW, url, url=url, message_id=ids[-1])
    if ids:
        return Pointer(PointerKind.ARCHIVE, url, url=url, message_id=ids[0])
    if _PATCH_URL.search(url):
        return Pointer(PointerKind.PATCH, url, url=url)
    if _BUG_URL.search(url):
        return Pointer(PointerKind.BUG, url, url=url)
    return Pointer(PointerKind.URL, url, url=url)


def looks_like_message_id(value: str) -> bool:
    """A Message-ID rather than a person's address, judged by its left-hand side.

    Generated ids carry timestamps, counters, hashes or a hostname without a
    dot; addresses are short names.
    """
    local, _, domain = value.rpartition("@")
    digits = sum(ch.isdigit() for ch in local)
    return (
        digits >= 5
        or any(ch in local for ch in "$%=#")
        or (len(local) >= 24 and digits >= 1)
        or "." not in domain
        or local.startswith(("cover.", "alpine.", "git-send-email", "patch-"))
    )


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the spans blanked, so later patterns skip what is already read."""
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces += [text[last:start], " " * (end - start)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _line_kinds(text: str) -> tuple[list[int], list[str]]:
    """Start offset of each line, and whether it names ids, addresses or neither.

    Judged once per line: a long line with many ``<...>`` must not be rescanned.
    """
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    kinds: list[str] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line = text[start:end]
        if "<" not in line:
            kinds.append("")
        elif _ID_LINE.search(line):
            kinds.append("ids")
        elif _ADDRESS_LINE.search(line):
            kinds.append("addresses")
        else:
            kinds.append("")
    return starts, kinds


def find_pointers(text: str, tracker_prefixes: Sequence[str] = ()) -> tuple[Pointer, ...]:
    """Every pointer in ``text``, in order of appearance, without duplicates.

    ``tracker_prefixes`` names the issue trackers whose ids (``XEN-28``) count;
    there is no default because ``ABC-12`` is as often a part number as a ticket.
    Wrapped URLs are not joined here: run quoted text through
    ``join_wrapped_urls`` first.
    """
    found: list[tuple[int, Pointer]] = []
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if len(url) > url.index("://") + 3:
            found.append((match.start(), classify_url(url)))
            spans.append((match.start(), match.start() + len(url)))
    masked = _mask(text, spans)
    spans = []
    starts, kinds = _line_kinds(masked)
    for match in _MSGID_IN_BRACKETS.finditer(masked):
        msgid = match.group(1)
        kind = kinds[bisect.bisect_right(starts, match.start()) - 1]
        if kind == "ids" or (kind != "addresses" and looks_like_message_id(msgid)):
            found.append((match.start(), Pointer(PointerKind.MESSAGE_ID, msgid, message_id=msgid)))
        spans.append(match.span())
    masked = _mask(masked, spans)
    for match in _PATCH_SUBJECT.finditer(masked):
        subject = match.group(2).rstrip(" \t[").strip()
        value = f"[{' '.join(match.group(1).split())}] {subject}"
        found.append((match.start(), Pointer(PointerKind.PATCH, value, title=subject)))
    found.extend(_commits(masked))
    for match in _ADVISORY.finditer(masked):
        found.append((match.start(), Pointer(PointerKind.ADVISORY, match.group(1).upper())))
    for match in _BUG_NUMBER.finditer(masked):
        found.append((match.start(), Pointer(PointerKind.BUG, f"bug #{match.group(1)}")))
    for prefix in tracker_prefixes:
        pattern = rf"(?<![\w-]){re.escape(prefix)}-\d+(?![\w-]|\.\d)"
        for match in re.finditer(pattern, masked):
            found.append((match.start(), Pointer(PointerKind.TRACKER, match.group())))
    found.sort(key=lambda item: item[0])
    return _dedupe(p for _, p in found)


def _commits(text: str) -> list[tuple[int, Pointer]]:
    found: list[tuple[int, Pointer]] = []
    taken: set[int] = set()
    for match in _COMMIT_QUOTED.finditer(text):
        found.append((match.start(), Pointer(PointerKind.COMMIT, match.group(1), title=match[2])))
        taken.add(match.start(1))
    for match in _COMMIT_WORD.finditer(text):
        if match.start(1) in taken:
            continue
        rest = match.group(2).strip()
        title = rest if _COMPONENT_SUBJECT.match(rest) else ""
        found.append((match.start(1), Pointer(PointerKind.COMMIT, match.group(1), title=title)))
        taken.add(match.start(1))
    for match in _BARE_HASH.finditer(text):
        value = match.group(1)
        has_letter = any(ch.isalpha() for ch in value)
        if match.start(1) not in taken and has_letter and any(ch.isdigit() for ch in value):
            found.append((match.start(1), Pointer(PointerKind.COMMIT, value)))
    return found


def _dedupe(pointers: Iterable[Pointer]) -> tuple[Pointer, ...]:
    """One pointer per target; a later mention may fill in what an earlier lacked."""
    kept: dict[tuple[str, str], Pointer] = {}
    for pointer in pointers:
        if pointer.message_id:
            key = ("msgid", pointer.message_id)
        elif pointer.kind is PointerKind.COMMIT:
            key = ("commit", pointer.value[:7])
        else:
            key = (pointer.kind.value, pointer.value)
        old = kept.get(key)
        # a URL says more than the bare id it contains
        if old is None or (old.kind is PointerKind.MESSAGE_ID and pointer.url):
            kept[key] = pointer
        else:
            kept[key] = replace(
                old,
                url=old.url or pointer.url,
                title=old.title or pointer.title,
                value=max(old.value, pointer.value, key=len)
                if old.kind is PointerKind.COMMIT
                else old.value,
            )
    return tuple(kept.values())


# -- URLs re-wrapped by a mail client ------------------------------------------

_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*")
_URL_SCHEME = re.compile(r"(?:https?|ftp)://", re.IGNORECASE)
_CONTINUATION = re.compile(r"^[\w\-./%#?=&~+:@;]{2,}")
_CUT_ENDINGS = "-_=?&%#.~:"


def _tail_url(line: str) -> str:
    """The URL a line ends with ('' if none): from the first scheme in its last word.

    A search for ``scheme://\\S+$`` tried every ``http://`` of a long last word
    and ran each to the word's end: minutes for a line of 100,000 of them.
    """
    words = line.rsplit(None, 1)
    if not words:
        return ""
    last = words[-1]
    scheme = _URL_SCHEME.search(last)
    return last[scheme.start() :] if scheme and scheme.end() < len(last) else ""


def join_wrapped_urls(lines: Sequence[str]) -> tuple[str, ...]:
    """Lines with URLs that a client wrapped (``.../2018-`` / ``> 09/msg00976.html``) joined.

    A line ending in a URL is joined with the start of the next line when the
    URL stops mid-token, or when the next line starts with a path piece and
    the line was long enough to have been wrapped.
    """
    out = list(lines)
    i = 0
    while i < len(out) - 1:
        url = _tail_url(out[i])
        if not url:
            i += 1
            continue
        following = out[i + 1]
        prefix = _QUOTE_PREFIX.match(following)
        start = prefix.end() if prefix else 0
        piece = _CONTINUATION.match(following[start:])
        if piece is None or not _looks_cut(url, piece.group(), len(out[i].rstrip())):
            i += 1
            continue
        out[i] = out[i].rstrip() + piece.group()
        rest = following[start + piece.end() :]
        if rest.strip():
            out[i + 1] = following[:start] + rest.lstrip()
        else:
            del out[i + 1]
    return tuple(out)


def _looks_cut(url: str, piece: str, width: int) -> bool:
    if "://" in piece:
        return False
    if url[-1] in _CUT_ENDINGS:
        return True
    path_like = "/" in piece or re.search(r"\.(?:html?|php|cgi|txt|patch)\b", piece) is not None
    return width >= 50 and (path_like or piece[:1] in "%@")
