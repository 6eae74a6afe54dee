"""What the plain words of a reply ask for: claims, status changes, links, adds.

One block of new text, with the item its quote points at (``context``),
becomes a tuple of ``Action`` values: the cues of each sentence (``phrases``)
give claims and status changes, pointers link the item or, with no item,
become candidate bugs, and a request or an item written in the mail's own
format becomes an add. One status per item and block survives: a deferral or
drop, else partly done, else the last one said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from relbot.core.context import Context, ItemIndex, match_chunk, match_title
from relbot.core.model import Status, Tracker
from relbot.core.outline import OutlineHints
from relbot.core.outline_items import looks_like_name, read_item_head
from relbot.core.phrases import CONDITION, Cue, Hit, Sentence, find_cues, split_sentences
from relbot.core.pointers import Pointer, PointerKind, find_pointers


class ActionKind(StrEnum):
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    STATUS = "status"
    LINK = "link"
    NOTE = "note"
    ADD = "add"
    CANDIDATE_BUG = "candidate-bug"
    CORRECTION = "correction"
    # review commands: only a release manager's, applied by the edge
    ACCEPT = "accept"
    REJECT = "reject"
    HOLD = "hold"
    APPROVE = "approve"


REVIEW_KINDS = frozenset(
    {ActionKind.ACCEPT, ActionKind.REJECT, ActionKind.HOLD, ActionKind.APPROVE}
)


@dataclass(frozen=True, slots=True)
class Action:
    """One proposed change. ``value`` holds its details as plain JSON values."""

    kind: ActionKind
    item: str | None
    value: Mapping[str, Any] = field(default_factory=dict, hash=False)
    who: str = ""
    evidence: str = ""
    confidence: float = 0.0
    line_no: int = 0


_VERSION = re.compile(r"\bv(\d+)\b|\bversion (\d+)\b", re.I)
_RELEASE = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
_BUG_WORDS = re.compile(
    r"\b(?:bug|crash\w*|fail\w*|regression|broken|break\w*|oops|hang\w*|panic\w*|bsod|"
    r"error|leak\w*|deadlock\w*|corrupt\w*|xsa-\d+)\b",
    re.I,
)
_ITEM_BULLET = re.compile(r"^\s*(?:[*•+-])\s+(\S.*)$")
_STATUS_OF = {
    Cue.POSTED: Status.PATCHES_POSTED,
    Cue.PARTLY: Status.PARTLY_DONE,
    Cue.DONE: Status.DONE,
    Cue.ASK_DONE: Status.DONE,
    Cue.DEFER: Status.DEFERRED,
    Cue.DROP: Status.DROPPED,
    Cue.RISK: Status.AT_RISK,
}
_HINTS = OutlineHints()
#: "a CI failure, not related to anything on this list; I'm looking into it"
_OFF_LIST = re.compile(
    r"(?i)\b(?:unrelated|not related) to (?:any(?:thing)?|this|the|these)\b"
    r"|\bnot (?:a|an) (?:release|tracked) (?:item|blocker|issue)"
)


def _release(text: str, current: str, fallback: str) -> str:
    found = [r for r in _RELEASE.findall(text) if r != current]
    return found[0] if found else fallback


def next_release(tracker: Tracker) -> str:
    """The release after this one: the tracker's, else the minor number plus one."""
    if tracker.next_release:
        return tracker.next_release
    m = re.fullmatch(r"(\d+)\.(\d+)", tracker.release.strip())
    return f"{m.group(1)}.{int(m.group(2)) + 1}" if m else ""


#: a deferral that names the release it misses, not the one it moves to
_MISSED = re.compile(r"(?i)n't|\bnot\b|too late|out of scope|\bmiss")


def _after(release: str) -> str:
    """The release after ``release`` ("4.19" -> "4.20"), or ''."""
    m = re.fullmatch(r"(\d+)\.(\d+)", release)
    return f"{m.group(1)}.{int(m.group(2)) + 1}" if m else ""


def _version(text: str) -> str:
    m = _VERSION.search(text)
    return f"v{m.group(1) or m.group(2)}" if m else ""


