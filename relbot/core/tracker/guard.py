"""Whether an import may go ahead on its own: what it would remove, and whether that
is more than a hand-edited mail of the same release ever removes.

An import reconciles the tracker with the mail, so a mail of another release,
or one that lost most of the list, would silently take every item it does not
show. Such an import is refused until the release manager says ``--replace``;
what it removes is listed either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from relbot.core.tracker.events import Event, Kind
from relbot.core.tracker.model import Item, Status, Tracker


@dataclass(frozen=True, slots=True)
class ImportCheck:
    #: one line per item the import takes out, sub-items included
    removed: tuple[str, ...]
    #: why the import needs ``--replace``; '' when it may go ahead
    refusal: str


def check_import(
    current: Tracker,
    events: Sequence[Event],
    *,
    release: str,
    max_removed_share: float,
    configured_release: str = "",
) -> ImportCheck:
    """What ``events`` (an import into ``current``) remove, and whether that is too much.

    ``release`` is the release the mail names ('' when it names none);
    ``configured_release`` stands for the tracker's when it has none yet. The
    share counts open work only: items that are not done, dropped or deferred.
    """
    gone: list[Item] = []
    for event in events:
        if event.kind is not Kind.REMOVE or event.item is None:
            continue
        for item_id in (event.item, *current.descendants(event.item)):
            item = current.item(item_id)
            if item is not None and item not in gone:
                gone.append(item)
    lines = tuple(f"{it.id} {_short(it.text)}" for it in gone)
    active = [it for it in current.items if _open(it)]
    removed = [it for it in gone if _open(it)]
    held = current.release or configured_release
    if release and held and release != held and current.items:
        return ImportCheck(
            lines,
            f"a status mail of release {release}, but the tracker holds {held}; "
            f"it would remove {len(gone)} of {len(current.items)} items",
        )
    share = len(removed) / len(active) if active else 0.0
    if removed and share > max_removed_share:
        return ImportCheck(
            lines,
            f"it would remove {len(removed)} of {len(active)} open items ({share:.0%}), "
            f"more than [import] max_removed_share = {max_removed_share:g}",
        )
    return ImportCheck(lines, "")


def _open(item: Item) -> bool:
    return not item.status.closed and item.status is not Status.DEFERRED


def _short(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")
