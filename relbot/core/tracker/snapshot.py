"""The tracker as plain JSON: the stable schema of ``relbot show --json``.

The schema is documented in docs/show-json.md; ``SCHEMA_VERSION`` changes
whenever a field changes meaning or goes away (adding a field does not).
"""

from __future__ import annotations

from typing import Any

from relbot.core.tracker.model import Item, Tracker

SCHEMA_VERSION = 1


def tracker_to_json(tracker: Tracker) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "release": tracker.release,
        "next_release": tracker.next_release,
        "intro": tracker.intro,
        "milestones": [
            {
                "when": m.when,
                "label": m.label,
                "date": m.date.isoformat() if m.date else None,
            }
            for m in tracker.milestones
        ],
        "sections": [
            {
                "key": sec.key,
                "title": sec.title,
                "notes": list(sec.notes),
                "items": [_item(tracker, it) for it in tracker.children(None, sec.key)],
            }
            for sec in tracker.sections
        ],
        "footnotes": [{"number": f.number, "url": f.url} for f in tracker.footnotes],
        "status_mails": [
            {
                "message_id": m.message_id,
                "subject": m.subject,
                "date": m.date.isoformat() if m.date else None,
            }
            for m in tracker.status_mails
        ],
    }


def _item(tracker: Tracker, item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "text": item.text,
        "tags": list(item.tags),
        "owners": list(item.owners),
        "status": item.status.value,
        "status_note": item.status_note,
        "version": item.version,
        "release": item.release,
        "links": [
            {"url": x.url, "message_id": x.message_id, "tracker_id": x.tracker_id, "title": x.title}
            for x in item.links
        ],
        "notes": list(item.notes),
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
        "children": [_item(tracker, child) for child in tracker.children(item.id)],
    }
