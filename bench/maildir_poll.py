"""Maildir poll: what one `relbot poll --once` costs on a local maildir.

A fresh project (its own SQLite file, the status mail imported) reads a
maildir of N list messages (``bench/corpus.py``, 2% of them status-thread
replies). The first ``poll --once`` reads everything; then, three times over,
ten new messages are written into ``new/`` (two of them thread replies) and
``poll --once`` is timed again, and once more with nothing new. Every poll is
the real command in a child process: the figures are the poll's own summary
line (messages scanned, bytes read, its time) and the wall clock around the
child (interpreter start included).

With ``--postgresql`` each project's store is a database on a private
PostgreSQL server (``tests/pg.py``, as the tests start it) instead of SQLite.

Run: ``python bench/maildir_poll.py [--sizes 1000,20000 --reps 3] [--postgresql]``;
prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
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
from tests.pg import PostgresServer  # noqa: E402

POLL = ("poll", "--once")
_FETCHED = re.compile(r"fetched ([\d.]+) KiB in ([\d.]+) s")


def write_maildir(folder: Path, messages: list[bytes], start: int) -> None:
    """Deliver like an MDA: write in ``tmp/``, then rename into ``new/``."""
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    stamp = int(time.time())
    for n, raw in enumerate(messages, start=start):
        name = f"{stamp}.M{n:07d}P{os.getpid()}.bench"
        tmp = folder / "tmp" / name
        tmp.write_bytes(raw)
        tmp.rename(folder / "new" / name)


def poll(project: Path) -> dict[str, Any]:
    """One ``relbot poll --once`` in a child; its summary figures and wall time."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "relbot", "--config", str(project / "config.toml"), *POLL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"poll --once: exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
    counts = parse_summary(proc.stdout)
    m = _FETCHED.search(proc.stdout)
    if m is None:
        raise RuntimeError(f"no 'fetched' figure in:\n{proc.stdout[-2000:]}")
    return {
        "wall": wall,
        "seconds": float(m.group(2)),
        "kib": float(m.group(1)),
        "scanned": counts["scanned"],
        "members": counts["members"],
    }


def bench_size(root: Path, n: int, reps: int, store_url: str = "") -> dict[str, Any]:
    def use_store(text: str) -> str:
        old = 'url = "sqlite:///var/relbot.db"'
        if old not in text:
            raise RuntimeError(f"config.toml has changed: cannot find {old!r}")
        return text.replace(old, f'url = "{store_url}"')

    project = new_project(root, use_store if store_url else None)
    maildir = project / "var" / "mail"
    corpus = Corpus(seed=7)
    started = time.perf_counter()
    write_maildir(maildir, list(corpus.messages(n)), 0)
    size = sum(p.stat().st_size for p in (maildir / "new").iterdir())
    write_seconds = time.perf_counter() - started
    first = poll(project)
    incremental = []
    written = n
    for _ in range(reps):
        fresh = [corpus.next_message() for _ in range(8)]
        fresh += [corpus.status_reply() for _ in range(2)]
        write_maildir(maildir, fresh, written)
        written += len(fresh)
        incremental.append(poll(project))
    idle = [poll(project) for _ in range(reps)]
    return {
        "messages": n,
        "mb": size / 1e6,
        "write_seconds": write_seconds,
        "first": first,
        "incremental": incremental,
        "idle": idle,
        "median_incremental_seconds": statistics.median(p["seconds"] for p in incremental),
        "median_incremental_wall": statistics.median(p["wall"] for p in incremental),
        "median_incremental_kib": statistics.median(p["kib"] for p in incremental),
        "median_idle_seconds": statistics.median(p["seconds"] for p in idle),
        "median_idle_kib": statistics.median(p["kib"] for p in idle),
    }


def maildir_poll_bench(
    sizes: tuple[int, ...], reps: int = 3, postgresql: bool = False
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="relbot-bench-maildir-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        server = stack.enter_context(PostgresServer()) if postgresql else None
        runs = {}
        for n in sizes:
            url = server.database() if server is not None else ""
            runs[str(n)] = bench_size(root / f"p{n}", n, reps, url)
        return {"reps": reps, "store": "postgresql" if postgresql else "sqlite", "sizes": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,20000", help="comma-separated message counts")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--postgresql", action="store_true", help="stores on a private PostgreSQL")
    args = ap.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print(json.dumps(maildir_poll_bench(sizes, args.reps, args.postgresql), indent=1))


if __name__ == "__main__":
    main()
