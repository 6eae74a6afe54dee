"""A local maildir is read incrementally: each file once, however often it is polled.

`relbot poll --once` on a real maildir, with the store on SQLite or PostgreSQL:
a file already read is not read again, whether it stays in new/ or an MUA
moves it to cur/ with flags; a new file is read on the next poll; and a poll
killed half-way loses nothing and applies nothing twice. An unchanged mbox is
not read again either.
"""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from runproc import REPO, edit_config, fill_maildir, use_store

from bench.corpus import Corpus
from tests.clirun import Project, find_item

POLL = ("poll", "--once")
EXAMPLES = REPO / "docs" / "examples"
_FETCHED = re.compile(r"scanned (\d+),.* fetched ([\d.]+) KiB")


def polled(p: Project) -> tuple[int, float]:
    """(messages scanned, KiB read) by one `relbot poll --once`."""
    out = p.ok("poll", "--once")
    m = _FETCHED.search(out)
    assert m is not None, out
    return int(m.group(1)), float(m.group(2))


def demo(tmp_path: Path, store_url: str = "") -> Project:
    p = Project.create(tmp_path / "rm")
    if store_url:
        use_store(p.root / "config.toml", store_url)
    p.ok("init")
    p.ok("import", str(EXAMPLES / "status-4.2.eml"))
    fill_maildir(p.root / "var" / "mail", sorted((EXAMPLES / "replies").glob("*.eml")))
    return p


def test_a_second_poll_reads_nothing_already_read(tmp_path: Path, store_url: str) -> None:
    p = demo(tmp_path, store_url)
    scanned, kib = polled(p)
    assert scanned == 6 and kib > 1
    assert polled(p) == (0, 0.0)
    assert polled(p) == (0, 0.0)


def test_a_file_an_mua_moved_to_cur_is_not_read_again(tmp_path: Path, store_url: str) -> None:
    p = demo(tmp_path, store_url)
    polled(p)
    maildir = p.root / "var" / "mail"
    for file in sorted((maildir / "new").iterdir()):
        file.rename(maildir / "cur" / f"{file.name}:2,S")
    assert polled(p) == (0, 0.0)
    # a flag change renames it again
    for file in sorted((maildir / "cur").iterdir()):
        file.rename(file.with_name(file.name + "R"))
    assert polled(p) == (0, 0.0)


def test_a_new_file_is_read_on_the_next_poll(tmp_path: Path, store_url: str) -> None:
    p = demo(tmp_path, store_url)
    maildir = p.root / "var" / "mail"
    held = sorted((maildir / "new").iterdir())[0]  # the claim of T12
    aside = tmp_path / held.name
    held.rename(aside)
    assert polled(p)[0] == 5
    assert find_item(p, "T12")["owners"] == []
    # delivered the maildir way: written in tmp/, renamed into new/
    shutil.copyfile(aside, maildir / "tmp" / "1334590000.M1P2.host")
    (maildir / "tmp" / "1334590000.M1P2.host").rename(maildir / "new" / "1334590000.M1P2.host")
    scanned, kib = polled(p)
    assert scanned == 1 and 0 < kib < 10
    assert find_item(p, "T12")["owners"] == ["Roger Pau Monne"]


def _events(p: Project) -> list[tuple[str, str, str]]:
    with sqlite3.connect(p.root / "var" / "relbot.db") as conn:
        rows = conn.execute("SELECT source, kind, coalesce(item, '') FROM events").fetchall()
    return sorted((str(s), str(k), str(i)) for s, k, i in rows)


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_poll_killed_half_way_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    corpus = Corpus(seed=3, thread_share=0.3)
    mails = list(corpus.messages(600))
    projects = []
    for name in ("clean", "crashed"):
        p = Project.create(tmp_path / name)
        p.ok("init")
        p.ok("import", str(EXAMPLES / "status-4.2.eml"))
        new = p.root / "var" / "mail" / "new"
        for n, raw in enumerate(mails):
            (new / f"{1334580000 + n}.M{n}P1.host").write_bytes(raw)
        projects.append(p)
    clean, crashed = projects
    polled(clean)

    db = crashed.root / "var" / "relbot.db"
    baseline = _stored(db)
    child = subprocess.Popen(
        [sys.executable, "-m", "relbot", "--config", str(crashed.root / "config.toml"), *POLL],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _stored(db) < baseline + 20 and child.poll() is None:
            assert time.monotonic() < deadline, "the poll stored nothing within 60 s"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL, "the poll ended before it could be killed"
    polled(crashed)
    assert polled(crashed) == (0, 0.0)
    assert _events(crashed) == _events(clean)


def test_an_mbox_is_read_again_only_when_it_changed(tmp_path: Path) -> None:
    p = Project.create(tmp_path / "rm")
    edit_config(
        p.root / "config.toml",
        ('source = "maildir"\npath = "var/mail"', 'source = "mbox"\npath = "var/list.mbox"'),
    )
    p.ok("init")
    p.ok("import", str(EXAMPLES / "status-4.2.eml"))
    replies = sorted((EXAMPLES / "replies").glob("*.eml"))
    mbox = p.root / "var" / "list.mbox"

    def append(mail: Path) -> None:
        with mbox.open("ab") as handle:
            handle.write(b"From someone@example.org Mon Apr 16 12:00:00 2012\n")
            handle.write(mail.read_bytes().rstrip(b"\n") + b"\n\n")

    for mail in replies[1:]:
        append(mail)
    assert polled(p)[0] == 5
    assert polled(p) == (0, 0.0)
    append(replies[0])  # the claim of T12
    assert polled(p)[0] == 6
    assert find_item(p, "T12")["owners"] == ["Roger Pau Monne"]
    assert polled(p) == (0, 0.0)


def test_a_reply_read_before_its_status_mail_counts_once_the_mail_is_imported(
    tmp_path: Path, store_url: str
) -> None:
    """Not a thread member when first read (its status mail unknown, its subject changed),
    it is read again after the import, as the whole maildir was before polls were
    incremental."""
    p = Project.create(tmp_path / "rm")
    use_store(p.root / "config.toml", store_url)
    p.ok("init")
    claim = (EXAMPLES / "replies" / "01-claim.eml").read_bytes()
    renamed = claim.replace(b"Subject: Re: [Xen-devel] 4.2 Release Plan / TODO", b"Subject: Re: ao")
    (tmp_path / "claim.eml").write_bytes(renamed)
    fill_maildir(p.root / "var" / "mail", [tmp_path / "claim.eml"])
    out = p.ok("poll", "--once")
    assert "scanned 1, thread members 0" in out
    p.ok("import", str(EXAMPLES / "status-4.2.eml"))  # may read it from the maildir itself
    out = p.ok("poll", "--once")
    assert "scanned 1," in out  # screened again, now that its status mail is known
    assert find_item(p, "T12")["owners"] == ["Roger Pau Monne"]
    assert polled(p) == (0, 0.0)


def test_relbots_own_weekly_mail_does_not_make_a_poll_read_everything_again(
    tmp_path: Path,
) -> None:
    p = demo(tmp_path)
    assert polled(p)[0] == 6
    assert "2026-W49: sent" in p.ok("send", "--at", "2026-11-30T12:05+0000")
    assert polled(p) == (0, 0.0)
