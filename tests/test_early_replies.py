"""Replies read before the status mail they answer is imported are kept, and read
again against it when it arrives: the same tracker as if they had come after it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from clirun import REPO, Project

EXAMPLES = REPO / "docs" / "examples"
STATUS = EXAMPLES / "status-4.2.eml"
REPLIES = sorted((EXAMPLES / "replies").glob("*.eml"))


def project(root: Path) -> Project:
    p = Project.create(root)
    p.ok("init")
    return p


def deliver(p: Project) -> None:
    for number, reply in enumerate(REPLIES):
        shutil.copyfile(reply, p.root / "var" / "mail" / "new" / f"1334580000.M{number:03d}P0.x")


def summary(p: Project) -> dict[str, Any]:
    """What each item says (not when): status, owners, links; and what waits for review."""
    items: dict[str, Any] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for it in nodes:
            links = sorted(json.dumps(link, sort_keys=True) for link in it["links"])
            items[it["id"]] = (it["status"], it["release"], it["owners"], links, it["text"])
            walk(it["children"])

    for section in json.loads(p.ok("show", "--json"))["sections"]:
        walk(section["items"])
    pending = [line.split(None, 1)[1] for line in p.ok("pending").splitlines() if line[:4].strip()]
    return {"items": items, "pending": pending}


def test_replies_before_the_status_mail_count_once_it_is_imported(tmp_path: Path) -> None:
    usual = project(tmp_path / "usual")
    usual.ok("import", str(STATUS))
    deliver(usual)
    assert "thread members 6, applied 5, pending 1" in usual.ok("poll", "--once")

    early = project(tmp_path / "early")
    deliver(early)
    early.ok("poll", "--once")  # no status mail yet: nothing to attribute them to
    out = early.ok("import", str(STATUS))
    assert "read again 6 replies to it" in out
    assert summary(early) == summary(usual)
    again = early.ok("poll", "--once")
    assert "thread members 0" in again and "duplicates 6" in again
    assert summary(early) == summary(usual)


def test_a_proposal_from_before_the_import_is_replaced_not_left_dangling(tmp_path: Path) -> None:
    early = project(tmp_path)
    deliver(early)
    early.ok("poll", "--once")
    stale = [line for line in early.ok("pending").splitlines() if line[:4].strip()]
    assert stale  # each reply waited for a release manager, with no item to go to
    early.ok("import", str(STATUS))
    waiting = [line for line in early.ok("pending").splitlines() if line[:4].strip()]
    assert len(waiting) == 1 and "T27" in waiting[0]
    number = waiting[0].split()[0]
    assert "accepted" in early.ok("accept", number)
    first_stale = stale[0].split()[0]
    result = early.run("accept", first_stale)
    assert result.exit_code == 1 and "already" in result.output
