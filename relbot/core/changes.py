"""The "changes since" part of the week's mail: what each person changed since the last
mail, item by item, said in words and tied to the mail it came from.
"""

from __future__ import annotations

from collections.abc import Sequence

from relbot.core.tracker.events import Event, Kind, describe_event, undone_seqs
from relbot.core.tracker.model import Tracker
from relbot.core.views import RenderOptions, wrap_hanging


def _source(source: str, tracker: Tracker) -> str:
    if "@" not in source:
        return source
    mail = tracker.status_mail(source)
    if mail is not None and mail.date is not None:
        return f"status mail of {mail.date:%d %B %Y}"
    return f"<{source}>"


def changes_since(
    tracker: Tracker, events: Sequence[Event], options: RenderOptions
) -> tuple[str, tuple[str, ...]]:
    """Who changed what since ``changes_since``: per person, one line per item and mail."""
    if options.changes_since is None:
        return "", ()
    since = options.changes_since
    # (actor) -> (item or "", source) -> phrases, in the order they happened
    per_actor: dict[str, dict[tuple[str, str], list[str]]] = {}
    undone = undone_seqs(events)
    for e in events:
        if e.at <= since or e.kind in (Kind.STATUS_MAIL, Kind.UNDO) or e.seq in undone:
            continue
        key = (e.item or "", e.source)
        phrases = per_actor.setdefault(e.actor or "someone", {}).setdefault(key, [])
        phrase = _phrase(e) if e.item else describe_event(e, tracker)
        if phrase not in phrases:
            phrases.append(phrase)
    label = options.changes_label or f"{since:%d %B %Y}"
    heading = f"Changes since {label}:"
    if not per_actor:
        return heading, ("No changes since then.",)
    lines: list[str] = []
    for actor, groups in per_actor.items():
        lines.append(f"{actor}:")
        whats = [
            f"{_subject(tracker, item)}: {'; '.join(phrases)} ({_source(source, tracker)})"
            if item
            else f"{'; '.join(phrases)} ({_source(source, tracker)})"
            for (item, source), phrases in groups.items()
        ]
        for what in whats[: options.max_changes]:
            lines += wrap_hanging(what, "  - ", "    ", options.width)
        if len(whats) > options.max_changes:
            lines.append(f"  - ... and {len(whats) - options.max_changes} more")
    return heading, tuple(lines)


def _subject(tracker: Tracker, item_id: str) -> str:
    item = tracker.item(item_id)
    if item is None:
        return item_id
    words = item.text.split()
    short = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
    return f"{item_id} {short}"


def _phrase(e: Event) -> str:
    """What one item event did, without naming the item."""
    d = e.data
    match e.kind:
        case Kind.CLAIM:
            return f"claimed by {d.get('owner', '')}"
        case Kind.UNCLAIM:
            return f"{d['owner']} stepped back" if d.get("owner") else "unclaimed"
        case Kind.STATUS:
            words = f"now {d.get('status', '')}"
            if d.get("version"):
                words += f" ({d['version']})"
            if d.get("release"):
                words += f" to {d['release']}"
            return words
        case Kind.LINK:
            target = d.get("url") or (f"<{d['message_id']}>" if d.get("message_id") else "")
            target = target or str(d.get("tracker_id", ""))
            title = str(d.get("title", ""))
            return f"pointer {title} {target}".replace("  ", " ").strip()
        case Kind.NOTE:
            return f"note: {d.get('text', '')}"
        case Kind.ADD:
            return "added"
        case Kind.EDIT:
            return "text edited" if "text" in d else "edited"
        case Kind.MOVE:
            return f"moved to {d.get('parent') or d.get('section')}"
        case Kind.REMOVE:
            return "removed"
        case _:
            return e.kind.value
