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
from collections.abc import Sequence
from dataclasses import replace

from relbot.core.replies.action_base import (
    BUG_WORDS,
    REVIEW_KINDS,
    Action,
    ActionKind,
    Reading,
    act,
    pointer_value,
    version_of,
)
from relbot.core.replies.adds import (
    ME_OWNER,
    add_action,
    bullet_actions,
    fill_add,
    is_placeholder,
    owner_line,
    refine_add,
    told_before,
)
from relbot.core.replies.context import Context, match_title
from relbot.core.replies.cues import Cue
from relbot.core.replies.leads import (
    clean_title,
    invites_items,
    lead_adds,
    partly_when_work_remains,
    quoted_adds,
    shares_words,
    title_beside,
)
from relbot.core.replies.naming import items_named
from relbot.core.replies.phrases import CONDITION, Hit, Sentence, find_cues, split_sentences
from relbot.core.replies.pointers import Pointer, PointerKind, find_pointers
from relbot.core.replies.targets import (
    CLAIMS,
    PRONOUN,
    STATUS_OF,
    answer_to_question,
    cue_targets,
    own_quoted,
)
from relbot.core.tracker.model import Status, Tracker

__all__ = [
    "MAX_SENTENCES",
    "REVIEW_KINDS",
    "Action",
    "ActionKind",
    "Reading",
    "infer_actions",
    "is_placeholder",
    "next_release",
    "pointer_value",
]


_RELEASE = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
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
_MISSED = re.compile(r"(?i)n't|\bnot\b|\bneither\b|too late|out of scope|\bmiss")


def _after(release: str) -> str:
    """The release after ``release`` ("4.19" -> "4.20"), or ''."""
    m = re.fullmatch(r"(\d+)\.(\d+)", release)
    return f"{m.group(1)}.{int(m.group(2)) + 1}" if m else ""


_THE_ONE = re.compile(r"\b(v\d+) is the (?:one|right one|latest|current one)\b", re.I)
_NOT_VERSION = re.compile(r"\b(?:not|instead of|rather than) (?:v\d+|version \d+)\b", re.I)


def _status_value(hit: Hit, reading: Reading, pointers: Sequence[Pointer]) -> dict[str, str]:
    status = STATUS_OF[hit.cue]
    text = hit.sentence.text
    value = {"status": status.value}
    if status is Status.PATCHES_POSTED:
        # the version the words stand by: "v20 is the one", "v3, not v4", the cue's own
        the_one = _THE_ONE.search(text)
        stated = _NOT_VERSION.sub(" ", text)
        titles = [
            the_one.group(1) if the_one else "",
            hit.match.group(0),
            stated,
            *(p.title or p.value for p in pointers),
        ]
        version = next((v for v in map(version_of, titles) if v), "")
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
    return act(ActionKind.CORRECTION, item, value, reading, hit.sentence, hit.confidence)


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
        titled = title_beside(s.text, p)
        if item is not None and titled and not shares_words(titled, reading, item):
            # "- Allow X to build with Y <url>" under another item: the link is the
            # work's the title names, another item's or new work's; the RM decides
            other = match_title(reading.index, titled)
            if other is not None and other[0] != item and other[1] >= 0.6:
                out.append(act(ActionKind.LINK, other[0], pointer_value(p), reading, s, 0.6))
                continue
            value = {**pointer_value(p), "title": titled, "section": ctx.section or ""}
            out.append(act(ActionKind.CANDIDATE_BUG, None, value, reading, s, 0.6))
            continue
        if item is not None:
            # a series subject alone cannot be followed: the RM finds its address
            sure = 0.75 if p.kind is PointerKind.PATCH else 0.9
            out.append(act(ActionKind.LINK, item, pointer_value(p), reading, s, sure * factor))
            continue
        value = {**pointer_value(p), "title": p.title or clean_title(s.text, p)}
        value["section"] = ctx.section or ""
        buggy = BUG_WORDS.search(s.text) or p.kind in (PointerKind.BUG, PointerKind.ADVISORY)
        out.append(act(ActionKind.CANDIDATE_BUG, None, value, reading, s, 0.85 if buggy else 0.6))
    return out


