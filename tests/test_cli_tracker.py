"""The RM's command line against a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import Project, find_in_state, seed_path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path)
    p.ok("init")
    return p


@pytest.fixture
def seeded(project: Project) -> Project:
    out = project.ok("import", str(seed_path()))
    assert "49 items added" in out
    return project


def tracker(p: Project) -> dict:  # type: ignore[type-arg]
    return json.loads(p.ok("show", "--json"))


def test_init_creates_store_and_folders(project: Project) -> None:
    assert (project.root / "var" / "relbot.db").is_file()
    assert (project.root / "var" / "mail" / "new").is_dir()
    assert (project.root / "var" / "outbox").is_dir()


def test_show_json_schema(seeded: Project) -> None:
    state = tracker(seeded)
    assert state["schema"] == 1
    assert [s["key"] for s in state["sections"]] == [
        "hypervisor, blockers",
        "tools, blockers",
        "hypervisor, nice to have",
        "tools, nice to have",
    ]
    zombie = find_in_state(state, "T1")
    assert zombie["owners"] == ["George Dunlap"]
    assert zombie["tags"] == ["BUG"]
    assert set(zombie) == {
        "id",
        "text",
        "tags",
        "owners",
        "status",
        "status_note",
        "version",
        "release",
        "links",
        "notes",
        "closed_at",
        "children",
    }


def test_item_lifecycle(seeded: Project) -> None:
    out = seeded.ok("item", "add", "tools, blockers", "xl: fix vif rate parsing", "--tag", "bug")
    assert "added T50" in out
    seeded.ok("claim", "T50", "Mathieu Gagne")
    seeded.ok("status", "T50", "patches", "posted", "--version", "v2")
    seeded.ok("link", "T50", "https://lore.kernel.org/xen-devel/20120416.123@example.org/")
    seeded.ok("note", "T50", "needs a test")
    seeded.ok("item", "edit", "T50", "xl: fix vif rate= parsing")
    seeded.ok("move", "T50", "tools, nice")
    item = find_in_state(tracker(seeded), "T50")
    assert item["text"] == "xl: fix vif rate= parsing"
    assert item["tags"] == ["BUG"]
    assert item["owners"] == ["Mathieu Gagne"]
    assert (item["status"], item["version"]) == ("patches posted", "v2")
    assert item["links"][0]["message_id"] == "20120416.123@example.org"
    assert item["notes"] == ["needs a test"]
    sections = {s["key"]: [i["id"] for i in s["items"]] for s in tracker(seeded)["sections"]}
    assert "T50" in sections["tools, nice to have"]
    seeded.ok("unclaim", "T50")
    seeded.ok("status", "T50", "deferred", "--release", "4.3")
    item = find_in_state(tracker(seeded), "T50")
    assert item["owners"] == [] and item["release"] == "4.3"


def test_nested_add_and_remove(seeded: Project) -> None:
    seeded.ok("item", "add", "tools", "child item", "--parent", "T4")
    assert any(c["id"] == "T50" for c in find_in_state(tracker(seeded), "T4")["children"])
    seeded.ok("item", "remove", "T4")
    with pytest.raises(AssertionError):
        find_in_state(tracker(seeded), "T50")


def test_log_and_undo(seeded: Project) -> None:
    seeded.ok("claim", "T12", "Roger Pau Monne")
    last = seeded.ok("log", "--limit", "1")
    assert "T12 (libxl_domain_suspend." in last and "claimed by Roger Pau Monne" in last
    seq = last.split()[0]
    seeded.ok("undo", seq)
    assert find_in_state(tracker(seeded), "T12")["owners"] == []
    assert "(undone)" in seeded.ok("log", "--item", "T12")
    again = seeded.run("undo", seq)
    assert again.exit_code == 1 and "already undone" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("claim", "T999", "x"), "no item 'T999'"),
        (("status", "T1", "finished-ish"), "unknown status 'finished-ish'"),
        (("status", "T1", "open", "--release", "4.3"), "--release goes with"),
        (("item", "add", "drivers", "x"), "no section 'drivers'"),
        (("render", "--date", "16/04/2012"), "--date: expected YYYY-MM-DD"),
        (("undo", "9999"), "no event 9999"),
        (("unclaim", "T1", "Nobody Here"), "does not own T1"),
        (("move", "T4", "--parent", "T5"), "cannot move T4 under itself"),
    ],
)
def test_bad_input_is_one_clear_line(seeded: Project, args: tuple[str, ...], message: str) -> None:
    result = seeded.run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(seeded: Project) -> None:
    assert seeded.run("claim").exit_code == 2
    assert seeded.run("move", "T4").exit_code == 2


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    p = Project.create(tmp_path, extra_config="[bogus]\nx = 1\n")
    result = p.run("show")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "unknown key bogus" in result.output


def test_check_config_prints_values(project: Project) -> None:
    result = project.run("check-config")
    assert result.exit_code == 0, result.output
    assert '[schedule]\nsend = "mon 12:00"' in result.stdout
    assert "config.toml: OK (a dry run rendered" in result.stderr


def test_import_refuses_bad_input(project: Project, tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("Hi all,\n\nthanks for the review, I'll respin.\n\nCheers\n")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"x" * (10 * 1024 * 1024 + 1))
    for path, message in [
        (chat, "not a status mail"),
        (junk, "not a status mail"),
        (empty, "empty"),
        (huge, "too large"),
    ]:
        result = project.run("import", str(path))
        assert result.exit_code == 1, path
        assert message in result.output
    assert json.loads(project.ok("show", "--json"))["sections"] == []


def test_reimport_is_idempotent(seeded: Project) -> None:
    out = seeded.ok("import", str(seed_path()))
    assert "0 items added, 0 changed" in out