def pointer_value(p: Pointer) -> dict[str, str]:
    """A pointer as link fields; advisories and tracker ids become tracker_id."""
    ids = (PointerKind.ADVISORY, PointerKind.TRACKER, PointerKind.BUG)
    value = {
        "url": p.url,
        "message_id": p.message_id,
        "tracker_id": p.value if p.kind in ids and not p.url else "",
        "title": p.title,
    }
    if not any(value.values()):
        value["title"] = p.value
    return {k: v for k, v in value.items() if v}


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader needs besides the text: who wrote, and the trackers."""

    sender: str
    tracker: Tracker
    index: ItemIndex
    tracker_prefixes: tuple[str, ...] = ()
    #: Message-IDs of the thread: pointers at these are the thread itself
    thread_ids: frozenset[str] = frozenset()


def _act(
    kind: ActionKind,
    item: str | None,
    value: Mapping[str, Any],
    r: Reading,
    s: Sentence,
    conf: float,
) -> Action:
    return Action(kind, item, value, r.sender, s.text, round(conf, 3), s.line_no)


def _section_for(text: str, reading: Reading, ctx: Context) -> str:
    """A section the words name ("as a tools blocker"), else the quoted one."""
    lowered = text.lower()
    best = ""
    for sec in reading.tracker.sections:
        words = re.split(r"[^a-z0-9]+", (sec.title or sec.key).lower())
        words = [w.rstrip("s") for w in words if len(w) > 2]
        if words and all(w in lowered for w in words):
            best = sec.key
    return best or ctx.section or ""


def _clean_add_text(x: str) -> str:
    where = r"(?:the|this|your|our)\s+(?:\S+\s+){0,2}?(?:list|tracker|todo|plan|mail)"
    x = re.sub(rf"\s+(?:to|on(?:to)?|in)\s+{where}\b.*$", "", x, flags=re.I)
    x = re.sub(
        r"\s+(?:as well|too|also|please|as (?:a )?(?:blocker|nice[- ]to[- ]have))\b.*$",
        "",
        x,
        flags=re.I,
    )
    return x.strip(" .,;:!?\"'")


def _owner_line(text: str) -> str:
    """The name on an owner line ("  -  Jan Beulich", "owner: Wei Liu"), else ''."""
    m = re.match(r"^\s*(?:-|owners?:)\s+(\S.*?)\s*$", text, re.I)
    if m and looks_like_name(m.group(1), _HINTS.vocabulary):
        return m.group(1)
    return ""


def _bullet_actions(s: Sentence, reading: Reading, ctx: Context) -> list[Action]:
    """An item written in the mail's own format: a claim when it is a known item."""
    m = _ITEM_BULLET.match(s.text)
    if m is None or _owner_line(s.text) or re.match(r"(?i)(?:https?|ftp)://", m.group(1)):
        return []
    head = read_item_head(m.group(1), _HINTS.vocabulary)
    if not (head.owners or head.tags or (ctx.section and ctx.item_id is None)):
        return []
    found = match_chunk(reading.index, head.text)
    if found is not None and found[1] >= 0.75:
        item = reading.index.entries[found[0]].item_id
        known = reading.tracker.item(item)
        owners = [o for o in head.owners if known is None or o not in known.owners]
        return [_act(ActionKind.CLAIM, item, {"owner": o}, reading, s, 0.85) for o in owners]
    value: dict[str, Any] = {
        "text": head.text,
        "section": ctx.section or "",
        "owners": list(head.owners),
        "tags": list(head.tags),
    }
    if head.status is not Status.OPEN:
        value["status"] = head.status.value
    return [_act(ActionKind.ADD, None, value, reading, s, 0.85 if ctx.section else 0.7)]


def _fill_add(asked: Action, s: Sentence, pointers: Sequence[Pointer]) -> Action | None:
    """The item a "please add the following:" announced: a series subject or a bullet."""
    series = next((p for p in pointers if p.kind is PointerKind.PATCH), None)
    links = [pointer_value(p) for p in pointers if p.kind not in (PointerKind.PATCH,)]
    bullet = _ITEM_BULLET.match(s.text)
    if series is not None:
        text, owners = series.value, []
    elif bullet is not None and not _owner_line(s.text):
        head = read_item_head(bullet.group(1), _HINTS.vocabulary)
        text, owners = head.text, list(head.owners)
    else:
        return None
    value = {**asked.value, "text": text, "links": links, "owners": owners}
    return replace(asked, value=value, evidence=s.text, line_no=s.line_no)


