"""Nonsense on the command line is refused with one line, and never reaches the tracker:
links that point nowhere, versions that are not versions, files that are not mail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import Project, find_item, seed_path

REPLY = b"""\
From: Roger Pau Monne <roger.pau@citrix.com>
To: xen-devel <xen-devel@lists.xen.org>
Subject: Re: [Xen-devel] 4.2 Release Plan / TODO
Date: Tue, 17 Apr 2012 10:00:00 +0100
Message-ID: <4F8D2A10.9090909@citrix.com>
Content-Type: text/plain; charset=us-ascii

#relbot T12 link http://bugs.xenproject.org/xen/bug/\x0012
The crash log is at http://paste.example.org/\x00raw/1 if it helps.
"""


@pytest.fixture
def seeded(tmp_path: Path) -> Project:
    p = Project.create(tmp_path)
    p.ok("init")
    p.ok("import", str(seed_path()))
    return p


def one_line_error(result_output: str) -> str:
    lines = [line for line in result_output.splitlines() if line.strip()]
    assert len(lines) == 1, result_output
    assert lines[0].startswith("relbot: error: "), result_output
    return lines[0]


@pytest.mark.parametrize("url", ["not a url", "", "   ", "http://"])
def test_link_refuses_what_points_nowhere(seeded: Project, url: str) -> None:
    result = seeded.run("link", "T12", url)
    assert result.exit_code == 1
    one_line_error(result.output)
    assert find_item(seeded, "T12")["links"] == []


def test_link_takes_urls_message_ids_and_tracker_ids(seeded: Project) -> None:
    seeded.ok("link", "T12", "https://bugs.xenproject.org/xen/bug/12")
    seeded.ok("link", "T12", "<4F8C1A23.7050301@citrix.com>")
    seeded.ok("link", "T12", "XEN-28")
    links = find_item(seeded, "T12")["links"]
    assert [
        link.get("url") or link.get("message_id") or link.get("tracker_id") for link in links
    ] == [
        "https://bugs.xenproject.org/xen/bug/12",
        "4F8C1A23.7050301@citrix.com",
        "XEN-28",
    ]


@pytest.mark.parametrize("version", ["banana", "", "v", "4 or 5"])
def test_a_version_must_be_a_version(seeded: Project, version: str) -> None:
    result = seeded.run("status", "T12", "patches", "posted", "--version", version)
    assert result.exit_code in (1, 2)
    assert "--version" in result.output
    assert find_item(seeded, "T12")["status"] == "open"


@pytest.mark.parametrize(
    "given,stored",
    [("v7", "v7"), ("V3", "v3"), ("5", "v5")],
)
def test_a_version_is_stored_as_vN(seeded: Project, given: str, stored: str) -> None:
    seeded.ok("status", "T12", "patches", "posted", "--version", given)
    assert find_item(seeded, "T12")["version"] == stored


@pytest.mark.parametrize(
    "name,data,words",
    [
        ("empty.eml", b"", "empty"),
        ("blank.eml", b"\n\n  \n", "empty"),
        ("binary.eml", bytes(range(256)) * 8, "binary"),
        ("elf.eml", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200, "binary"),
        ("notes.txt", b"just some words\nno headers at all\nhttp://example.org/a\n", "not a mail"),
    ],
)
def test_parse_reply_refuses_what_is_not_a_mail(
    seeded: Project, name: str, data: bytes, words: str
) -> None:
    path = seeded.root / name
    path.write_bytes(data)
    for extra in ((), ("--json",)):
        result = seeded.run("parse-reply", str(path), *extra)
        assert result.exit_code == 1
        line = one_line_error(result.output)
        assert words in line and name in line


def test_parse_reply_never_proposes_a_link_with_a_nul_byte(seeded: Project) -> None:
    path = seeded.root / "nul.eml"
    path.write_bytes(REPLY)
    data = json.loads(seeded.ok("parse-reply", str(path), "--json"))
    values = json.dumps([a["value"] for a in data["actions"]])
    assert "\\u0000" not in values and "\x00" not in values
    assert data["actions"], "the reply still says something"
