"""The call for volunteers: which open items the week's mail offers to whoever wants
one, and how an item's own words can say that someone already has it.
"""

from __future__ import annotations

import re

from relbot.core.tracker.model import Item, Status, Tracker
from relbot.core.views import RenderOptions, wrap_hanging

#: an item's words that name who is on it: "IanJ has patches", "IanJ to look at",
#: "IanJ's event series removes all users", "Roger fixes disk as part of ..."
_TAKEN = re.compile(
    r"""
    \b[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*)?\s
      (?:has|have)\s(?:a\s|an\s|some\s)?(?:patch|patches|series|fix|code|branch)\b
    | \b[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*)?\sto\s(?:look|do|fix|handle|take|work)\b
    | \b[A-Z][\w-]*'s\s(?:[\w-]+\s){0,4}(?:series|patch|patches|work|branch)\b
    | \b[A-Z][\w.'-]*\s(?:fixes|is\sfixing|is\sworking\son|works\son|is\slooking\sat)\b
    """,
    re.VERBOSE,
)
#: ... unless they ask for help all the same
_WANTED = re.compile(r"\bvolunteers?\b|\bnobody\b|\bno\sone\b|\bunclaimed\b", re.I)


def taken_in_words(text: str) -> bool:
    """The item's text says someone is doing it (and does not ask for help)."""
    return bool(_TAKEN.search(text)) and not _WANTED.search(text)


def volunteer_lines(
    tracker: Tracker, visible: frozenset[str], options: RenderOptions
) -> tuple[str, ...]:
    """The open, unowned work in the volunteer sections (blockers, by default).

    An item under an owned parent is that owner's detail, and an item with
    sub-items, or written as a heading ("xl compatibility with xm:"), heads a
    list: neither is offered on its own. Nor is one whose own words say who
    is doing it ("IanJ has patches", "IanJ to look at").
    """
    if not options.call_for_volunteers:
        return ()
    by_id = {it.id: it for it in tracker.items}
    parents = {it.parent for it in tracker.items if it.id in visible and it.parent}

    def owned_above(it: Item) -> bool:
        seen: set[str] = set()
        parent = it.parent
        while parent and parent not in seen and parent in by_id:
            seen.add(parent)
            if by_id[parent].owners:
                return True
            parent = by_id[parent].parent
        return False

    def offered(it: Item) -> bool:
        # a sub-item is work of its own only under a list heading ("Interfaces
        # which may need to be async:"); under an item it is a remark on it
        # ("There will be no userspace blktap3"), and a question is no task
        parent = by_id.get(it.parent or "")
        under_heading = parent is None or parent.text.rstrip().endswith(":")
        text = it.text.rstrip()
        return under_heading and not text.endswith(("?", ":")) and not taken_in_words(text)

    wanted = tuple(w.lower() for w in options.volunteer_sections)
    free = [
        it
        for it in tracker.items
        if it.id in visible
        and not it.owners
        and it.status is Status.OPEN
        and it.id not in parents
        and (not wanted or any(w in it.section.lower() for w in wanted))
        and not owned_above(it)
        and offered(it)
    ]
    if not free:
        return ()
    lines = wrap_hanging(options.volunteer_text, "", "", options.width)
    for it in free:
        words = it.text.split()
        short = " ".join(words[:10]) + (" ..." if len(words) > 10 else "")
        label = f"[{it.id}] {short}" if options.item_ids else short
        lines += wrap_hanging(label, "  * ", "    ", options.width)
    return tuple(lines)