def _refine_add(old: Action, s: Sentence, reading: Reading) -> Action:
    """A later sentence on a new item: the section it names, the sender as owner."""
    value = dict(old.value)
    section = _section_for(s.text, reading, Context())
    if section:
        value["section"] = section
    if _ME_OWNER.search(s.text):
        value["owners"] = [*value.get("owners", ()), reading.sender]
    return replace(old, value=value)


def _status_value(hit: Hit, reading: Reading, pointers: Sequence[Pointer]) -> dict[str, str]:
    status = _STATUS_OF[hit.cue]
    text = hit.sentence.text
    value = {"status": status.value}
    if status is Status.PATCHES_POSTED:
        titles = [text, *(p.title or p.value for p in pointers)]
        version = next((v for v in map(_version, titles) if v), "")
        if version:
            value["version"] = version
    elif status is Status.DEFERRED:
        release = _release(text, reading.tracker.release, next_release(reading.tracker))
        missed = _RELEASE.findall(hit.match.group(0))
        if missed and _MISSED.search(hit.match.group(0)):
            # "not going to happen for 4.19": the release named is the one missed
            later = [r for r in _RELEASE.findall(text) if r not in missed]
            release = later[0] if later else _after(missed[0]) or release
        if release:
            value["release"] = release
    elif status is Status.PARTLY_DONE:
        m = re.search(r"\b(\d+)\s*/\s*(\d+)\b", hit.match.group(0))
        if m and m.group(1) == m.group(2):
            value["status"] = Status.DONE.value
    return value


def _correction(hit: Hit, item: str | None, reading: Reading) -> Action | None:
    """ "No, that wasn't merged yet": the status goes back, if it had moved on."""
    known = reading.tracker.item(item) if item else None
    text = hit.sentence.text
    explicit = re.match(r"(?i)\W*(?:no\b|nope|actually|not quite|sorry|erm|hmm)", text)
    if known is None or not (known.status.closed or known.status is Status.DEFERRED or explicit):
        return None
    merged = re.search(r"(?i)commit|merg|appl|push|tree|staging|revert|\bin\b", text)
    status = Status.PATCHES_POSTED if merged else Status.IN_PROGRESS
    value = {"status": status.value, "was": known.status.value}
    return _act(ActionKind.CORRECTION, item, value, reading, hit.sentence, hit.confidence)


#: "please add the following:", "add it under x86": the item is told elsewhere
_PLACEHOLDER = re.compile(
    r"(?i)(?:the )?(?:following|below|above)"
    r"(?: (?:items?|entry|entries|series|ones?|patch(?:es)?))?"
    r"(?:\s*$|\s+(?:to|under|in|into|on|for|as|with)\b|\s*[,:;])"
    r"|(?:this|these|that|those|it|them)(?: (?:one|item|entry|series|ones|items))?"
    r"(?:\s*$|\s+(?:to|under|in|into|on|for|as|with)\b|\s*[,:;])"
)
#: "with me as owner", "owner would be me"
_ME_OWNER = re.compile(
    r"(?i)\b(?:me as (?:the )?owner|owner(?:'s| is| would be| will be|:) me|assign it to me)\b"
)


def is_placeholder(text: str) -> bool:
    """Add text that only points elsewhere ("the following", "it under x86")."""
    return bool(_PLACEHOLDER.match(text.strip()))


def _add_action(hit: Hit, reading: Reading, ctx: Context, pointers: Sequence[Pointer]) -> Action:
    groups = {k: v for k, v in hit.match.groupdict().items() if v}
    raw = groups.get("x") or groups.get("y") or ""
    for p in pointers:
        for shown in (p.url, f"<{p.message_id}>" if p.message_id else ""):
            raw = raw.replace(shown, " ") if shown else raw
    text = _clean_add_text(" ".join(raw.replace("()", "").split()))
    if len(text) < 3 or text.lower() in ("this", "it", "that", "these", "them", "this one"):
        text = next((p.title for p in pointers if p.title), text)
    value: dict[str, Any] = {
        "text": text,
        "section": _section_for(hit.sentence.text, reading, ctx),
        "links": [pointer_value(p) for p in pointers if p.kind is not PointerKind.COMMIT],
    }
    if _BUG_WORDS.search(hit.sentence.text):
        value["tags"] = ["BUG"]
    return _act(ActionKind.ADD, None, value, reading, hit.sentence, hit.confidence)


