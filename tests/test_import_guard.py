"""`relbot import` over a tracker: it says what it removes, refuses a mail of another
release or one that would remove most items unless told `--replace`, and one undo
takes a whole import back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from clirun import Project, seed_path

OTHER_RELEASE = """\
From: Jan Beulich <jbeulich@example.com>
To: xen-devel <xen-devel@lists.example.org>
Subject: [Xen-devel] 4.3 Release Plan / TODO
Date: Tue, 02 Apr 2013 10:11:12 +0100
Message-ID: <515AA1B0.4030201@example.com>
Content-Type: text/plain; charset="UTF-8"

Plan for a 4.3 release:

The time line is as follows:

25 March        -- Feature freeze
                                                       << WE ARE HERE
6 May           -- First release candidate

hypervisor, blockers:
      * Event channel scalability (Wei Liu, patches posted)
      * XSA-45 follow-ups (Jan Beulich)

tools, blockers:
      * xl vcpu-set with more than 64 vcpus (nobody yet)
"""

#: the 4.2 mail again, three weeks on, cut down to three of its items
CUT_DOWN = """\
From: Ian Campbell <Ian.Campbell@citrix.com>
To: xen-devel <xen-devel@lists.xen.org>
Subject: [Xen-devel] 4.2 Release Plan / TODO
Date: Mon, 07 May 2012 11:02:03 +0100
Message-ID: <1336384923.4213.7.camel@zakaz.uk.xensource.com>
Content-Type: text/plain; charset="UTF-8"

Plan for a 4.2 release:

hypervisor, blockers:
      * [BUG] Zombie driver domains.  There's a bug where PV guests with
        devices passed through with xl hang around as "zombies", with
        one outstanding page reference.  I think this should really be a
        blocker. I'm working on this at the moment (George Dunlap).

tools, blockers:
      * libxl stable API -- we would like 4.2 to define a stable API
        which downstream's can start to rely on not changing. Aspects of
        this are:
              * Safe fork vs. fd handling hooks. Involves API changes
                (Ian J, patches posted)
"""


@pytest.fixture
def seeded(tmp_path: Path) -> Project:
    p = Project.create(tmp_path)
    p.ok("init")
    p.ok("import", str(seed_path()))
    return p


def state(p: Project) -> str:
    return p.ok("show", "--json")


def write(p: Project, name: str, text: str) -> Path:
    path = p.root / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mail_of_another_release_is_refused_and_says_what_it_would_remove(
    seeded: Project,
) -> None:
    before = state(seeded)
    mail = write(seeded, "status-4.3.eml", OTHER_RELEASE)
    result = seeded.run("import", str(mail))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert "4.3" in first and "4.2" in first and "--replace" in first
    assert re.search(r"would remove T1\b.*Zombie driver domains", result.output)
    assert state(seeded) == before


def test_a_mail_that_would_remove_most_items_is_refused(seeded: Project) -> None:
    before = state(seeded)
    mail = write(seeded, "cut.eml", CUT_DOWN)
    result = seeded.run("import", str(mail))
    assert result.exit_code == 1
    assert "max_removed_share" in result.output and "--replace" in result.output
    assert re.search(r"would remove T12\b", result.output)
    assert state(seeded) == before


def test_the_share_is_configurable(tmp_path: Path) -> None:
    p = Project.create(tmp_path, "[import]\nmax_removed_share = 1.0\n")
    p.ok("init")
    p.ok("import", str(seed_path()))
    out = p.ok("import", str(write(p, "cut.eml", CUT_DOWN)))
    assert re.search(r"removed T12\b", out)
    bad = Project.create(tmp_path / "bad", "[import]\nmax_removed_share = 2\n")
    result = bad.run("check-config")
    assert result.exit_code == 1 and "max_removed_share" in result.output


def test_replace_imports_it_and_one_undo_takes_the_whole_import_back(seeded: Project) -> None:
    before = json.loads(state(seeded))
    mail = write(seeded, "status-4.3.eml", OTHER_RELEASE)
    out = seeded.ok("import", "--replace", str(mail))
    assert re.search(r"removed T1\b.*Zombie driver domains", out)
    after = json.loads(state(seeded))
    assert after["release"] == "4.3"
    found = re.search(r"`relbot undo (\d+)`", out)
    assert found, out
    undone = seeded.ok("undo", found.group(1))
    assert "import" in undone
    assert json.loads(state(seeded)) == before


def test_a_tracker_with_no_release_yet_is_of_the_configured_one(tmp_path: Path) -> None:
    p = Project.create(tmp_path)
    p.ok("init")
    p.ok("item", "add", "hypervisor, blockers", "Event channel scalability")
    p.ok("item", "add", "tools, blockers", "xl vcpu-set with more than 64 vcpus")
    result = p.run("import", str(write(p, "status-4.3.eml", OTHER_RELEASE)))
    assert result.exit_code == 1
    assert "release 4.3, but the tracker holds 4.2" in result.output
