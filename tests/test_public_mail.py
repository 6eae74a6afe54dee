"""What reaches the list: no internal labels, ids only when asked for, an
honest call for volunteers, the RM's intro as the RM last wrote it, and no
person's signature under a mail the bot sends."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result
from clirun import REPO, Project

from relbot.cli import main

STATUS = REPO / "docs" / "examples" / "status-4.2.eml"
#: a week after the 2012 mail
NEXT_WEEK = "2012-04-23"


def seeded(tmp_path: Path, extra: str = "") -> Project:
    p = Project.create(tmp_path / "rm", extra)
    p.ok("init")
    p.ok("import", str(STATUS))
    return p


def part(text: str, heading: str) -> list[str]:
    """The lines of the block that starts with ``heading``, up to a blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line)
    return block


def run_with_env(p: Project, env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(p.root / "config.toml"), *args], env=env)


def body_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("\n\n", 1)[1]


def test_changes_part_names_no_internal_labels_nor_ids(tmp_path: Path) -> None:
    p = seeded(tmp_path)
    # the RM imports a hand-edited body: a new intro and a moved milestone
    body = body_of(STATUS)
    body = body.replace("Mid/Late April  -- First", "Late April      -- First")
    intro = "The updated TODO list follows."
    body = body.replace(intro, f"This week the freeze holds. {intro}")
    edited = tmp_path / "week2.txt"
    edited.write_text(body, encoding="utf-8")
    p.ok("import", str(edited))
    p.ok("claim", "T13", "Ian Jackson")
    changes = "\n".join(part(p.ok("render", "--date", NEXT_WEEK), "Changes since"))
    for label in (
        "release release",
        "intro text",
        "milestones milestones",
        "section key",
        "footnote number",
        "(import)",
        "(cli)",
    ):
        assert label not in changes, f"{label!r} in the changes part:\n{changes}"
    assert not re.search(r"\bT\d+\b", changes), changes
    assert "libxl_domain_create_{new,restore}" in changes
    assert "claimed by Ian Jackson" in changes
    assert "updated the time line" in changes


def test_changes_part_shows_ids_when_asked(tmp_path: Path) -> None:
    p = seeded(tmp_path)
    config = p.root / "config.toml"
    config.write_text(
        config.read_text().replace("item_ids = false", "item_ids = true"), encoding="utf-8"
    )
    p.ok("claim", "T13", "Ian Jackson")
    changes = "\n".join(part(p.ok("render", "--date", NEXT_WEEK), "Changes since"))
    assert "T13" in changes


def test_volunteers_leave_out_heading_only_items(tmp_path: Path) -> None:
    p = seeded(tmp_path)
    # "xl compatibility with xm:" loses its only sub-item: a heading with nothing under it
    p.ok("item", "remove", "T25")
    wanted = "\n".join(part(p.ok("render", "--date", NEXT_WEEK), "Volunteers wanted"))
    assert "xl compatibility with xm" not in wanted
    assert "libxl_domain_core_dump" in wanted


def test_volunteers_leave_out_items_someone_is_doing(tmp_path: Path) -> None:
    p = seeded(tmp_path)
    p.ok("claim", "T15", "Ian Jackson")
    wanted = "\n".join(part(p.ok("render", "--date", NEXT_WEEK), "Volunteers wanted"))
    # claimed on the command line, and claimed in the item's own words
    assert "libxl_domain_core_dump" not in wanted
    assert "libxl_domain_create_" not in wanted  # T13: "IanJ has patches"
    assert "libxl_cdrom_insert" not in wanted  # T17: "IanJ to look at"
    assert "libxl_fork" not in wanted  # T22: "IanJ's event series removes all users"
    assert "libxl_device_pci_{add,remove}" in wanted


def test_intro_is_the_rms_to_edit(tmp_path: Path) -> None:
    p = seeded(tmp_path)
    assert p.ok("intro", "show").startswith("The updated TODO list follows.")
    new = tmp_path / "intro.txt"
    new.write_text("Feature freeze is two weeks away.\n\nPlease claim what you can.\n")
    p.ok("intro", "set", str(new))
    mail = p.ok("render", "--date", NEXT_WEEK)
    assert "Feature freeze is two weeks away.\n\nPlease claim what you can.\n" in mail
    assert "The updated TODO list follows." not in mail
    assert p.ok("intro", "show") == new.read_text()
    # an editor changes it in place; `relbot undo` brings the last one back
    result = run_with_env(p, {"EDITOR": "sed -i s/claim/pick/"}, "intro", "edit")
    assert result.exit_code == 0, result.output
    assert "Please pick what you can." in p.ok("intro", "show")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    p.ok("intro", "set", str(empty))
    assert "Feature freeze" not in p.ok("render", "--date", NEXT_WEEK)
    missing = p.run("intro", "set", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2
    # from standard input; the change is an event that `relbot undo` takes back
    assert "intro 1 paragraph" in p.run("intro", "set", "-", input="Short.\n").output
    event = int(p.ok("log").splitlines()[-1].split()[0])
    p.ok("undo", str(event))
    assert "Short." not in p.ok("render", "--date", NEXT_WEEK)


def test_bot_mail_is_not_signed_by_a_person_unless_configured(tmp_path: Path) -> None:
    p = seeded(tmp_path)
    mail = p.ok("render", "--date", NEXT_WEEK)
    assert "\n-- \n" not in mail and not mail.rstrip().endswith("Ian Campbell")
    q = seeded(tmp_path / "signed")
    config = q.root / "config.toml"
    config.write_text(
        config.read_text().replace(
            "[render]\n", '[render]\nsignature = "The {release} release managers"\n'
        ),
        encoding="utf-8",
    )
    assert q.ok("render", "--date", NEXT_WEEK).endswith("\n-- \nThe 4.2 release managers\n")


def test_release_name_from_config_when_the_tracker_has_none(tmp_path: Path) -> None:
    p = Project.create(tmp_path / "rm")
    p.ok("init")
    p.ok("item", "add", "tools, blockers", "Fix the thing")
    assert p.ok("show").startswith("Release 4.2\n")
    assert p.ok("render", "--date", NEXT_WEEK).startswith("Plan for a 4.2 release:\n")
