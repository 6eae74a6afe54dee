"""`relbot send / outbox / hold / approve / status / run` on a project folder of its own."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from clirun import Project, seed_path
from servers import Dovecot
from test_poller import FOLDER, REPLIES, imap_project, owners

#: Monday 30 November 2026, a little after the 12:00 (GMT) send slot of 2026-W49
AT = "2026-11-30T12:05+0000"


def project(tmp_path: Path, extra: str = "") -> Project:
    p = Project.create(tmp_path, extra)
    p.ok("init")
    p.ok("import", str(seed_path()))
    return p


def eml(p: Project, sub: str = "") -> list[Path]:
    folder = p.root / "var" / "outbox" / sub
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_send_dry_run_then_send_then_again(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("send", "--dry-run", "--at", AT)
    assert "2026-W49: dry run, written to" in out and "(nothing recorded)" in out
    assert len(eml(p, "dry-run")) == 1 and eml(p) == []
    out = p.ok("send", "--at", AT)
    assert out.startswith("2026-W49: sent <relbot.4.2.2026-W49.")
    assert "to xen-devel@lists.example.org" in out
    [sent] = eml(p)
    assert f"the mail is in {sent}" in out
    out = p.ok("send", "--now", "--at", "2026-12-02T09:00+0000")
    assert out.startswith("2026-W49: already sent Mon 30 Nov 2026 12:05 GMT")
    assert len(eml(p)) == 1
    out = p.ok("outbox")
    assert out.startswith("2026-W49  sent      sent Mon 30 Nov 2026 12:05 GMT  <relbot.4.2.")


def test_send_late_needs_now(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("send", "--at", "2026-12-01T09:00+0000")
    assert "past misfire_grace_hours = 6; `relbot send --now` sends it late" in out
    assert eml(p) == []
    assert "2026-W49: sent" in p.ok("send", "--now", "--at", "2026-12-01T09:00+0000")


def test_status_overview_and_the_item_form(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("status", "--at", "2026-11-26T10:00+0000")
    assert out.splitlines() == [
        "release:           4.2",
        "review:            auto",
        "next send:         Mon 30 Nov 2026 12:00 GMT (2026-W49)",
        "last sent:         never",
        "pending proposals: 0",
        "quarantined mail:  0",
    ]
    p.ok("send", "--at", AT)
    out = p.ok("status", "--at", "2026-12-01T10:00+0000")
    assert "next send:         Mon 07 Dec 2026 12:00 GMT (2026-W50)" in out
    assert "last sent:         2026-W49 on Mon 30 Nov 2026 12:05 GMT <relbot.4.2.2026-W49." in out
    # `relbot status ITEM STATUS` still sets an item's status
    assert "is now done" in p.ok("status", "T1", "done")
    bad = p.run("status", "T1")
    assert bad.exit_code == 2 and "give the STATUS" in bad.output


def test_hold_and_approve_in_approve_mode(tmp_path: Path) -> None:
    p = project(tmp_path)
    _set(p, "review", '"approve"')
    out = p.ok("send", "--at", AT)
    assert "2026-W49: waiting for a release manager: `relbot approve 2026-W49`" in out
    [preview] = eml(p)
    assert "[relbot preview]" in preview.read_text()
    assert "2026-W49: held" in p.ok("hold", "--at", AT)
    assert "held" in p.ok("send", "--now", "--at", AT)
    out = p.ok("approve", "2026-W49", "--at", "2026-11-30T12:30+0000")
    assert "2026-W49: sent <relbot.4.2.2026-W49." in out
    assert len(eml(p)) == 2
    assert p.run("approve", "2026-W49").exit_code == 1  # it is sent: nothing to approve
    assert p.run("hold", "week 5").exit_code == 1


def test_hold_before_anything_is_rendered_holds_the_next_mail(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("hold", "--at", "2026-11-27T10:00+0000")
    assert out.startswith("2026-W49: held")
    assert "held" in p.ok("send", "--at", AT)
    assert eml(p) == []


def test_run_once_reads_mail_renders_and_sends_to_the_outbox_folder(tmp_path: Path) -> None:
    p = project(tmp_path)
    out = p.ok("run", "--once", "--at", AT)
    assert "mail: scanned 0" in out
    [sent] = eml(p)
    assert f"the mail is in {sent}" in out
    assert "2026-W49: sent" in out
    again = p.ok("run", "--once", "--at", "2026-11-30T13:00+0000")
    assert "2026-W49: already sent" in again and f"the mail is in {sent}" in again
    # the next week past its grace: the rule of `relbot run`, nothing forced
    late = p.ok("run", "--once", "--at", "2026-12-10T10:00+0000")
    assert "2026-W50: the mail was due" in late and eml(p) == [sent]


def test_a_refused_mail_fails_the_command(tmp_path: Path) -> None:
    p = project(tmp_path)
    out_dir = p.root / "var" / "outbox"
    out_dir.rmdir()
    out_dir.write_text("not a folder")  # the file transport cannot write: a permanent error
    result = p.run("send", "--at", AT)
    assert result.exit_code == 1
    assert "2026-W49: refused: cannot write" in result.output
    assert "2026-W49  failed" in p.ok("outbox")
    assert "outbox:            2026-W49 failed" in p.ok("status", "--at", AT)


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["send", "--now"], 1),
        (["run", "--once", "--now"], 1),
        (["-v", "send", "--now"], 2),  # -v: the service's log record of it too
    ],
)
def test_a_send_is_said_once_on_the_terminal(tmp_path: Path, command: list[str], said: int) -> None:
    p = project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "relbot", "--config", str(p.root / "config.toml"), *command],
        capture_output=True,
        text=True,
        check=True,
    )
    assert (done.stdout + done.stderr).count(": sent <") == said, done.stdout + done.stderr


def test_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    p = project(tmp_path)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from relbot.cli import main; main()",
            "--config",
            str(p.root / "config.toml"),
            "run",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    try:
        deadline = time.monotonic() + 20
        assert proc.stderr is not None
        line = ""
        while "running; next send" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        assert "running; next send" in line
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping after the running job" in err and "stopped" in err


def test_run_follows_the_mailbox_with_idle(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply delivered while `relbot run` waits is read within seconds, not at the next poll."""
    p = imap_project(tmp_path, dovecot, monkeypatch)
    dovecot.create(FOLDER)
    proc = subprocess.Popen(
        [sys.executable, "-m", "relbot", "--config", str(p.root / "config.toml"), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr = proc.stderr
    assert stderr is not None

    def pump() -> None:
        for line in stderr:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen: list[str] = []

    def wait_for(text: str, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                seen.append(lines.get(timeout=0.1))
            except queue.Empty:
                continue
            if text in seen[-1]:
                return time.monotonic() - started
        raise AssertionError(f"no {text!r} within {timeout} s:\n{''.join(seen)}")

    try:
        wait_for("mail: scanned 0", 20)  # the first sync is done: now it waits in IDLE
        time.sleep(0.5)
        dovecot.deliver_lmtp(REPLIES[0].read_bytes(), FOLDER)
        latency = wait_for("mail: scanned 1, thread members 1, applied 1", 10)
        assert latency < 5, latency  # IDLE: not the 300 s poll_interval
        assert owners(p, "T12") == ["Roger Pau Monne"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        reader.join(5)
        while not lines.empty():
            seen.append(lines.get())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(5)
        stderr.close()
    err = "".join(seen)
    assert "SIGTERM: stopping after the running job" in err and err.rstrip().endswith("stopped")
    assert "Traceback" not in err


def _set(p: Project, key: str, value: str) -> None:
    config = p.root / "config.toml"
    lines = config.read_text().splitlines()
    lines = [f"{key} = {value}" if line.startswith(f"{key} =") else line for line in lines]
    config.write_text("\n".join(lines) + "\n")