def _clean_title(text: str, p: Pointer) -> str:
    for part in (p.url, f"<{p.message_id}>", p.value):
        text = text.replace(part, " ") if part else text
    text = " ".join(re.sub(r"[\[\]()<>]", " ", text).split()).strip(" :-.,")
    return text[:100] if len(text) >= 12 else p.value


def _pointer_actions(
    s: Sentence,
    item: str | None,
    ctx: Context,
    reading: Reading,
    pointers: Sequence[Pointer],
    factor: float,
) -> list[Action]:
    """Pointers under an item link it; with no item they are candidate bugs."""
    out: list[Action] = []
    located = any(p.url or p.message_id for p in pointers)
    for p in pointers:
        if p.kind is PointerKind.COMMIT:
            continue
        if p.kind is PointerKind.PATCH and located:
            continue  # "[PATCH v3] subject <msgid>": the subject names the link beside it
        if item is not None:
            out.append(_act(ActionKind.LINK, item, pointer_value(p), reading, s, 0.9 * factor))
            continue
        value = {**pointer_value(p), "title": p.title or _clean_title(s.text, p)}
        value["section"] = ctx.section or ""
        buggy = _BUG_WORDS.search(s.text) or p.kind in (PointerKind.BUG, PointerKind.ADVISORY)
        out.append(_act(ActionKind.CANDIDATE_BUG, None, value, reading, s, 0.85 if buggy else 0.6))
    return out


def _implied_status(
    s: Sentence, item: str, pointers: Sequence[Pointer], reading: Reading, factor: float
) -> Action | None:
    """A commit hash says done; a bare series subject says posted."""
    for p in pointers:
        if p.kind is PointerKind.COMMIT and not CONDITION.search(s.text):
            return _act(ActionKind.STATUS, item, {"status": "done"}, reading, s, 0.85 * factor)
        if p.kind is PointerKind.PATCH:
            value = {"status": Status.PATCHES_POSTED.value}
            if _version(p.title or p.value):
                value["version"] = _version(p.title or p.value)
            return _act(ActionKind.STATUS, item, value, reading, s, 0.75 * factor)
    return None


#: sentences read per message: a person's reply has far fewer; a pasted log
#: or a runaway body is cut here so one message never stalls the poller
MAX_SENTENCES = 500


