"""Poll: ``relbot poll --once`` against a real Dovecot, small folder against big.

One Dovecot serves two folders, ``lists/small`` (1,000 messages) and
``lists/big`` (50,000), written straight into the maildirs. Each folder has a
fresh project of its own (its own SQLite file, the status mail imported).
The first ``poll --once`` of each is the first sync (Dovecot indexes the
folder on that first SELECT, and relbot screens every header). Then, three
times over, ten new messages are delivered over LMTP to each folder (two of
them status-thread replies) and ``poll --once`` is timed. Every poll is the
real command in a child process; the figures come from its summary line
(the poll's own time and the bytes fetched) and from the wall clock around
the whole command (interpreter start included).

Run: ``python bench/poll.py [--small 1000 --big 50000 --reps 3]``; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.backfill import new_project, parse_summary  # noqa: E402
from bench.corpus import Corpus  # noqa: E402
from tests.servers import Dovecot  # noqa: E402

PASSWORD_ENV = "RELBOT_BENCH_IMAP_PASSWORD"


def imap_project(root: Path, dovecot: Dovecot, folder: str) -> Path:
    """A fresh project whose [mailbox] is ``folder`` on ``dovecot``."""
    os.environ[PASSWORD_ENV] = dovecot.password

    def edit(text: str) -> str:
        swaps = (
            ('source = "maildir"', 'source = "imap"'),
            (
                'host = "imap.example.org"\nport = 993\ntls = "ssl"',
                f'host = "127.0.0.1"\nport = {dovecot.imap_port}\ntls = "none"\ntimeout = 60',
            ),
            ('password_env = "RELBOT_IMAP_PASSWORD"', f'password_env = "{PASSWORD_ENV}"'),
            ('folders = ["INBOX"]', f'folders = ["{folder}"]'),
        )
        for old, new in swaps:
            if old not in text:
                raise RuntimeError(f"config.toml has changed: cannot find {old!r}")
            text = text.replace(old, new)
        return text

    return new_project(root, edit)


def poll_once(project: Path) -> dict[str, Any]:
    """One ``relbot poll --once`` in a child process, with its figures.

    The child runs what the command runs (``relbot.service.poll.poll_imap_once`` on
    the project's service, the connection opened first so that the EXAMINE can
    be timed apart) and reports the poll's own time (connect and login
    included, as in the command), the EXAMINE's share of it and the exact
    byte count; ``wall`` is the whole child process, interpreter start
    included.
    """
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", str(project / "config.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"poll --once failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def child(config: Path) -> dict[str, Any]:
    import datetime as dt

    from relbot.edges.config import load_config
    from relbot.edges.imap.client import FolderState
    from relbot.service.poll import poll_imap_once
    from relbot.service.wiring import Service

    service = Service(load_config(config))
    # what poll_once does for IMAP, with the connection opened here so the
    # EXAMINE (the server opening the folder) can be timed on its own
    started = time.perf_counter()
    source = service.imap_source()
    connect = time.perf_counter() - started
    examine = 0.0
    select = source.select

    def timed_select(folder: str) -> FolderState:
        nonlocal examine
        t = time.perf_counter()
        try:
            return select(folder)
        finally:
            examine += time.perf_counter() - t

    source.select = timed_select  # type: ignore[method-assign]
    try:
        report = poll_imap_once(service, now=lambda: dt.datetime.now(dt.UTC), source=source)
    finally:
        source.close()
    result: dict[str, Any] = parse_summary(report.ingest.summary())
    result.update(
        seconds=connect + report.seconds,
        examine_seconds=examine,
        bytes_fetched=report.bytes_fetched,
    )
    return result


def deliver_new(
    dovecot: Dovecot, folder: str, corpus: Corpus, n: int = 10, members: int = 2
) -> None:
    for i in range(n):
        raw = corpus.status_reply("point") if i < members else corpus.next_message()
        dovecot.deliver_lmtp(raw, folder)


def poll_bench(
    small: int = 1000, big: int = 50000, reps: int = 3, seed: int = 42
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="relbot-bench-poll-"))
    dovecot = Dovecot()
    out: dict[str, Any] = {"folders": {}}
    try:
        dovecot.start()
        folders = {"lists/small": small, "lists/big": big}
        corpus = Corpus(seed)
        for folder, n in folders.items():
            started = time.perf_counter()
            dovecot.write_maildir(folder, corpus.messages(n))
            out["folders"][folder] = {"messages": n, "write_seconds": time.perf_counter() - started}
        projects = {f: imap_project(work / f.replace("/", "-"), dovecot, f) for f in folders}
        for folder, project in projects.items():
            first = poll_once(project)
            first["rate"] = first["scanned"] / first["wall"]
            out["folders"][folder]["first_sync"] = first
        incremental: dict[str, list[dict[str, Any]]] = {f: [] for f in folders}
        for _ in range(reps):
            for folder, project in projects.items():
                deliver_new(dovecot, folder, corpus)
                incremental[folder].append(poll_once(project))
        for folder, runs in incremental.items():
            out["folders"][folder]["incremental"] = {
                "runs": runs,
                "median_seconds": statistics.median(r["seconds"] for r in runs),
                "median_examine": statistics.median(r["examine_seconds"] for r in runs),
                "median_without_examine": statistics.median(
                    r["seconds"] - r["examine_seconds"] for r in runs
                ),
                "median_wall": statistics.median(r["wall"] for r in runs),
                "median_bytes": statistics.median(r["bytes_fetched"] for r in runs),
                "members": [r["members"] for r in runs],
            }
        # the server's share: one EXAMINE right after a delivery, as every poll makes
        client = dovecot.client()
        try:
            for folder in folders:
                deliver_new(dovecot, folder, corpus, n=1, members=0)
                started = time.perf_counter()
                client.select_folder(folder, readonly=True)
                out["folders"][folder]["examine_seconds"] = time.perf_counter() - started
        finally:
            client.logout()
        s, b = (out["folders"][f]["incremental"] for f in folders)
        out["ratio_seconds"] = b["median_seconds"] / s["median_seconds"]
        out["ratio_wall"] = b["median_wall"] / s["median_wall"]
        out["ratio_without_examine"] = b["median_without_examine"] / s["median_without_examine"]
        out["dovecot"] = subprocess.run(
            ["/usr/sbin/dovecot", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        return out
    finally:
        dovecot.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=50000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    print(json.dumps(poll_bench(args.small, args.big, args.reps, args.seed), indent=2))


if __name__ == "__main__":
    main()
