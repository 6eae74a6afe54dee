"""The "changes since" part of the week's mail: what each person changed since the last
mail, item by item, said in words and tied to the mail it came from.
"""

from __future__ import annotations

from collections.abc import Sequence

from relbot.core.tracker.events import Event, Kind, undone_seqs
from relbot.core.tracker.model import Tracker
from relbot.core.views import RenderOptions, wrap_hanging

#: what a change that is not about one item says on the list; the rest (the
#: release's name, the intro, sections, footnotes) shows in the mail itself
_GENERAL = {Kind.MILESTONES: "updated the time line"}


def _source(source: str, tracker: Tracker) -> str:
    """The mail a change came from, as the list knows it; "" for the RM's own edits."""
    if "@" not in source:
        return ""  # the command line or an import: bookkeeping, not a mail to point at
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
        phrase = _phrase(e, tracker, options.item_ids) if e.item else _GENERAL.get(e.kind, "")
        if not phrase:
            continue
        key = (e.item or "", e.source)
        phrases = per_actor.setdefault(e.actor or "someone", {}).setdefault(key, [])
        if phrase not in phrases:
            phrases.append(phrase)
    label = options.changes_label or f"{since:%d %B %Y}"
    heading = f"Changes since {label}:"
    if not per_actor:
        return heading, ("No changes since then.",)
    lines: list[str] = []
    for actor, groups in per_actor.items():
        lines.append(f"{actor}:")
        whats = []
        for (item, source), phrases in groups.items():
            what = "; ".join(phrases)
            if item:
                what = f"{_subject(tracker, item, options.item_ids)}: {what}"
            where = _source(source, tracker)
            whats.append(f"{what} ({where})" if where else what)
        for what in whats[: options.max_changes]:
            lines += wrap_hanging(what, "  - ", "    ", options.width)
        if len(whats) > options.max_changes:
            lines.append(f"  - ... and {len(whats) - options.max_changes} more")
    return heading, tuple(lines)


def _subject(tracker: Tracker, item_id: str, with_id: bool) -> str:
    """An item as the changes part names it: its first words, after its id if ids show."""
    item = tracker.item(item_id)
    if item is None:
        return item_id if with_id else "an item no longer in the list"
    words = item.text.split()
    short = " ".join(words[:8]) + (" ..." if len(words) > 8 else "")
    return f"{item_id} {short}" if with_id else short


def _phrase(e: Event, tracker: Tracker, with_id: bool) -> str:
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
            if d.get("parent"):
                return f"moved under {_subject(tracker, str(d['parent']), with_id)}"
            return f"moved to {d.get('section')}"
        case Kind.REMOVE:
            return "removed"
        case _:
            return e.kind.value
