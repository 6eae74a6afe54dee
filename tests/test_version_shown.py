"""What the tracker knows shows in the item: a series version set after the import is
in the item's line, as in "changes since", and survives a re-import of relbot's mail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clirun import REPO, Project, find_item

from relbot.core.statusmail.items import ItemHead, format_item_head
from relbot.core.tracker.model import Status

TEXT = "Upstream qemu PCI passthrough support"
#: the whole message: its Message-ID makes it the mail "changes since" counts from
STATUS = REPO / "docs" / "examples" / "status-4.2.eml"


@pytest.fixture
def seeded(tmp_path: Path) -> Project:
    p = Project.create(tmp_path)
    p.ok("init")
    p.ok("import", str(STATUS))
    return p


def item_id(p: Project, text: str) -> str:
    found: list[str] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for it in nodes:
            if it["text"] == text:
                found.append(it["id"])
            walk(it["children"])

    for section in json.loads(p.ok("show", "--json"))["sections"]:
        walk(section["items"])
    [key] = found
    return key


def item_lines(body: str, text: str) -> str:
    """The bullet that starts with ``text`` and its wrapped lines, as one string."""
    lines = body.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"* {text}"))
    indent = len(lines[start]) - len(lines[start].lstrip()) + 2
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.strip() or len(line) - len(line.lstrip()) != indent:
            break
        block.append(line)
    return " ".join(" ".join(block).split())


def test_a_new_version_shows_in_the_item_as_in_the_changes(seeded: Project) -> None:
    key = item_id(seeded, TEXT)
    assert find_item(seeded, key)["status_note"] == "patches sent"
    seeded.ok("status", key, "patches", "posted", "--version", "v4")
    body = seeded.ok("render", "--date", "2012-04-23")
    assert "now patches posted (v4)" in " ".join(body.split())
    shown = item_lines(body, TEXT)
    assert "v4" in shown and "Anthony Perard" in shown


def test_a_reimport_of_relbots_own_mail_keeps_the_version(seeded: Project) -> None:
    key = item_id(seeded, TEXT)
    seeded.ok("status", key, "patches", "posted", "--version", "v4")
    seeded.ok("send", "--now", "--at", "2026-11-30T12:05+0000")
    [sent] = sorted((seeded.root / "var" / "outbox").glob("*.eml"))
    seeded.ok("import", str(sent))
    item = find_item(seeded, key)
    assert item["status"] == "patches posted" and item["version"] == "v4"
    assert item["owners"] == ["Anthony Perard"]


@pytest.mark.parametrize(
    "head,shown",
    [
        (
            ItemHead(
                text="Upstream qemu PCI passthrough support",
                owners=("Anthony Perard",),
                status=Status.PATCHES_POSTED,
                status_note="patches sent",
                version="v4",
            ),
            "(Anthony Perard, v4, patches sent)",
        ),
        (
            ItemHead(
                text="Upstream qemu PCI passthrough support",
                owners=("Anthony Perard",),
                status=Status.PATCHES_POSTED,
                status_note="patches sent",
            ),
            "(Anthony Perard, patches sent)",
        ),
    ],
)
def test_a_status_note_never_hides_the_version(head: ItemHead, shown: str) -> None:
    assert format_item_head(head, show_id=False).endswith(shown)
