"""The IMAP poller against a real Dovecot: incremental, thorough, never twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from relbot.edges.config import load_config
from relbot.service.poll import watch
from relbot.service.wiring import Service
from tests.clirun import REPO, Project, find_item
from tests.runproc import use_store
from tests.servers import Dovecot

EXAMPLES = REPO / "docs" / "examples"
REPLIES = sorted((EXAMPLES / "replies").glob("*.eml"))
STATUS_ID = "1334575910.28331.41.camel@zakaz.uk.xensource.com"
FOLDER = "lists/dev"


def imap_project(
    root: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch, store_url: str = ""
) -> Project:
    monkeypatch.setenv("RELBOT_TEST_IMAP_PASSWORD", dovecot.password)
    p = Project.create(root)
    if store_url:
        use_store(p.root / "config.toml", store_url)
    text = (p.root / "config.toml").read_text()
    text = text.replace('source = "maildir"', 'source = "imap"')
    text = text.replace(
        'host = "imap.example.org"\nport = 993\ntls = "ssl"',
        f'host = "127.0.0.1"\nport = {dovecot.imap_port}\ntls = "none"\ntimeout = 10',
    )
    text = text.replace(
        'password_env = "RELBOT_IMAP_PASSWORD"', 'password_env = "RELBOT_TEST_IMAP_PASSWORD"'
    )
    text = text.replace('folders = ["INBOX"]', f'folders = ["{FOLDER}"]\nbatch_size = 50')
    (p.root / "config.toml").write_text(text)
    p.ok("init")
    p.ok("import", str(EXAMPLES / "status-4.2.eml"))
    return p


def mail(
    msgid: str,
    body: str,
    *,
    refs: str = STATUS_ID,
    subject: str = "Re: [Xen-devel] 4.2 Release Plan / TODO",
    sender: str = "Roger Pau Monne <roger.pau@citrix.com>",
    extra: str = "",
) -> bytes:
    chain = " ".join(f"<{r}>" for r in refs.split())
    ref_lines = f"In-Reply-To: <{refs.split()[-1]}>\nReferences: {chain}\n" if refs else ""
    return (
        f"From: {sender}\nTo: xen-devel <xen-devel@lists.xen.org>\nSubject: {subject}\n"
        f"Date: Tue, 17 Apr 2012 10:00:00 +0100\nMessage-ID: <{msgid}>\n{ref_lines}{extra}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()


def noise(n: int) -> list[bytes]:
    return [
        mail(
            f"noise{i}@example.org",
            f"Patch {i} looks fine to me.\n",
            refs=f"patch{i}@example.org",
            subject=f"Re: [PATCH v{i % 5 + 1} {i}/9] x86/mm: tidy {i}",
            sender=f"Dev {i} <dev{i}@example.org>",
        )
        for i in range(n)
    ]


def owners(p: Project, item_id: str) -> list[str]:
    return find_item(p, item_id)["owners"]  # type: ignore[no-any-return]


SUSPEND_QUOTE = (
    ">                       * libxl_domain_suspend. Nobody has looked at these\n"
    ">                         at all. A volunteer would be appreciated.\n\n"
)


def test_first_and_incremental_sync(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch, store_url)
    dovecot.write_maildir(FOLDER, noise(40) + [r.read_bytes() for r in REPLIES])
    out = p.ok("poll", "--once")
    assert f"scanned {40 + len(REPLIES)}, thread members {len(REPLIES)}" in out
    assert owners(p, "T12") == ["Roger Pau Monne"]
    assert find_item(p, "T5")["status"] == "done"
    for uid_mail in noise(3):
        dovecot.append(FOLDER, uid_mail)
    dovecot.append(
        FOLDER,
        mail(
            "claim2@citrix.com",
            SUSPEND_QUOTE.replace("suspend", "suspend") + "Dario will take this one.\n",
            sender="Ian Campbell <ian.campbell@citrix.com>",
        ),
    )
    out = p.ok("poll", "--once")
    assert "scanned 4, thread members 1" in out  # only what is new
    out = p.ok("poll", "--once")
    assert "scanned 0" in out


def test_replies_to_replies_and_dropped_references(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch)
    first = mail("a1@citrix.com", SUSPEND_QUOTE + "Is anyone looking at this?\n")
    # the answer references only its parent, not the status mail
    second = mail(
        "a2@citrix.com", "> Is anyone looking at this?\n\n#relbot T12 claim\n", refs="a1@citrix.com"
    )
    third = mail(
        "a3@citrix.com",
        "> #relbot T12 claim\n\nThanks!\n",
        refs="a1@citrix.com a2@citrix.com",
        sender="Ian Campbell <ian.campbell@citrix.com>",
    )
    # a client that drops References: found by subject, and it waits for the RM
    fourth = mail(
        "a4@citrix.com",
        ">  * libxl_domain_core_dump. Can take a dummy ao_how and\n"
        ">    remain synchronous internally.\n\nI'm working on this now.\n",
        refs="",
        sender="Andres Lagar <andres@example.org>",
    )
    dovecot.write_maildir(FOLDER, [first, second, third, fourth])
    out = p.ok("poll", "--once")
    assert "thread members 4" in out
    assert owners(p, "T12") == ["Roger Pau Monne"]
    assert "a4@citrix.com" in p.ok("pending")


def test_uidvalidity_change_rescans_without_double_apply(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch, store_url)
    dovecot.write_maildir(FOLDER, noise(5) + [r.read_bytes() for r in REPLIES])
    p.ok("poll", "--once")
    log_before = p.ok("log")
    dovecot.change_uidvalidity(FOLDER)
    out = p.ok("poll", "--once")
    assert "thread members 0" in out and f"duplicates {len(REPLIES)}" in out
    assert p.ok("log") == log_before


def test_malformed_own_and_auto_mail(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch)
    malformed = (
        b"From: Broken <broken@example.org>\nSubject: Re: 4.2 Release Plan / TODO\n"
        b"Message-ID: <broken@example.org>\nReferences: <" + STATUS_ID.encode() + b">\n"
        b'Content-Type: multipart/mixed; boundary="zzz"\n\n'
        b"--zzz\nContent-Type: text/plain; charset=x-unknown\n"
        b"Content-Transfer-Encoding: base64\n\n!!!not base64\xff\xfe\n--zz"
    )
    own = mail(
        "week-2@relbot.example.org",
        "the status mail\n",
        sender="Xen release bot <relbot@example.org>",
    )
    auto = mail(
        "ooo@example.org",
        "I am out of the office.\n",
        sender="Someone <someone@example.org>",
        extra="Auto-Submitted: auto-replied\n",
    )
    huge = mail("huge@example.org", "x" * 3_000_000)
    dovecot.write_maildir(FOLDER, [malformed, own, auto, huge, REPLIES[0].read_bytes()])
    text = (
        (p.root / "config.toml")
        .read_text()
        .replace("[parsing]\n", "[parsing]\nmax_message_bytes = 2000000\n")
    )
    (p.root / "config.toml").write_text(text)
    out = p.ok("poll", "--once")
    assert "thread members 3" in out and "loop-guarded 2" in out and "quarantined 1" in out
    assert owners(p, "T12") == ["Roger Pau Monne"]
    listing = p.ok("quarantine")
    assert "<huge@example.org>" in listing and "max_message_bytes" in listing
    # the malformed one was read leniently: stored, with nothing to do
    assert "broken@example.org" not in listing
    assert "quarantined 0" in p.ok("poll", "--once") or "scanned 0" in p.ok("poll", "--once")


def test_connection_refused_and_bad_password(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch)
    monkeypatch.setenv("RELBOT_TEST_IMAP_PASSWORD", "wrong")
    result = p.run("poll", "--once")
    assert result.exit_code == 1
    assert "relbot" in result.output and "login" in result.output.lower()
    dovecot.stop()
    monkeypatch.setenv("RELBOT_TEST_IMAP_PASSWORD", dovecot.password)
    result = p.run("poll", "--once")
    assert result.exit_code == 1
    assert "refused" in result.output.lower()
    assert "Traceback" not in result.output


def test_server_restart_during_idle_misses_nothing(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = imap_project(tmp_path, dovecot, monkeypatch)
    dovecot.create(FOLDER)
    service = Service(load_config(p.root / "config.toml"))
    stop = threading.Event()
    reports: list[str] = []
    from relbot.edges.imap.reconnect import Backoff

    thread = threading.Thread(
        target=watch,
        kwargs={
            "service": service,
            "now": _now,
            "stop": stop,
            "backoff": Backoff(base=0.1, cap=0.5),
        },
        daemon=True,
    )
    thread.start()
    try:
        dovecot.deliver_lmtp(REPLIES[0].read_bytes(), FOLDER)
        _wait(lambda: owners(p, "T12") == ["Roger Pau Monne"], 30, reports)
        dovecot.kill()
        time.sleep(0.5)
        dovecot.start()
        dovecot.deliver_lmtp(REPLIES[2].read_bytes(), FOLDER)
        _wait(lambda: find_item(p, "T5")["status"] == "done", 30, reports)
    finally:
        stop.set()
        thread.join(15)
        service.close()
    assert not thread.is_alive()


def test_crash_mid_sync_converges(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL a real `relbot poll --once` half-way; the rerun gives the state of a clean run."""
    members = [
        mail(
            f"m{i}@example.org",
            SUSPEND_QUOTE + f"#relbot T12 note attempt {i}\n",
            sender="Ian Campbell <ian.campbell@citrix.com>",
        )
        for i in range(40)
    ]
    dovecot.write_maildir(
        FOLDER, [m for pair in zip(noise(40), members, strict=True) for m in pair]
    )
    crashed = imap_project(tmp_path / "crashed", dovecot, monkeypatch)
    env = {**os.environ, "RELBOT_TEST_IMAP_PASSWORD": dovecot.password}
    db = crashed.root / "var" / "relbot.db"
    command = [sys.executable, "-m", "relbot", "--config", str(crashed.root / "config.toml")]
    for kill_after in (3, 12, 25):  # crash three times, at different points
        proc = subprocess.Popen(
            [*command, "poll", "--once"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            with sqlite3.connect(db) as conn:
                if conn.execute("select count(*) from messages").fetchone()[0] >= kill_after:
                    break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(db) as conn:
            # a message is stored with its outcome, never half-way ("read")
            assert (
                conn.execute("select count(*) from messages where state = 'read'").fetchone()[0]
                == 0
            )
    crashed.ok("poll", "--once")
    clean = imap_project(tmp_path / "clean", dovecot, monkeypatch)
    clean.ok("poll", "--once")
    assert find_item(crashed, "T12")["notes"] == find_item(clean, "T12")["notes"]
    assert len(find_item(clean, "T12")["notes"]) == 40
    assert crashed.ok("log").count("note") == clean.ok("log").count("note")


def _now():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def _wait(condition, timeout: float, reports: list[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out; polls: {reports}")


@pytest.mark.parametrize("then", ["idle", "fetch then idle"])
def test_mail_delivered_between_sync_and_idle_wakes_at_once(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    """What watch() does, one step at a time, with a delivery in the gap.

    Dovecot announces mail that arrived before IDLE began only when IDLE ends,
    and mail announced in the answer to another command never again.
    """
    from relbot.service.ingest import Ingestor
    from relbot.service.poll import sync_folder

    p = imap_project(tmp_path, dovecot, monkeypatch)
    dovecot.write_maildir(FOLDER, noise(5))
    service = Service(load_config(p.root / "config.toml"))
    source = service.imap_source()
    try:
        ingestor = Ingestor(service, now=_now)
        sync_folder(source, ingestor, FOLDER)
        dovecot.deliver_lmtp(
            mail("gap@citrix.com", SUSPEND_QUOTE + "I'll take this one.\n"), FOLDER
        )
        if then == "fetch then idle":
            # another command after the delivery hears of it and drops it
            list(source.fetch_headers([1]))
        started = time.monotonic()
        assert source.idle_wait(10.0) is True
        assert time.monotonic() - started < 2.0
        sync_folder(source, ingestor, FOLDER)
        assert ingestor.report.members == 1
    finally:
        source.close()
    assert owners(p, "T12") == ["Roger Pau Monne"]
