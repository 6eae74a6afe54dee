"""Replies read before the status mail they answer is imported are kept, and read
again against it when it arrives: the same tracker as if they had come after it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from clirun import REPO, Project, find_item
from servers import Dovecot

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
    # the maildir is read incrementally: the six files were read, nothing is applied again
    assert "thread members 0, applied 0" in again
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


#: a reply under its own subject: not in a status thread until its status mail is known
OFF_SUBJECT = (
    b"From: Roger Pau Monne <roger.pau@citrix.com>\n"
    b"To: xen-devel <xen-devel@lists.xen.org>\n"
    b"Subject: libxl_domain_suspend (was: 4.2 TODO)\n"
    b"Date: Tue, 17 Apr 2012 10:00:00 +0100\n"
    b"Message-ID: <4F8D1111.2020202@citrix.com>\n"
    b"In-Reply-To: <1334575910.28331.41.camel@zakaz.uk.xensource.com>\n"
    b"References: <1334575910.28331.41.camel@zakaz.uk.xensource.com>\n"
    b"Content-Type: text/plain; charset=utf-8\n\n"
    b">                       * libxl_domain_suspend. Nobody has looked at these\n"
    b">                         at all. A volunteer would be appreciated.\n\n"
    b"I'll take this one.\n"
)


def test_a_reply_that_was_not_read_is_found_in_the_maildir_at_the_import(tmp_path: Path) -> None:
    p = project(tmp_path)
    (p.root / "var" / "mail" / "new" / "1334650000.M001P0.x").write_bytes(OFF_SUBJECT)
    assert "thread members 0" in p.ok("poll", "--once")
    out = p.ok("import", str(STATUS))
    assert "found 1 more reply to it in the mailbox" in out
    assert find_item(p, "T12")["owners"] == ["Roger Pau Monne"]


def test_a_reply_that_was_not_read_is_found_over_imap_at_the_import(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELBOT_TEST_IMAP_PASSWORD", dovecot.password)
    p = Project.create(tmp_path)
    text = (p.root / "config.toml").read_text(encoding="utf-8")
    for old, new in (
        ('source = "maildir"', 'source = "imap"'),
        (
            'host = "imap.example.org"\nport = 993\ntls = "ssl"',
            f'host = "127.0.0.1"\nport = {dovecot.imap_port}\ntls = "none"\ntimeout = 10',
        ),
        ('password_env = "RELBOT_IMAP_PASSWORD"', 'password_env = "RELBOT_TEST_IMAP_PASSWORD"'),
        ('folders = ["INBOX"]', 'folders = ["lists/dev"]'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (p.root / "config.toml").write_text(text, encoding="utf-8")
    p.ok("init")
    dovecot.create("lists/dev")
    dovecot.deliver_lmtp(OFF_SUBJECT, "lists/dev")
    assert "scanned 1, thread members 0" in p.ok("poll", "--once")
    out = p.ok("import", str(STATUS))
    assert "found 1 more reply to it in the mailbox" in out
    assert find_item(p, "T12")["owners"] == ["Roger Pau Monne"]
    again = p.ok("poll", "--once")
    assert "applied 0" in again
    assert find_item(p, "T12")["owners"] == ["Roger Pau Monne"]