def _implied_status(
    s: Sentence, item: str, pointers: Sequence[Pointer], reading: Reading, factor: float
) -> Action | None:
    """A commit hash says done; a bare series subject says posted."""
    for p in pointers:
        if p.kind is PointerKind.COMMIT and not CONDITION.search(s.text):
            return act(ActionKind.STATUS, item, {"status": "done"}, reading, s, 0.85 * factor)
        if p.kind is PointerKind.PATCH:
            value = {"status": Status.PATCHES_POSTED.value}
            # the version is in the subject's tag ("[PATCH v4 0/3] …"), not its title
            version = version_of(p.value) or version_of(p.title)
            if version:
                value["version"] = version
            return act(ActionKind.STATUS, item, value, reading, s, 0.75 * factor)
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
    spoken_of: str | None = None  # the item the sentences before named, if not the quoted one
    invited = reading.tracker.item(ctx.item_id) if ctx.item_id else None
    inviting = invited is not None and invites_items(invited.text)
    if invited is not None and inviting:
        # "4. Anything else I forgot?": what is written under it is new work
        ctx = replace(ctx, item_id=None, section=ctx.section or invited.section, score=0.0)
    led = lead_adds(lines, first_line, ctx, reading, inviting)
    out += led
    led_lines = {a.line_no for a in led}
    led_linked = {a.line_no for a in led if a.value.get("links")}
    for n, s in enumerate(sentences):
        seen = sentences[max(0, n - 2) : n]
        item, factor = ctx.item_id, 1.0 if ctx.score >= 0.75 else 0.85
        named = items_named(reading.index, s.text, ctx)
        own = None if named else own_quoted(s.text, ctx, reading)
        if own is not None:
            item = own  # "Jan's one may, but mine won't": the sender's own of those quoted
        elif len(named) == 1 and named[0] != item:
            item, factor = named[0], 0.85
        elif not named and spoken_of and not off_list and PRONOUN.search(s.text):
            # "PoD won't happen for 4.2. Please defer it.": "it" is the item just named
            item, factor = spoken_of, 0.85
        elif item is None and ctx.section is None and not named:
            titled = match_title(reading.index, s.text)
            if titled is not None:
                item, factor = titled[0], 0.85
        spoken_of = named[0] if len(named) == 1 and named[0] != ctx.item_id else spoken_of
        owner = owner_line(s.text)
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
            filled = fill_add(awaiting, s, pointers)
            if filled is not None:
                awaiting, last_add = None, len(out)
                out.append(filled)
                continue
        if s.line_no in led_lines and (not pointers or s.line_no in led_linked):
            continue  # the title sentence of a new item read above
        quoted = quoted_adds(s, ctx, reading)
        if quoted:
            last_add = len(out)
            out += quoted
            continue
        bullets = bullet_actions(s, reading, ctx)
        if bullets:
            out += bullets
            continue
        hits = find_cues(s) or answer_to_question(s, ctx)
        add = next((h for h in hits if h.cue is Cue.ADD), None)
        if add is not None:
            asked = add_action(add, reading, ctx, pointers)
            told = None
            if is_placeholder(str(asked.value["text"])) and last_add is None:
                told = told_before(asked, add, seen, reading)
            if told is not None:
                # "the NUMA series (v3) is out, could you add it?": what was said
                # of it before is the new item's, not the quoted item's
                asked, said_in = told
                out = [a for a in out if (a.evidence, a.line_no) not in said_in]
                statuses = {
                    k: kept
                    for k, v in statuses.items()
                    if (kept := [a for a in v if (a.evidence, a.line_no) not in said_in])
                }
                last_add = len(out)
                out.append(asked)
            elif is_placeholder(str(asked.value["text"])) and last_add is not None:
                # "Please add it under x86, with me as owner": more on the item just asked for
                out[last_add] = refine_add(out[last_add], s, reading)
            elif is_placeholder(str(asked.value["text"])) and not asked.value["links"]:
                awaiting = asked  # "please add the following:", the item comes next
            else:
                last_add = len(out)
                out.append(asked)
            continue
        if last_add is not None and item is None and ME_OWNER.search(s.text):
            out[last_add] = refine_add(out[last_add], s, reading)
            continue
        series = next((p for p in pointers if p.kind is PointerKind.PATCH), None)
        if series is not None and item is None and ctx.section and ctx.item_id is None:
            # a series subject written under a quoted heading: the 2024 layout's new item
            links = [pointer_value(p) for p in pointers if p.kind is not PointerKind.PATCH]
            value = {"text": series.value, "section": ctx.section, "links": links}
            last_add = len(out)
            out.append(act(ActionKind.ADD, None, value, reading, s, 0.8))
            continue
        posted = [h for h in hits if h.cue is Cue.POSTED]
        after_add = last_add is not None and (item is None or (not named and item == ctx.item_id))
        if after_add and last_add is not None and (pointers or posted) and posted == hits:
            # "Please add X." then "v3 was posted: <url>": news of the new item, also
            # under a quoted item, which the request has moved away from
            old = out[last_add]
            links = [*old.value.get("links", ()), *(pointer_value(p) for p in pointers)]
            value = {**old.value, "links": links}
            if posted:
                value.update(_status_value(posted[0], reading, pointers))
            out[last_add] = replace(old, value=value)
            continue
        said_status = False
        for h in hits:
            for target in cue_targets(h, s, item, named, ctx, reading):
                weight = (factor if target == item else 0.85) if target else 0.8
                found, said = _cue_action(h, target, reading, pointers, h.confidence * weight, s)
                said_status |= said
                if found is None or (found.item is None and off_list and said is False):
                    continue  # the writer said this is about none of the items
                if found.kind is ActionKind.STATUS:
                    statuses.setdefault(target, []).append(found)
                else:
                    out.append(found)
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
        target = None if weak and BUG_WORDS.search(s.text) else item
        if target is not None or not off_list:
            out += _pointer_actions(s, target, ctx, reading, pointers, factor)
    out += [partly_when_work_remains(_final_status(a), sentences) for a in statuses.values()]
    out += [awaiting] if awaiting is not None else []
    return _dedupe(out), len(sentences)


def _cue_action(
    h: Hit,
    item: str | None,
    reading: Reading,
    pointers: Sequence[Pointer],
    conf: float,
    s: Sentence,
) -> tuple[Action | None, bool]:
    """The action one cue of sentence ``s`` asks for on one item, and whether it
    spoke of a status."""
    if h.cue in CLAIMS:
        owner = h.match.group("name") if h.cue is Cue.CLAIM_OTHER else reading.sender
        kind = ActionKind.UNCLAIM if h.cue is Cue.UNCLAIM else ActionKind.CLAIM
        return act(kind, item, {"owner": owner}, reading, s, conf), False
    if h.cue is Cue.NOT_DONE:
        return _correction(h, item, reading), True
    if h.cue in STATUS_OF:
        said = _status_value(h, reading, pointers)
        return act(ActionKind.STATUS, item, said, reading, s, conf), True
    return None, False


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
