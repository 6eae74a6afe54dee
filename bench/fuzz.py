#!/usr/bin/env python3
"""No mail stops relbot: malformed and fuzzed mail through ingest and a real Dovecot poll.

Two runs, each on a fresh project whose store holds the 4.2 status mail:

1. ingest: the malformed corpus (tests/malformed.py, 200+ mails) and then
   ``--cases`` fuzz cases (tests/fuzz_mail.py, seeds from ``--seed``), one
   at a time through ``Ingestor.offer``, the loop of ``relbot ingest``;
2. poll: the same mails written into a private Dovecot's folder, then read by
   ``sync_folder``, the loop of ``relbot poll --once`` (header screen, body
   fetch, watermark per mail).

Both count what became of every mail (tests/ingest_harness.py): stored,
quarantined, true duplicate, loop-guarded, not a thread member, or a crash
(an exception that escaped). The goal: no crash, every delivered mail in one
bucket, the slowest mail under 1 s per MB (a mail under 1 MB counts as 1 MB),
and after every poison mail the next one still read. Cases that crash or
run slow are written to ``--corpus-out`` (tests/fuzz_corpus by default), which
the test suite replays.

Usage: python bench/fuzz.py [--cases 100000] [--poll-cases N] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import itertools
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fuzz_mail import fuzz_cases  # noqa: E402
from tests.ingest_harness import (  # noqa: E402
    Accountant,
    CountingIngestor,
    Tally,
    open_service,
    status_project,
)
from tests.malformed import malformed_corpus  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
BEGIN = "<!-- robustness:begin -->"
END = "<!-- robustness:end -->"
CORPUS = REPO / "tests" / "fuzz_corpus"
FOLDER = "lists/dev"
PASSWORD_ENV = "RELBOT_BENCH_IMAP_PASSWORD"
#: seconds per MB for the slowest mail (a mail under 1 MB counts as 1 MB)
GOAL_SECONDS_PER_MB = 1.0


def mails(cases: int, seed: int) -> Iterator[tuple[str, bytes, bool]]:
    """(name, raw, poison) for the malformed corpus, then the fuzz cases."""
    for case in malformed_corpus():
        yield f"malformed:{case.name}", case.raw, case.poison
    for fuzz in fuzz_cases(seed, cases):
        yield fuzz.name, fuzz.raw, False


#: saved cases bigger than this are gzipped (tests/test_fuzz_ingest.py reads both)
GZIP_OVER = 100_000


def _save(out: Path, name: str, raw: bytes, why: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    if len(raw) > GZIP_OVER:
        (out / f"{digest}.eml.gz").write_bytes(gzip.compress(raw, mtime=0))
    else:
        (out / f"{digest}.eml").write_bytes(raw)
    (out / f"{digest}.why").write_text(f"{name}\n{why}\n", encoding="utf-8")


def check(tally: Tally, poison_next: list[str]) -> dict[str, Any]:
    slow = tally.slowest()
    by_name = {o.name: o for o in tally.outcomes}
    unread = [n for n in poison_next if by_name.get(n) is None or by_name[n].kind == "crash"]
    reasons = Counter(
        o.detail.split(":", 2)[1].strip()[:70] if o.detail.count(":") >= 2 else o.detail[:70]
        for o in tally.outcomes
        if o.kind == "quarantined"
    )
    return {
        "quarantine_reasons": dict(reasons.most_common(8)),
        "delivered": tally.delivered,
        "counts": dict(tally.counts),
        "crashes": [f"{o.name}: {o.detail}" for o in tally.crashes[:20]],
        "accounted": tally.accounted(),
        "slowest": (
            {
                "name": slow.name,
                "seconds": slow.seconds,
                "mb": slow.size / 1e6,
                "seconds_per_mb": slow.seconds_per_mb,
            }
            if slow
            else None
        ),
        "after_poison_read": len(poison_next) - len(unread),
        "after_poison": len(poison_next),
    }


def run_ingest(root: Path, cases: int, seed: int, corpus_out: Path | None) -> dict[str, Any]:
    project = status_project(root / "ingest")
    service = open_service(project)
    accountant = Accountant(service)
    poison_next: list[str] = []
    take_next = False
    started = time.perf_counter()
    for done, (name, raw, poison) in enumerate(mails(cases, seed), start=1):
        outcome = accountant.offer(name, raw)
        if take_next:
            poison_next.append(name)
        take_next = poison
        if corpus_out is not None and (
            outcome.kind == "crash" or outcome.seconds_per_mb > GOAL_SECONDS_PER_MB
        ):
            _save(
                corpus_out,
                name,
                raw,
                f"{outcome.kind} in {outcome.seconds:.2f} s: {outcome.detail}",
            )
        if done % 5000 == 0:
            print(
                f"ingest: {done:,} mails, {accountant.tally.summary()}", file=sys.stderr, flush=True
            )
    result = check(accountant.tally, poison_next)
    result["seconds"] = time.perf_counter() - started
    service.close()
    return result


def run_poll(root: Path, cases: int, seed: int) -> dict[str, Any]:
    from relbot.service.poll import sync_folder
    from tests.servers import Dovecot

    with Dovecot(root / "dovecot") as dovecot:
        os.environ[PASSWORD_ENV] = dovecot.password
        project = status_project(root / "poll")
        path = project.root / "config.toml"
        text = path.read_text()
        for old, new in (
            ('source = "maildir"', 'source = "imap"'),
            (
                'host = "imap.example.org"\nport = 993\ntls = "ssl"',
                f'host = "127.0.0.1"\nport = {dovecot.imap_port}\ntls = "none"\ntimeout = 120',
            ),
            ('password_env = "RELBOT_IMAP_PASSWORD"', f'password_env = "{PASSWORD_ENV}"'),
            ('folders = ["INBOX"]', f'folders = ["{FOLDER}"]'),
        ):
            if old not in text:
                raise RuntimeError(f"config.toml has changed: cannot find {old!r}")
            text = text.replace(old, new)
        path.write_text(text)
        service = open_service(project)
        poison_of: dict[str, bool] = {}
        order: list[str] = []

        def written() -> Iterator[bytes]:
            for name, raw, poison in mails(cases, seed):
                poison_of[name] = poison
                order.append(name)
                yield raw

        started = time.perf_counter()
        delivered = dovecot.write_maildir(FOLDER, written())
        wrote = time.perf_counter() - started
        ingestor = CountingIngestor(service)
        source = service.imap_source()
        started = time.perf_counter()
        error = ""
        try:
            sync_folder(source, ingestor, FOLDER, batch_size=500)
        except Exception as exc:  # the poll died: what is left unaccounted shows it
            error = f"{type(exc).__name__}: {exc}"[:500]
        finally:
            source.close()
        took = time.perf_counter() - started
        poison_next = [b for a, b in itertools.pairwise(order) if poison_of[a]]
        tally = ingestor.tally
        result = check(tally, [])
        result["delivered"] = delivered
        result["accounted"] = (
            sum(n for k, n in tally.counts.items() if k != "crash") == delivered and not error
        )
        result["poll_error"] = error
        result["write_seconds"] = wrote
        result["seconds"] = took
        # after a poison mail: the watermark passed the last UID, so every mail was offered
        result["after_poison"] = len(poison_next)
        result["after_poison_read"] = len(poison_next) if result["accounted"] else 0
        service.close()
        return result


def render(data: dict[str, Any], when: str) -> str:
    def row(label: str, r: dict[str, Any]) -> str:
        c = r["counts"]
        slow = r["slowest"] or {}
        return (
            f"| {label} | {r['delivered']:,} | {c.get('stored', 0):,} | "
            f"{c.get('quarantined', 0):,} | "
            f"{c.get('duplicate', 0):,} | {c.get('guarded', 0):,} | {c.get('not a member', 0):,} | "
            f"{c.get('crash', 0)} | {'yes' if r['accounted'] else '**no**'} | "
            f"{slow.get('seconds', 0):.2f} s for {slow.get('mb', 0):.2f} MB "
            f"({slow.get('seconds_per_mb', 0):.2f} s/MB) | "
            f"{r['after_poison_read']}/{r['after_poison']} | {r['seconds'] / 60:.1f} min |"
        )

    ing, pol = data["ingest"], data.get("poll")
    lines = [
        BEGIN,
        "## Robustness: malformed and fuzzed mail",
        "",
        "How to run: `python bench/fuzz.py --write` (as root: it starts a private Dovecot). "
        "`--cases N` sets the number of fuzz cases (default 100,000), `--poll-cases N` those "
        "also sent through Dovecot.",
        "",
        f"Machine: {data['machine']}. Run: {when}.",
        "",
        f"Mails: the malformed corpus ({data['malformed']} mails, tests/malformed.py) and "
        f"{data['cases']:,} fuzz cases (tests/fuzz_mail.py, seeds {data['seed']}–"
        f"{data['seed'] + data['cases'] - 1}).",
        "",
        "| path | delivered | stored | quarantined | true duplicates | loop-guarded | "
        "not a thread member | crashes | every mail accounted for | slowest mail | "
        "mail after a poison mail read | time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|",
        row("`relbot ingest` loop (`Ingestor.offer`)", ing),
    ]
    if pol:
        lines.append(
            row(f"`relbot poll --once` loop against Dovecot ({pol['delivered']:,} mails)", pol)
        )
    lines += [
        "",
        "- Goal: 0 crashes, stored + quarantined + true duplicates (+ mails screened out as "
        "loop-guarded or not in a status thread, which relbot never stores) == delivered, "
        f"slowest mail under {GOAL_SECONDS_PER_MB:g} s per MB (a mail under 1 MB counts as "
        "1 MB), the mail after each poison mail read.",
        "- Not a thread member: fuzz cases whose mutation broke the header block (a NUL or a "
        "raw byte in a field name ends it) so that neither In-Reply-To nor Subject is read, "
        "and the empty and binary cases of the corpus.",
        END,
    ]
    return "\n".join(lines)


def write_block(block: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs, {cpu}, Python {sys.version.split()[0]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--poll-cases", type=int, default=None, help="default: --cases")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-poll", action="store_true")
    ap.add_argument("--no-ingest", action="store_true")
    ap.add_argument("--json-out", type=Path, help="also write the figures as JSON here")
    ap.add_argument(
        "--from-json",
        type=Path,
        nargs="+",
        help="render (and --write) from JSON files of earlier runs, e.g. ingest and poll run "
        "as two processes side by side",
    )
    ap.add_argument("--corpus-out", type=Path, default=CORPUS)
    ap.add_argument(
        "--write", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)  # each quarantine logs a warning; the counts say it all
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    data: dict[str, Any] = {
        "machine": machine(),
        "cases": args.cases,
        "seed": args.seed,
        "malformed": len(malformed_corpus()),
    }
    if args.from_json:
        for path in args.from_json:
            data |= json.loads(path.read_text(encoding="utf-8"))
        when = data.get("when", when)
        finish(data, when, args.write)
        return
    data["when"] = when
    with tempfile.TemporaryDirectory(prefix="relbot-fuzz-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # Dovecot's auth and mail processes run as other users
        if not args.no_ingest:
            print("ingest ...", file=sys.stderr, flush=True)
            data["ingest"] = run_ingest(root, args.cases, args.seed, args.corpus_out)
            print(json.dumps(data["ingest"], indent=1), file=sys.stderr, flush=True)
        if not args.no_poll:
            print("poll ...", file=sys.stderr, flush=True)
            poll_cases = args.cases if args.poll_cases is None else args.poll_cases
            data["poll"] = run_poll(root, poll_cases, args.seed)
            print(json.dumps(data["poll"], indent=1), file=sys.stderr, flush=True)
    if args.json_out:
        args.json_out.write_text(json.dumps(data, indent=1), encoding="utf-8")
    if "ingest" in data:
        finish(data, when, args.write)


def finish(data: dict[str, Any], when: str, write: bool) -> None:
    block = render(data, when)
    print(block)
    if write:
        write_block(block)
        print(f"wrote {DOC.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
