"""Latency: from an LMTP delivery to the event it causes, with ``watch()`` in IDLE.

A real Dovecot holds ``lists/dev`` (1,000 list messages, synced first). A
fresh project's ``relbot.service.poll.watch`` runs in a thread, as ``relbot poll``
runs it. Each sample delivers one status-thread reply over LMTP (it quotes an
item and points at a report) and then watches
the project's SQLite file, every 5 ms on a separate connection, for an event
whose source is that reply's Message-ID. The sample is the time from the
start of the LMTP delivery to that row being visible. Samples are spaced by
a random 0.3 to 1.0 s so each starts with the watcher settled in IDLE. A reply
that is read but yields no event (a link to an item that is done, say) is
listed under ``missed`` and another is sent, until 20 have yielded events.

Run: ``python bench/latency.py [--samples 20]``; prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.corpus import Corpus  # noqa: E402
from bench.poll import imap_project, poll_once  # noqa: E402
from relbot.edges.config import load_config  # noqa: E402
from relbot.service.poll import watch  # noqa: E402
from relbot.service.wiring import Service  # noqa: E402
from tests.servers import Dovecot  # noqa: E402

FOLDER = "lists/dev"
_MSGID = re.compile(rb"^Message-ID: <([^>]+)>", re.MULTILINE)


def wait_for_event(db: Path, message_id: str, timeout: float) -> tuple[float | None, str]:
    """Seconds until an event from ``message_id`` is stored, else None and why."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT 1 FROM events WHERE source = ? LIMIT 1", (message_id,)
            ).fetchone()
            if row is not None:
                return time.perf_counter() - started, ""
            # the message and its events commit together: a settled message
            # without an event will never have one
            stored = conn.execute(
                "SELECT state, reason FROM messages WHERE message_id = ? AND state != 'read'",
                (message_id,),
            ).fetchone()
            if stored is not None:
                return (
                    None,
                    f"stored as {stored[0]} ({stored[1]}) "
                    f"after {time.perf_counter() - started:.2f} s",
                )
            time.sleep(0.005)
        return None, f"not read within {timeout:g} s"
    finally:
        conn.close()


def latency_bench(
    samples: int = 20, backlog: int = 1000, seed: int = 42, timeout: float = 30.0
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="relbot-bench-latency-"))
    rng = random.Random(seed)
    dovecot = Dovecot()
    stop = threading.Event()
    thread: threading.Thread | None = None
    errors: list[BaseException] = []
    try:
        dovecot.start()
        corpus = Corpus(seed)
        dovecot.write_maildir(FOLDER, corpus.messages(backlog))
        project = imap_project(work / "project", dovecot, FOLDER)
        first = poll_once(project)
        service = Service(load_config(project / "config.toml"))
        db = project / "var" / "relbot.db"

        def run() -> None:
            try:
                watch(service, now=lambda: dt.datetime.now(dt.UTC), stop=stop)
            except BaseException as exc:  # reported after the run
                errors.append(exc)

        thread = threading.Thread(target=run, name="relbot-watch", daemon=True)
        thread.start()
        time.sleep(1.5)  # the watcher's first (empty) poll, then IDLE
        times: list[float] = []
        missed: list[str] = []
        while len(times) < samples and len(missed) < samples:
            time.sleep(rng.uniform(0.3, 1.0))
            raw = corpus.status_reply("point")
            found = _MSGID.search(raw)
            assert found is not None
            message_id = found.group(1).decode()
            started = time.perf_counter()
            dovecot.deliver_lmtp(raw, FOLDER)
            delivered = time.perf_counter() - started
            waited, why = wait_for_event(db, message_id, timeout=timeout)
            if waited is not None:
                times.append(delivered + waited)
            else:
                missed.append(f"<{message_id}>: no event: {why}")
            if errors:
                raise RuntimeError(f"watch() failed: {errors[0]!r}") from errors[0]
        ordered = sorted(times)
        return {
            "samples": samples,
            "backlog": backlog,
            "first_sync_seconds": first["wall"],
            "missed": missed,
            "times": times,
            "median": statistics.median(ordered) if ordered else None,
            "p90": ordered[max(0, round(0.9 * len(ordered)) - 1)] if ordered else None,
            "min": ordered[0] if ordered else None,
            "max": ordered[-1] if ordered else None,
        }
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=15)
        dovecot.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--backlog", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    print(json.dumps(latency_bench(args.samples, args.backlog, args.seed), indent=2))


if __name__ == "__main__":
    main()