def infer_actions(
    lines: Sequence[str],
    first_line: int,
    ctx: Context,
    reading: Reading,
    budget: int = MAX_SENTENCES,
) -> tuple[tuple[Action, ...], int]:
    """The actions one block of new text asks for, and how many sentences it read."""
    out: list[Action] = []
    statuses: dict[str | None, list[Action]] = {}
    last_add: int | None = None
    awaiting: Action | None = None
    sentences = split_sentences(lines, first_line)[: max(budget, 0)]
    off_list = any(_OFF_LIST.search(s.text) for s in sentences)
    for s in sentences:
        item, factor = ctx.item_id, 1.0 if ctx.score >= 0.75 else 0.85
        if item is None and ctx.section is None:
            titled = match_title(reading.index, s.text)
            if titled is not None:
                item, factor = titled[0], 0.85
        owner = _owner_line(s.text)
        if owner and out and out[-1].kind is ActionKind.ADD and out[-1].line_no < s.line_no:
            # the 2013/2019 layout: "*  Title" then "  -  Name" under it
            old = out[-1]
            out[-1] = replace(
                old, value={**old.value, "owners": [*old.value.get("owners", ()), owner]}
            )
            continue
        pointers = [
            p
            for p in find_pointers(s.text, reading.tracker_prefixes)
            if not (p.message_id and p.message_id in reading.thread_ids)
        ]
        if awaiting is not None:
            filled = _fill_add(awaiting, s, pointers)
            if filled is not None:
                awaiting, last_add = None, len(out)
                out.append(filled)
                continue
        bullets = _bullet_actions(s, reading, ctx)
        if bullets:
            out += bullets
            continue
        hits = find_cues(s)
        add = next((h for h in hits if h.cue is Cue.ADD), None)
        if add is not None:
            asked = _add_action(add, reading, ctx, pointers)
            if is_placeholder(str(asked.value["text"])) and last_add is not None:
                # "Please add it under x86, with me as owner": more on the item just asked for
                out[last_add] = _refine_add(out[last_add], s, reading)
            elif is_placeholder(str(asked.value["text"])) and not asked.value["links"]:
                awaiting = asked  # "please add the following:", the item comes next
            else:
                last_add = len(out)
                out.append(asked)
            continue
        if last_add is not None and item is None and _ME_OWNER.search(s.text):
            out[last_add] = _refine_add(out[last_add], s, reading)
            continue
        series = next((p for p in pointers if p.kind is PointerKind.PATCH), None)
        if series is not None and item is None and ctx.section and ctx.item_id is None:
            # a series subject written under a quoted heading: the 2024 layout's new item
            links = [pointer_value(p) for p in pointers if p.kind is not PointerKind.PATCH]
            value = {"text": series.value, "section": ctx.section, "links": links}
            last_add = len(out)
            out.append(_act(ActionKind.ADD, None, value, reading, s, 0.8))
            continue
        posted = [h for h in hits if h.cue is Cue.POSTED]
        if last_add is not None and item is None and (pointers or posted) and posted == hits:
            # "Please add X." then "v3 was posted: <url>": news of the new item
            old = out[last_add]
            links = [*old.value.get("links", ()), *(pointer_value(p) for p in pointers)]
            value = {**old.value, "links": links}
            if posted:
                value.update(_status_value(posted[0], reading, pointers))
            out[last_add] = replace(old, value=value)
            continue
        said_status = False
        for h in hits:
            conf = h.confidence * (factor if item else 0.8)
            if h.cue in (Cue.CLAIM, Cue.CLAIM_WEAK, Cue.CLAIM_OTHER, Cue.UNCLAIM):
                if item is None and off_list:
                    continue  # the writer said this is about none of the items
                owner = h.match.group("name") if h.cue is Cue.CLAIM_OTHER else reading.sender
                kind = ActionKind.UNCLAIM if h.cue is Cue.UNCLAIM else ActionKind.CLAIM
                out.append(_act(kind, item, {"owner": owner}, reading, s, conf))
            elif h.cue is Cue.NOT_DONE:
                fix = _correction(h, item, reading)
                out += [fix] if fix else []
                said_status = True
            elif h.cue in _STATUS_OF:
                said = _status_value(h, reading, pointers)
                act = _act(ActionKind.STATUS, item, said, reading, s, conf)
                statuses.setdefault(item, []).append(act)
                said_status = True
        implied = (
            None
            if said_status or item is None
            else _implied_status(s, item, pointers, reading, factor)
        )
        if implied is not None:
            statuses.setdefault(item, []).append(implied)
        # a bug report that only names a component ("qemu-upstream") is a new bug,
        # not a pointer for the item whose title shares the word
        weak = factor < 1.0 or ctx.score < 0.75
        target = None if weak and _BUG_WORDS.search(s.text) else item
        if target is not None or not off_list:
            out += _pointer_actions(s, target, ctx, reading, pointers, factor)
    out += [_final_status(acts) for acts in statuses.values()]
    out += [awaiting] if awaiting is not None else []
    return _dedupe(out), len(sentences)


def _final_status(acts: Sequence[Action]) -> Action:
    """One status per item and block: a deferral or drop wins, then partly, then the last.

    "It went in last week, you can remove it from the list": the removal is
    what follows from done, so done beats a drop said beside it.
    """
    said = {a.value.get("status") for a in acts}
    for wanted in (("deferred", "dropped"), ("partly done",)):
        chosen = [a for a in acts if a.value.get("status") in wanted]
        if chosen:
            last = chosen[-1]
            if last.value.get("status") == "dropped" and "done" in said:
                return [a for a in acts if a.value.get("status") == "done"][-1]
            return last
    return acts[-1]


def _dedupe(actions: Sequence[Action]) -> tuple[Action, ...]:
    best: dict[tuple[str, str | None, str], Action] = {}
    for a in actions:
        shown = {
            k: v for k, v in a.value.items() if not (k == "title" and a.kind is ActionKind.LINK)
        }
        key = (a.kind.value, a.item, repr(sorted((k, str(v)) for k, v in shown.items())))
        if key not in best or a.confidence > best[key].confidence:
            best[key] = a
    return tuple(sorted(best.values(), key=lambda a: a.line_no))
