"""A release manager reviews the weekly mail by answering its preview."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clirun import REPO, Project

MONDAY = "2026-11-30T12:00:00+00:00"


def project(tmp_path: Path, review: str) -> Project:
    p = Project.create(tmp_path / review)
    text = (p.root / "config.toml").read_text().replace('review = "auto"', f'review = "{review}"')
    (p.root / "config.toml").write_text(text)
    p.ok("init")
    p.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
    return p


def preview_id(p: Project) -> str:
    (preview,) = (p.root / "var" / "outbox").glob("*relbot.preview.*.eml")
    found = re.search(r"^Message-ID: <([^>]+)>", preview.read_text(), re.MULTILINE)
    assert found
    return found.group(1)


def answer(p: Project, tmp_path: Path, preview: str, body: str, sender: str) -> str:
    mail = tmp_path / f"answer-{abs(hash(body))}.eml"
    mail.write_text(
        f"From: {sender}\nTo: Xen release bot <relbot@example.org>\n"
        "Subject: Re: [relbot preview] 4.2 Release Plan / TODO\n"
        f"Message-ID: <answer-{abs(hash(body))}@example.org>\n"
        f"In-Reply-To: <{preview}>\nReferences: <{preview}>\n\n{body}"
    )
    return p.ok("ingest", str(mail))


RM = "Ian Campbell <ian.campbell@citrix.com>"


def test_approve_by_mail_lets_it_go(tmp_path: Path) -> None:
    p = project(tmp_path, "approve")
    assert "waiting for a release manager" in p.ok("send", "--at", MONDAY)
    out = answer(p, tmp_path, preview_id(p), "Looks good.\n\n#relbot approve\n", RM)
    assert "2026-W49: approved by" in out
    assert "sent <relbot.4.2.2026-W49." in p.ok("send", "--at", MONDAY)


def test_hold_by_mail_stops_it(tmp_path: Path) -> None:
    p = project(tmp_path, "preview")
    out = p.ok("run", "--once", "--at", "2026-11-29T12:00:00+00:00")  # a day ahead
    assert "2026-W49: preview sent" in out
    out = answer(p, tmp_path, preview_id(p), "#relbot hold\n\nT12 is wrong, fixing.\n", RM)
    assert "2026-W49: held by" in out
    assert "2026-W49: held" in p.ok("send", "--at", MONDAY)
    assert "2026-W49  held" in p.ok("outbox")


@pytest.mark.parametrize("command", ["#relbot approve", "#relbot hold"])
def test_only_a_release_manager_reviews(tmp_path: Path, command: str) -> None:
    p = project(tmp_path, "approve")
    p.ok("send", "--at", MONDAY)
    answer(p, tmp_path, preview_id(p), f"{command}\n", "Some One <some.one@example.org>")
    assert "draft" in p.ok("outbox")
    assert "waiting for a release manager" in p.ok("send", "--at", MONDAY)
