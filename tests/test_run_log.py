"""What `relbot run` logs while it follows a local maildir: one line per poll that found mail.

APScheduler's own "Running job" / "executed successfully" pair for every run
of the poll job is noise; a poll that found nothing says nothing; a poll that
read mail says in one line what it read and what it changed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from runproc import REPO, RelbotProcess, edit_config, fill_maildir

from tests.clirun import Project

RUNNING = "running; next send"
EXAMPLES = REPO / "docs" / "examples"
CLAIM_ID = "4F8C1A23.7050301@citrix.com"


def demo(tmp_path: Path, interval: str) -> tuple[Project, Path]:
    """A project whose maildir holds five example replies; the claim is kept aside."""
    p = Project.create(tmp_path / "rm")
    tz = 'timezone = "Europe/London"\n'
    edit_config(p.root / "config.toml", (tz, tz + interval))
    p.ok("init")
    p.ok("import", str(EXAMPLES / "status-4.2.eml"))
    fill_maildir(p.root / "var" / "mail", sorted((EXAMPLES / "replies").glob("*.eml")))
    new = p.root / "var" / "mail" / "new"
    (claim,) = [f for f in new.iterdir() if CLAIM_ID.encode() in f.read_bytes()]
    aside = tmp_path / claim.name
    claim.rename(aside)
    return p, aside


def mail_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if " relbot.service.scheduler: mail" in line]


def test_one_line_per_poll_that_found_mail_and_no_scheduler_chatter(tmp_path: Path) -> None:
    p, claim = demo(tmp_path, "poll_interval = 1\n")
    with RelbotProcess(p.root / "config.toml", "run") as run:
        first = run.wait_for("relbot.service.scheduler: mail")
        assert "scanned 5" in run.lines[first], run.output
        time.sleep(3.5)  # three polls that find nothing
        quiet = len(run.lines)
        target = p.root / "var" / "mail" / "new" / claim.name
        claim.rename(target)
        found = run.wait_for(CLAIM_ID, timeout=20, start=quiet)
        time.sleep(2.5)  # two more empty polls
        assert run.stop() == 0, run.output
    lines = run.lines
    assert not [x for x in lines if "Running job" in x or "executed successfully" in x], run.output
    # the first poll's line, then nothing until the claim, then that one line
    assert mail_lines(lines[: first + 1]) == [lines[first]], run.output
    assert mail_lines(lines[first + 1 : quiet]) == [], run.output
    after = mail_lines(lines[quiet:])
    assert after == [lines[found]], run.output
    assert "scanned 1, thread members 1, applied 1" in lines[found], run.output
    assert "Roger Pau Monne" in lines[found], run.output


def test_a_local_maildir_is_polled_often_by_default(tmp_path: Path) -> None:
    p, _ = demo(tmp_path, "")  # no poll_interval: the default for a maildir
    with RelbotProcess(p.root / "config.toml", "run") as run:
        line = run.lines[run.wait_for(RUNNING)]
        assert run.stop() == 0, run.output
    m = re.search(r"reading .*var/mail every (\d+) s", run.output)
    assert m is not None, run.output
    assert 5 <= int(m.group(1)) <= 60, line
