"""Backfill: ``relbot ingest`` of a list archive (mbox) against a plain stdlib parse.

Every measurement runs in a child process of its own, so its peak RSS
(``ru_maxrss`` from ``wait4``) is that run's alone and nothing is warm from an
earlier one. Three children read the same mbox file with the same streaming
reader (``relbot.edges.mailbox.iter_mbox``), so only what happens to each message
differs:

* ``read``: the reader alone (the floor both others stand on);
* ``stdlib``: ``email.message_from_bytes(raw, policy=email.policy.default)``
  for every message, which is what a naive ingester does;
* ``relbot``: the ``relbot ingest PATH`` command, in-process in the child,
  against a fresh project whose store already holds the status mail of
  docs/examples/status-4.2.eml, so its replies are thread members and are
  read, understood and stored for real.

The timed span of each child covers the loop only (interpreter start and
imports excluded, for all three alike); ``relbot`` includes loading its
config and opening its store.

Run: ``python bench/backfill.py [--sizes 5000,20000]``; prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.corpus import STATUS_MAIL, write_mbox  # noqa: E402

_SUMMARY = re.compile(
    r"scanned (\d+), thread members (\d+), applied (\d+), pending (\d+), ignored (\d+), "
    r"quarantined (\d+), duplicates (\d+), loop-guarded (\d+)"
)
_FIELDS = (
    "scanned",
    "members",
    "applied",
    "pending",
    "ignored",
    "quarantined",
    "duplicates",
    "guarded",
)


def relbot(project: Path, *args: str) -> str:
    """Run the relbot command in ``project``; its output, or an error with it."""
    proc = subprocess.run(
        [sys.executable, "-m", "relbot", "--config", str(project / "config.toml"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"relbot {' '.join(args)}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def new_project(root: Path, edit: Any = None) -> Path:
    """A fresh project (config, templates, its own SQLite) holding the status mail."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "config.toml", root / "config.toml")
    shutil.copytree(REPO / "templates", root / "templates")
    if edit is not None:
        path = root / "config.toml"
        path.write_text(edit(path.read_text()))
    relbot(root, "init")
    relbot(root, "import", str(STATUS_MAIL))
    return root


def parse_summary(text: str) -> dict[str, int]:
    m = _SUMMARY.search(text)
    if m is None:
        raise RuntimeError(f"no summary line in relbot's output:\n{text[-2000:]}")
    return dict(zip(_FIELDS, map(int, m.groups()), strict=True))


# -- the children ---------------------------------------------------------------


def child(mode: str, mbox: Path, project: Path | None) -> dict[str, Any]:
    from relbot.edges.mailbox import iter_mbox

    result: dict[str, Any] = {"mode": mode}
    if mode == "read":
        import email

        started, cpu = time.perf_counter(), time.process_time()
        n = size = 0
        for mail in iter_mbox(mbox):
            n += 1
            size += len(mail.raw)
        result.update(messages=n, bytes=size)
    elif mode == "stdlib":
        import email
        import email.policy

        started, cpu = time.perf_counter(), time.process_time()
        n = 0
        for mail in iter_mbox(mbox):
            msg = email.message_from_bytes(mail.raw, policy=email.policy.default)
            n += 1
            del msg
        result.update(messages=n)
    elif mode == "headers":
        import email.parser
        import email.policy

        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        started, cpu = time.perf_counter(), time.process_time()
        n = 0
        for mail in iter_mbox(mbox):
            msg = parser.parsebytes(mail.raw)
            n += 1
            del msg
        result.update(messages=n)
    elif mode == "screen":
        # relbot's header screen alone, as ingest runs it on every message:
        # what a backfill costs before any thread member is read
        from relbot.cli.base import Env
        from relbot.service.ingest import Ingestor

        assert project is not None
        env = Env(project / "config.toml")
        started, cpu = time.perf_counter(), time.process_time()
        ingestor = Ingestor(env.service, now=env.now)
        n = members = 0
        for mail in iter_mbox(mbox):
            _msgid, membership = ingestor.screen(mail.raw)
            n += 1
            members += membership.member
        env.service.close()
        result.update(messages=n, members=members)
    elif mode == "relbot":
        import relbot.cli.replies  # noqa: F401  (loaded lazily by the command: not timed)
        from relbot.cli import main

        assert project is not None
        out = io.StringIO()
        argv = ["--config", str(project / "config.toml"), "ingest", str(mbox)]
        started, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(out):
            main.main(argv, standalone_mode=False)
        result.update(parse_summary(out.getvalue()))
        result["messages"] = result["scanned"]
    else:
        raise SystemExit(f"unknown mode {mode}")
    result["seconds"] = time.perf_counter() - started
    result["cpu"] = time.process_time() - cpu
    return result


def run_child(mode: str, mbox: Path, project: Path | None = None) -> dict[str, Any]:
    """One measurement in a fresh process: its result plus its peak RSS in MB."""
    argv = [sys.executable, str(Path(__file__)), "--child", mode, "--mbox", str(mbox)]
    if project is not None:
        argv += ["--project", str(project)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, cwd=REPO, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode()
        if proc.returncode != 0:
            raise RuntimeError(
                f"{mode} child failed ({proc.returncode}):\n{err.read().decode()[-3000:]}"
            )
    result: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    result["rate"] = result["messages"] / result["seconds"]
    return result


# -- the benchmark --------------------------------------------------------------


#: rounds per size; the median run of each side is reported
REPEATS = 3


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: float(r["rate"]))
    median = dict(ordered[len(ordered) // 2])
    median["peak_rss_mb"] = max(float(r["peak_rss_mb"]) for r in runs)
    median["rates"] = [round(float(r["rate"])) for r in runs]
    return median


def backfill(sizes: tuple[int, ...] = (5000, 20000), seed: int = 42) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="relbot-bench-backfill-"))
    try:
        runs: dict[str, Any] = {}
        for n in sizes:
            mbox = work / f"list-{n}.mbox"
            stats = write_mbox(mbox, n, seed)
            entry: dict[str, Any] = {
                "corpus": stats.summary(),
                "mbox_mb": mbox.stat().st_size / 1e6,
            }
            entry["read"] = run_child("read", mbox)
            # three interleaved rounds, the median of each: a shared machine's
            # load moves single runs by 10-20%
            stdlib_runs, relbot_runs = [], []
            for round_ in range(REPEATS):
                stdlib_runs.append(run_child("stdlib", mbox))
                project = new_project(work / f"project-{n}-{round_}")
                relbot_runs.append(run_child("relbot", mbox, project))
            entry["stdlib"] = _median_run(stdlib_runs)
            entry["relbot"] = _median_run(relbot_runs)
            entry["rounds"] = REPEATS
            entry["speedup"] = entry["relbot"]["rate"] / entry["stdlib"]["rate"]
            runs[str(n)] = entry
            mbox.unlink()
        return {"sizes": list(sizes), "seed": seed, "runs": runs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", choices=("read", "stdlib", "headers", "screen", "relbot"))
    ap.add_argument("--mbox", type=Path)
    ap.add_argument("--project", type=Path)
    ap.add_argument("--sizes", default="5000,20000")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.mbox, args.project)))
        return
    sizes = tuple(int(x) for x in args.sizes.split(","))
    print(json.dumps(backfill(sizes, args.seed), indent=2))


if __name__ == "__main__":
    main()
