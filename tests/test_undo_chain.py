"""Undo on the command line: each undo of an undo flips the change again, and the
item's log shows the undo events."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clirun import REPO, Project, find_item, seed_path


@pytest.fixture
def seeded(tmp_path: Path) -> Project:
    p = Project.create(tmp_path)
    p.ok("init")
    p.ok("import", str(seed_path()))
    return p


def seq_of(output: str) -> str:
    found = re.match(r"event (\d+):", output)
    assert found, output
    return found.group(1)


def test_each_undo_of_an_undo_flips_a_status_again(seeded: Project) -> None:
    assert find_item(seeded, "T12")["status"] == "open"
    last = seq_of(seeded.ok("status", "T12", "done"))
    expected = ["open", "done", "open", "done", "open"]
    for want in expected:
        last = seq_of(seeded.ok("undo", last))
        assert find_item(seeded, "T12")["status"] == want


def test_each_undo_of_an_undo_flips_an_item_edit_again(seeded: Project) -> None:
    before = find_item(seeded, "T13")["text"]
    last = seq_of(seeded.ok("item", "edit", "T13", "Create and restore, async"))
    for want in [before, "Create and restore, async", before, "Create and restore, async"]:
        last = seq_of(seeded.ok("undo", last))
        assert find_item(seeded, "T13")["text"] == want


def test_an_undo_that_is_undone_cannot_be_undone_again(seeded: Project) -> None:
    change = seq_of(seeded.ok("status", "T12", "done"))
    first = seq_of(seeded.ok("undo", change))
    seeded.ok("undo", first)
    again = seeded.run("undo", first)
    assert again.exit_code == 1 and "already undone" in again.output
    assert find_item(seeded, "T12")["status"] == "done"


def test_log_of_an_item_shows_its_undo_events(seeded: Project) -> None:
    change = seq_of(seeded.ok("status", "T12", "done"))
    first = seq_of(seeded.ok("undo", change))
    second = seq_of(seeded.ok("undo", first))
    log = seeded.ok("log", "--item", "T12").splitlines()
    undo_lines = [line for line in log if "undid event" in line]
    assert [line.split()[0] for line in undo_lines] == [first, second]
    assert f"undid event {change}" in undo_lines[0]
    assert "T12" in undo_lines[0]
    assert not any("undid event" in line for line in seeded.ok("log", "--item", "T1").splitlines())


def test_an_undone_change_is_not_in_the_changes_part(tmp_path: Path) -> None:
    p = Project.create(tmp_path)
    p.ok("init")
    p.ok("import", str(REPO / "docs" / "examples" / "status-4.2.eml"))
    change = seq_of(p.ok("status", "T12", "done"))
    p.ok("status", "T13", "in", "progress")
    assert "now done" in " ".join(p.ok("render").split())
    p.ok("undo", change)
    body = " ".join(p.ok("render").split())
    assert "now done" not in body and "now in progress" in body
