"""`relbot run --once` keeps the schedule, the misfire grace and the review rules of
`relbot run`, and `send --dry-run` says what `send` would do."""

from __future__ import annotations

from pathlib import Path

from clirun import Project, seed_path

#: Monday 30 November 2026, a little after the 12:00 (GMT) send slot of 2026-W49
AT = "2026-11-30T12:05+0000"
#: Saturday 5 December 2026: the 2026-W49 slot was 115 h ago
LATE = "2026-12-05T07:00+0000"
#: Sunday 6 December 2026, an hour after the preview time of 2026-W50
SUNDAY = "2026-12-06T13:00+0000"


def project(tmp_path: Path, review: str = "auto") -> Project:
    p = Project.create(tmp_path)
    config = p.root / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('review = "auto"', f'review = "{review}"'), encoding="utf-8")
    p.ok("init")
    p.ok("import", str(seed_path()))
    return p


def mails(p: Project) -> list[str]:
    """Subjects of the mails written to the outbox folder (list mails and previews)."""
    folder = p.root / "var" / "outbox"
    found = []
    for path in sorted(folder.glob("*.eml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Subject: "):
                found.append(line.removeprefix("Subject: "))
                break
    return found


def test_run_once_within_the_grace_sends_the_week(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("run", "--once", "--at", AT)
    assert "2026-W49: sent" in out
    assert mails(p) == ["4.2 Release Plan / TODO"]


def test_run_once_past_the_grace_sends_nothing_and_says_why(tmp_path: Path) -> None:
    p = project(tmp_path, review="preview")
    out = p.ok("run", "--once", "--at", LATE)
    assert mails(p) == []
    assert "past misfire_grace_hours = 6" in out
    assert "`relbot send --now` sends it late" in out


def test_run_once_on_a_sunday_previews_next_week_and_leaves_last_week_alone(
    tmp_path: Path,
) -> None:
    p = project(tmp_path, review="preview")
    out = p.ok("run", "--once", "--at", SUNDAY)
    assert "2026-W50: preview sent" in out
    assert "2026-W49: sent" not in out
    [preview] = mails(p)
    assert preview.startswith("[relbot preview]")
    outbox = p.ok("outbox")
    assert "2026-W49" not in outbox and "2026-W50  draft" in outbox


def test_run_once_never_sends_a_mail_whose_preview_was_skipped(tmp_path: Path) -> None:
    p = project(tmp_path, review="preview")
    out = p.ok("run", "--once", "--at", AT)  # the preview time (Sunday 12:00) went by unseen
    [preview] = mails(p)
    assert preview.startswith("[relbot preview]")
    assert "2026-W49: sent" not in out
    assert "relbot approve 2026-W49" in out
    assert "2026-W49: sent" in p.ok("approve", "2026-W49", "--at", "2026-11-30T12:30+0000")
    assert mails(p)[1:] == ["4.2 Release Plan / TODO"]


def test_send_dry_run_says_the_mail_is_past_its_grace(tmp_path: Path) -> None:
    p = project(tmp_path)
    late = "2026-12-01T09:00+0000"
    real = p.ok("send", "--at", late)
    assert "past misfire_grace_hours" in real
    dry = p.ok("send", "--dry-run", "--at", late)
    assert "dry run" in dry
    assert "would not be sent" in dry and "past misfire_grace_hours = 6" in dry
    assert mails(p) == []


def test_send_dry_run_says_a_held_mail_stays(tmp_path: Path) -> None:
    p = project(tmp_path)
    p.ok("hold", "--at", "2026-11-27T10:00+0000")
    dry = p.ok("send", "--dry-run", "--at", AT)
    assert "would not be sent" in dry and "held" in dry
    dry_now = p.ok("send", "--dry-run", "--now", "--at", AT)
    assert "would not be sent" in dry_now and "held" in dry_now


def test_send_dry_run_says_it_would_send_when_it_would(tmp_path: Path) -> None:
    p = project(tmp_path)
    dry = p.ok("send", "--dry-run", "--at", AT)
    assert "would be sent" in dry and "would not" not in dry
    late = p.ok("send", "--dry-run", "--now", "--at", "2026-12-01T09:00+0000")
    assert "would be sent" in late and "would not" not in late
    assert mails(p) == []
    assert p.ok("outbox").startswith("The outbox is empty")


def test_run_once_now_sends_a_late_week_and_only_once(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("run", "--once", "--now", "--at", LATE)
    assert "2026-W49: sent" in out
    again = p.ok("run", "--once", "--now", "--at", LATE)
    assert "2026-W49: already sent" in again
    assert mails(p) == ["4.2 Release Plan / TODO"]


def test_run_once_now_still_waits_for_an_approval(tmp_path: Path) -> None:
    p = project(tmp_path, review="approve")
    out = p.ok("run", "--once", "--now", "--at", LATE)
    assert "2026-W49: sent" not in out
    assert "relbot approve 2026-W49" in out
    assert all(s.startswith("[relbot preview]") for s in mails(p))


def test_now_without_once_is_refused(tmp_path: Path) -> None:
    p = project(tmp_path)
    result = p.run("run", "--now")
    assert result.exit_code in (1, 2)
    assert "--now goes with --once" in result.output
    assert mails(p) == []
